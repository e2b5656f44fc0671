import { describe, expect, it } from 'vitest';
import { chinchillaGrid, fitChinchilla, predictChinchilla, type LossPoint } from '../../fitters/chinchilla.js';
import { FitError } from '../../fitters/types.js';
import { Rng } from '../../src/core/rng.js';
import { HAVE_SCALING_DATA, readCsv, SKIP_MESSAGE } from '../helpers/shared-data.js';

describe('Chinchilla (Approach 3)', () => {
  it('has the 4,500-start grid of Epoch', () => {
    const g = chinchillaGrid();
    expect(g).toHaveLength(4500);
    expect(g[0]).toEqual([0, 0, -1, 0, 0]);
    expect(g.at(-1)).toEqual([25, 25, 1, 2, 2]);
  });

  it('recovers a planted law from noisy synthetic runs (0.1% noise): exponents within 2%', () => {
    const truth = { E: 1.7, A: 400, B: 1500, alpha: 0.34, beta: 0.3 };
    for (const seed of [11, 12]) {
      const rng = new Rng(seed);
      const pts: LossPoint[] = [];
      for (const N of [1e7, 3e7, 1e8, 3e8, 1e9, 3e9, 1e10]) for (const mult of [5, 10, 20, 40, 80, 160]) {
        const D = N * mult;
        pts.push({ N, D, loss: predictChinchilla(truth, N, D) * Math.exp(rng.normal(0, 0.001)) });
      }
      const fit = fitChinchilla(pts, { bootstrap: { count: seed === 11 ? 30 : 0, seed: 1 } });
      expect(Math.abs(fit.params.alpha / truth.alpha - 1)).toBeLessThan(0.02);
      expect(Math.abs(fit.params.beta / truth.beta - 1)).toBeLessThan(0.02);
      expect(Math.abs(fit.params.E / truth.E - 1)).toBeLessThan(0.01);
      expect(fit.residuals.meanAbsRelError).toBeLessThan(0.002);
      expect(fit.backtest?.meanAbsRelError).toBeLessThan(0.005);
      if (seed === 11) {
        const [lo, hi] = fit.intervals.alpha!;
        expect(lo).toBeLessThan(truth.alpha * 1.05);
        expect(hi).toBeGreaterThan(truth.alpha * 0.95);
      }
    }
  }, 60_000);

  it('refuses degenerate input clearly', () => {
    const one = [1, 2, 3, 4, 5, 6].map((i) => ({ N: 1e8, D: 1e9 * i, loss: 3 - i * 0.1 }));
    expect(() => fitChinchilla(one)).toThrow(/same N; alpha cannot be fitted/);
    expect(() => fitChinchilla(one.slice(0, 3))).toThrow(FitError);
    expect(() => fitChinchilla([...one.slice(0, 5), { N: 1e9, D: 1e9, loss: Number.NaN }])).toThrow(/loss: point 5 is NaN/);
  });
});

describe.skipIf(!HAVE_SCALING_DATA)('Chinchilla on Epoch AI\'s extracted points (target 1)', () => {
  if (!HAVE_SCALING_DATA) console.warn(SKIP_MESSAGE);
  it('reproduces Epoch\'s refit and its held-out error for C > 1e21', () => {
    const rows = readCsv('epoch_chinchilla_svg_extracted_data.csv')
      .map((r) => ({ N: Number(r['Model Size']), C: Number(r['Training FLOP']), loss: Number(r.loss) }))
      .sort((a, b) => b.loss - a.loss)
      .slice(5);
    expect(rows).toHaveLength(240);
    const pts = rows.map((r) => ({ N: r.N, D: r.C / (6 * r.N), loss: r.loss }));
    const fit = fitChinchilla(pts, { bootstrap: { count: 40, seed: 1 }, holdOut: { label: 'C > 1e21', test: (p) => 6 * p.N * p.D > 1e21 } });
    const p = fit.params;
    expect(p.A).toBeCloseTo(477.8, 0);
    expect(p.B / 2143 - 1).toBeLessThan(0.005);
    expect(p.E).toBeCloseTo(1.817, 3);
    expect(p.alpha).toBeCloseTo(0.347, 3);
    expect(p.beta).toBeCloseTo(0.367, 3);
    // honest intervals: refits must be free to move along the flat (A, alpha) direction
    const [alo, ahi] = fit.intervals.alpha!;
    expect(alo).toBeLessThan(0.347);
    expect(ahi).toBeGreaterThan(0.347);
    expect(ahi - alo).toBeGreaterThan(0.01);
    expect(fit.intervals.A![1] / fit.intervals.A![0]).toBeGreaterThan(1.2);
    expect(fit.backtest).toMatchObject({ nFit: 217, nHeldOut: 23 });
    expect(fit.backtest!.meanAbsRelError).toBeCloseTo(0.0105, 3);
    expect(fit.backtest!.maxAbsRelError).toBeCloseTo(0.028, 3);
  }, 120_000);
});
