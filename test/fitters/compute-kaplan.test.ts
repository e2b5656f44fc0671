import { describe, expect, it } from 'vitest';
import { fitDeepSeek, fitIsoflop, fitPowerScheduler, logParabolaVertex, powerSchedule, predictDeepSeek, predictIsoflop } from '../../fitters/compute.js';
import { criticalBatch, fitCriticalBatch, fitKaplan, fitKaplanSteps, fitStepsExamples, predictKaplan, predictKaplanSteps, sMin } from '../../fitters/kaplan.js';
import { LAW_NAMES, LAWS, predictWithInterval } from '../../fitters/laws.js';
import { predictChinchilla } from '../../fitters/chinchilla.js';
import { Rng } from '../../src/core/rng.js';

const close = (got: number, want: number, rel: number) => expect(Math.abs(got / want - 1)).toBeLessThan(rel);

describe('laws in compute and tokens', () => {
  it('DeepSeek: recovers lr*(C) and B*(C) and predicts with an interval', () => {
    const rng = new Rng(2);
    const rows = [1e17, 3e17, 1e18, 3e18, 1e19, 3e19, 1e20].map((C) => ({ C, lr: 0.3118 * C ** -0.125 * Math.exp(rng.normal(0, 0.01)), batch: 0.292 * C ** 0.3271 * Math.exp(rng.normal(0, 0.01)) }));
    const fit = fitDeepSeek(rows, { bootstrap: { count: 200, seed: 1 } });
    close(fit.params.alpha_lr!, -0.125, 0.05);
    close(fit.params.alpha_batch!, 0.3271, 0.02);
    const at = predictDeepSeek(fit.params, 1e24);
    close(at.lr, 0.3118 * 1e24 ** -0.125, 0.1);
    const p = predictWithInterval('deepseek', fit, { C: 1e24 }, {});
    expect(p.interval.lr![0]).toBeLessThan(p.value.lr!);
    expect(p.interval.lr![1]).toBeGreaterThan(p.value.lr!);
  });

  it('Power scheduler: recovers a and b; the schedule warms up, follows the law under lr_max, then decays', () => {
    const rows = [];
    for (const T of [1e8, 3e8, 1e9, 3e9]) for (const batch of [128, 256, 512]) rows.push({ T, batch, lr: batch * 4.6 * T ** -0.51 });
    const fit = fitPowerScheduler(rows, { bootstrap: { count: 50 } });
    close(fit.params.a!, 4.6, 1e-6);
    close(fit.params.b!, -0.51, 1e-6);
    const table = powerSchedule({ a: 4.6, b: -0.51, batch: 0.25, tokensPerStep: 1e6, totalTokens: 1e9, lrMax: 2e-4, warmupTokens: 2e7, decayFraction: 0.1, decay: 'linear' });
    expect(table).toHaveLength(1000);
    expect(table[9]!.lr).toBeCloseTo(table[19]!.lr / 2, 12); // linear warmup
    expect(Math.max(...table.map((r) => r.lr))).toBeLessThanOrEqual(2e-4);
    const mid = table[499]!;
    expect(mid.lr).toBeCloseTo(Math.min(2e-4, 0.25 * 4.6 * mid.tokens ** -0.51), 15);
    expect(table.at(-1)!.lr).toBeCloseTo(0, 15);
    expect(table[950]!.lr).toBeLessThan(table[899]!.lr);
  });

  it('IsoFLOP: parabola vertices per budget and N*(C) ∝ C^0.5 from a planted Chinchilla law', () => {
    const law = { E: 1.7, A: 400, B: 400, alpha: 0.34, beta: 0.34 };
    const rows = [];
    for (const C of [1e18, 1e19, 1e20, 1e21]) {
      const nOpt = Math.sqrt(C / 6); // alpha = beta and A = B: N* = D* = sqrt(C/6)
      for (const f of [1 / 8, 1 / 4, 1 / 2, 1, 2, 4, 8]) {
        const N = nOpt * f;
        rows.push({ C, N, loss: predictChinchilla(law, N, C / (6 * N)) });
      }
    }
    const fit = fitIsoflop(rows, { bootstrap: { count: 50 } });
    close(fit.params.a_N!, 0.5, 0.01);
    for (const v of fit.vertices) close(v.N, Math.sqrt(v.C / 6), 0.03);
    close(predictIsoflop(fit.params, 1e24).N, Math.sqrt(1e24 / 6), 0.05);
    expect(() => logParabolaVertex([1, 2, 3], [3, 2, 1], 'budget X')).toThrow(/budget X: the lowest loss is at the largest N of the profile; the optimum is not bracketed/);
  });
});

