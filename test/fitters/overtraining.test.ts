import { describe, expect, it } from 'vitest';
import { fitErrorLaw, fitOvertrain, predictError, predictOvertrain } from '../../fitters/overtraining.js';
import { Rng } from '../../src/core/rng.js';
import { HAVE_SCALING_DATA, readCsv, SKIP_MESSAGE } from '../helpers/shared-data.js';

describe('over-training and error laws', () => {
  it('recover planted laws', () => {
    const truth = { E: 1.8, a: 150, b: 400, e: -0.28 };
    const pts = [];
    for (const N of [1e7, 8e7, 1.5e8, 4e8]) for (const M of [20, 80, 320]) pts.push({ N, M, loss: predictOvertrain(truth, N, M) });
    const fit = fitOvertrain(pts);
    expect(Math.abs(fit.params.e / truth.e - 1)).toBeLessThan(0.02);
    expect(fit.params.E).toBeCloseTo(1.8, 3);
    const et = { epsilon: 0.85, k: 2, gamma: 0.6 };
    const rng = new Rng(1);
    const fe = fitErrorLaw([2.5, 2.8, 3, 3.3, 3.6, 4, 4.5, 5].map((loss) => ({ loss, err: predictError(et, loss) + rng.normal(0, 0.0005) })));
    expect(Math.abs(fe.params.gamma / et.gamma - 1)).toBeLessThan(0.05);
  });

  it('refuses runs at a single token multiplier', () => {
    expect(() => fitOvertrain([1e7, 2e7, 4e7, 8e7].map((N) => ({ N, M: 20, loss: 3 })))).toThrow(/same token multiplier M/);
  });
});

describe.skipIf(!HAVE_SCALING_DATA)("Gadre et al.'s over-training fit (target 3)", () => {
  if (!HAVE_SCALING_DATA) console.warn(SKIP_MESSAGE);
  it('reproduces the five-model fit and its held-out errors of 0.71% and 0.73%', () => {
    const rows = readCsv('gadre2024_mlfoundations_104_models.csv').filter((r) => r.dataset === 'rpj');
    const small = ['d=96_l=8_h=4', 'd=512_l=8_h=4', 'd=576_l=24_h=8', 'd=1024_l=24_h=8'];
    const sel = rows.filter((r) => (small.includes(r.model_name!) && Number(r.token_multiplier_M) === 20) || (r.model_name === 'd=96_l=8_h=4' && Number(r.token_multiplier_M) === 320));
    expect(sel).toHaveLength(5);
    const fit = fitOvertrain(sel.map((r) => ({ N: Number(r.N_params), M: Number(r.token_multiplier_M), loss: Number(r.loss_c4_val) })));
    expect(fit.params.a).toBeCloseTo(166.2, 1);
    expect(fit.params.b).toBeCloseTo(366.7, 1);
    expect(fit.params.e).toBeCloseTo(-0.2729, 4);
    expect(fit.params.E).toBeCloseTo(1.8366, 4);
    // five points for four parameters: the bootstrap says how loosely they pin e down
    const [elo, ehi] = fit.intervals.e!;
    expect(elo).toBeLessThan(-0.2729);
    expect(ehi).toBeGreaterThan(-0.2729);
    const held = (name: string, M: number) => rows.find((r) => r.model_name === name && Number(r.token_multiplier_M) === M)!;
    const err = (r: Record<string, string>) => Math.abs(predictOvertrain(fit.params, Number(r.N_params), Number(r.token_multiplier_M)) / Number(r.loss_c4_val) - 1);
    expect(Number(held('open_lm_1b', 640).loss_c4_val)).toBeCloseTo(2.5021, 4);
    expect(err(held('open_lm_1b', 640))).toBeCloseTo(0.0071, 4);
    expect(err(held('open_lm_7b', 20))).toBeCloseTo(0.0073, 4);
    const e = fitErrorLaw(sel.map((r) => ({ loss: Number(r.loss_c4_val), err: Number(r.err_avg_subset17) })));
    expect(e.residuals.maxAbsRelError).toBeLessThan(0.02);
    expect(Number.isFinite(e.params.gamma)).toBe(true);
  });
});
