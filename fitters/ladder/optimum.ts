/**
 * The optimum of one scale's search: on a grid, a quadratic in log lr (and log batch, when the batch
 * size is searched) around the best point; for scattered runs, a cubic (basins are skewed) fitted to
 * the better 60% of them; or the best run itself when that surface has no minimum among the runs
 * (said so in `note`).
 */
import { argmin, cubicOptimum, quadraticOptimum } from '../optimum.js';
import { FitError } from '../types.js';
import type { LadderRun, ScaleOptimum } from './types.js';

export function scaleOptimum(runs: readonly LadderRun[], twoD: boolean): ScaleOptimum | null {
  if (runs.length === 0) return null;
  const best = argmin(runs);
  const lrs = runs.map((r) => r.lr);
  const edge = new Set(lrs).size < 2 ? undefined : best.lr === Math.min(...lrs) ? 'smallest' : best.lr === Math.max(...lrs) ? 'largest' : undefined;
  const fallback = (note: string): ScaleOptimum => ({ lr: best.lr, batch: best.batch, loss: best.loss, method: 'best-run', note, ...(edge ? { edge } : {}) });
  const k = twoD ? 8 : 4;
  if (runs.length < 5) return fallback(`${runs.length} runs; an interpolated optimum needs at least 5`);
  // the better part of the runs: the basin, not the cliffs around it
  const sorted = [...runs].sort((a, b) => a.loss - b.loss);
  const used = sorted.slice(0, Math.max(k + 2, Math.ceil(0.6 * runs.length)));
  const grid = new Set(runs.map((r) => r.lr)).size * (twoD ? new Set(runs.map((r) => r.batch)).size : 1) <= runs.length;
  const pts = (rs: readonly LadderRun[]) => rs.map((r) => ({ lr: r.lr, loss: r.loss, ...(twoD ? { batch: r.batch! } : {}) }));
  try {
    // a grid has its own bracketing rules; scattered runs get a least-squares cubic over the best 60%
    const q = grid ? quadraticOptimum(pts(runs)) : cubicOptimum(pts(used));
    return { lr: q.lr, batch: twoD ? q.batch! : best.batch, loss: q.loss, method: 'interpolated' };
  } catch (e) {
    if (!(e instanceof FitError)) throw e;
    if (twoD) {
      // the batch size may be what failed (e.g. not bracketed): the lr optimum at the best run's batch
      const same = runs.filter((r) => r.batch === best.batch);
      const one = same.length >= 3 ? scaleOptimum(same, false) : null;
      if (one?.method === 'interpolated') return { ...one, batch: best.batch, note: `${e.message}; lr interpolated at the best run's batch size` };
    }
    return fallback(e.message);
  }
}