describe("Kaplan's laws", () => {
  it('L(N, D): recovers the planted exponents', () => {
    const truth = { N_c: 6.4e13, D_c: 1.8e13, alpha_N: 0.076, alpha_D: 0.103 };
    const pts = [];
    for (const N of [1e6, 1e7, 1e8, 1e9]) for (const D of [1e8, 1e9, 1e10, 1e11]) pts.push({ N, D, loss: predictKaplan(truth, N, D) });
    const fit = fitKaplan(pts);
    close(fit.params.alpha_N!, 0.076, 0.02);
    close(fit.params.alpha_D!, 0.103, 0.02);
    expect(fit.residuals.maxAbsRelError).toBeLessThan(1e-4);
    expect(fit.backtest).toMatchObject({ heldOut: 'N = 1.00e+9', nFit: 12, nHeldOut: 4 });
    expect(fit.backtest!.maxAbsRelError).toBeLessThan(1e-3);
    const [lo, hi] = fit.intervals.alpha_N!;
    expect(lo).toBeLessThanOrEqual(0.076 * 1.001);
    expect(hi).toBeGreaterThanOrEqual(0.076 * 0.999);
  });

  it('critical batch: the steps–examples hyperbola, B_crit(L) as a power law, and S_min', () => {
    const Smin = 2000;
    const Emin = 2000 * 500;
    const pairs = [0.2, 0.5, 1, 2, 5, 10].map((k) => ({ S: Smin * (1 + k), E: Emin * (1 + 1 / k) }));
    const r = fitStepsExamples(pairs);
    close(r.Smin, Smin, 1e-3);
    close(r.Bcrit, 500, 1e-3);
    const rows = [2.5, 3, 3.5, 4, 5].map((loss) => ({ loss, Bcrit: 2e8 / loss ** (1 / 0.21) }));
    const cb = fitCriticalBatch(rows);
    close(cb.params.alpha_B!, 0.21, 1e-6);
    close(criticalBatch(cb.params, 3), 2e8 / 3 ** (1 / 0.21), 1e-6);
    expect(sMin(1000, 100, 100)).toBe(500);
  });

  it('L(N, S_min) from learning curves', () => {
    const truth = { N_c: 8.8e13, S_c: 2.1e3, alpha_N: 0.076, alpha_S: 0.76 };
    const pts = [];
    for (const N of [1e6, 1e7, 1e8, 1e9]) for (const S of [1e3, 3e3, 1e4, 3e4, 1e5]) pts.push({ N, Smin: S, loss: predictKaplanSteps(truth, N, S) });
    const fit = fitKaplanSteps(pts);
    close(fit.params.alpha_N!, 0.076, 0.02);
    close(fit.params.alpha_S!, 0.76, 0.02);
  });
});

describe('the law registry', () => {
  it('every law names its inputs and predicts from its own parameters', () => {
    expect(LAW_NAMES).toEqual(expect.arrayContaining(['chinchilla', 'steplaw', 'overtrain', 'error', 'deepseek', 'power-scheduler', 'isoflop', 'kaplan', 'kaplan-steps', 'critical-batch', 'power', 'power-offset']));
    for (const name of LAW_NAMES) expect(LAWS[name].formula.length).toBeGreaterThan(5);
  });
});
