import { describe, expect, it } from 'vitest';
import { basinPenalty, lawLoss, optimalBatch, optimalLr, SIM_DEFAULTS as c, simCurve, simLoss } from '../../../src/backends/sim/model.js';

const N = 1e9;
const D = 2e10;
const at = (lr: number, batch: number) => ({ N, D, lr, batch });

describe('the simulated run (scaling-law losses)', () => {
  it('at the Step Law optimum the final loss is Chinchilla’s, with Epoch’s constants', () => {
    const lr = optimalLr(c, N, D);
    const b = optimalBatch(c, D);
    expect(lr).toBeCloseTo(1.79 * N ** -0.713 * D ** 0.307, 12);
    expect(simLoss(c, at(lr, b), D)).toBeCloseTo(1.82 + 482.01 / N ** 0.3478 + 2085.43 / D ** 0.3658, 10);
  });

  it('has a flat basin in lr, steeper above the optimum, and diverges beyond 10x', () => {
    const lr = optimalLr(c, N, D);
    const b = optimalBatch(c, D);
    expect(basinPenalty(c, at(lr, b))).toBe(0);
    expect(basinPenalty(c, at(lr * 2, b))).toBeLessThan(0.005);
    expect(basinPenalty(c, at(lr * 2, b))).toBeGreaterThan(basinPenalty(c, at(lr / 2, b)));
    expect(basinPenalty(c, at(lr * 9, b))).toBeGreaterThan(0.02);
    expect(basinPenalty(c, at(lr * 11, b))).toBe(Infinity);
    expect(simLoss(c, at(lr * 11, b), D)).toBeNaN();
  });

  it('the best batch and lr of a fine sweep are the planted ones', () => {
    const lr0 = optimalLr(c, N, D);
    const b0 = optimalBatch(c, D);
    let best = { loss: Infinity, lr: 0, b: 0 };
    for (let i = -20; i <= 20; i++)
      for (let j = -20; j <= 20; j++) {
        const lr = lr0 * Math.exp(i / 10);
        const b = b0 * Math.exp(j / 10);
        const loss = simLoss(c, at(lr, b), D);
        if (loss < best.loss) best = { loss, lr, b };
      }
    expect(best.lr / lr0).toBeCloseTo(1, 6);
    expect(best.b / b0).toBeCloseTo(1, 6);
  });

  it('learning curves fall towards the final loss; a batch far above the critical batch wastes data', () => {
    const lr = optimalLr(c, N, D);
    const b = optimalBatch(c, D);
    const curve = simCurve({ ...c, noise: 0 }, at(lr, b), 10, 1);
    for (let i = 1; i < curve.length; i++) expect(curve[i]!.loss).toBeLessThan(curve[i - 1]!.loss);
    expect(curve.at(-1)!.tokens).toBeCloseTo(D, -6);
    expect(curve.at(-1)!.loss).toBeCloseTo(lawLoss(c, N, D), 6);
    expect(simLoss({ ...c, bCurv: 0 }, at(lr, b * 50), D)).toBeGreaterThan(simLoss({ ...c, bCurv: 0 }, at(lr, b), D));
  });

  it('noise is seeded, small, and the same for the same seed; a diverging run ends in NaN', () => {
    const lr = optimalLr(c, N, D);
    const b = optimalBatch(c, D);
    const a = simCurve(c, at(lr, b), 20, 7);
    expect(simCurve(c, at(lr, b), 20, 7)).toEqual(a);
    expect(simCurve(c, at(lr, b), 20, 8)).not.toEqual(a);
    for (const p of a) expect(Math.abs(p.loss / simLoss(c, at(lr, b), p.tokens) - 1)).toBeLessThan(0.01);
    const bad = simCurve(c, at(lr * 20, b), 20, 7);
    expect(bad.at(-1)!.loss).toBeNaN();
    expect(bad.length).toBeLessThan(20);
  });
});
