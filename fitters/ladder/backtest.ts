/**
 * The ladder's backtest: every law refitted without the largest scale, and compared with what that
 * scale's own search found — how far the laws can be trusted one step beyond the data.
 */
import type { LadderFitConfig } from '../../src/config/index.js';
import { withJointLr } from './joint.js';
import { fitLaws, lawRow, type LossRecipe } from './laws.js';
import { predictLaw } from './predict.js';
import type { LadderBacktest, LadderRun, ScaleSummary } from './types.js';

/** The largest of these scales by compute N·D (each with a known N): the one held back. */
export function largestScale<T extends Pick<ScaleSummary, 'N' | 'D'>>(scales: readonly T[]): T {
  return scales.reduce((a, b) => (a.N! * a.D >= b.N! * b.D ? a : b));
}

/** The scale a row was measured at: itself, or a harvested budget's scale. */
export const measuredAt = (s: Pick<ScaleSummary, 'name' | 'harvest'>): string => s.harvest?.scale ?? s.name;

/**
 * `usable`: the scales with an optimum and a known N, from three or more scales (two to fit, one held
 * back). With harvesting, every budget of the held-back scale is held back with it, and its full budget predicted.
 */
export function backtestLadder(usable: readonly ScaleSummary[], fitCfg: LadderFitConfig, twoD: boolean, seed: number, joint = false, recipe: LossRecipe | null = null): LadderBacktest {
  const largest = largestScale(usable);
  const restScales = usable.filter((s) => measuredAt(s) !== measuredAt(largest));
  const rest = restScales.map((s) => lawRow(s)!);
  const fitted = fitLaws(rest, fitCfg, twoD, seed, null, false, recipe);
  // the same lr* fit as the ladder's own, so that the backtest measures it
  const bl = joint ? withJointLr(restScales, fitted, seed, 200, null) : fitted;
  const N = largest.N!;
  const D = largest.D;
  const lr = bl.lr ? { predicted: predictLaw(bl.lr, N, D), measured: largest.optimum!.lr } : null;
  const batch = bl.batch && largest.optimum!.batch !== null ? { predicted: predictLaw(bl.batch, N, D), measured: largest.optimum!.batch } : null;
  const loss = bl.loss ? { predicted: predictLaw(bl.loss, N, D), measured: largest.optimum!.loss } : null;
  let lossGap: LadderBacktest['lossGap'] = null;
  if (lr && largest.best) {
    const d = (r: LadderRun): number => (Math.log(r.lr) - Math.log(lr.predicted.value)) ** 2 + (batch && r.batch !== null ? (Math.log(r.batch) - Math.log(batch.predicted.value)) ** 2 : 0);
    const nearest = largest.runs.reduce((a, b) => (d(b) < d(a) ? b : a));
    lossGap = { run: nearest.trial, loss: nearest.loss, gap: nearest.loss / largest.best.loss - 1, lrRatio: nearest.lr / lr.predicted.value, isBest: nearest.trial === largest.best.trial };
  }
  return { scale: measuredAt(largest), N, D, lr, batch, loss, lossGap };
}
