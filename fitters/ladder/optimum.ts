/**
 * The optimum of one scale's search: on a grid, a quadratic in log lr (and log batch, when the batch
 * size is searched) through the best point and its neighbours; for scattered runs, a cubic (basins are skewed) fitted to
 * the better 60% of them; or the best run itself when that surface has no minimum among the runs
 * (said so in `note`).
 */
import { argmin, cubicOptimum, quadraticOptimum } from '../optimum.js';
import { FitError } from '../types.js';
import type { LadderRun, ScaleOptimum } from './types.js';

/** How a scale's runs were laid out: on grid points (a discrete learning rate), or scattered over a range. */
export interface RunLayout {
  grid: boolean;
  /** the learning rates the search may draw, for scattered runs: what it could still try beyond its best */
  lrRange?: [number, number] | null;
}

export function scaleOptimum(runs: readonly LadderRun[], twoD: boolean, layout: RunLayout): ScaleOptimum | null {
  if (runs.length === 0) return null;
  const best = argmin(runs);
  const lrs = runs.map((r) => r.lr);
  const edge = new Set(lrs).size < 2 ? undefined : best.lr === Math.min(...lrs) ? 'smallest' : best.lr === Math.max(...lrs) ? 'largest' : undefined;
  const fallback = (why: string): ScaleOptimum => ({ lr: best.lr, batch: best.batch, loss: best.loss, method: 'best-run', note: `${why}${untried(best.lr, edge, layout)}`, ...(edge ? { edge } : {}) });
  const k = twoD ? 8 : 4;
  if (runs.length < 5) return fallback(`${runs.length} runs; an interpolated optimum needs at least 5`);
  // the better part of the runs: the basin, not the cliffs around it
  const sorted = [...runs].sort((a, b) => a.loss - b.loss);
  const used = sorted.slice(0, Math.max(k + 2, Math.ceil(0.6 * runs.length)));
  const grid = layout.grid;
  const pts = (rs: readonly LadderRun[]) => rs.map((r) => ({ lr: r.lr, loss: r.loss, ...(twoD ? { batch: r.batch! } : {}) }));
  try {
    // a grid: the parabola through the best point and its neighbours, whose vertex lies between them and
    // no higher than the best run (least squares over five points of a skewed basin put it 5% below every
    // run, or above the best one); scattered runs get a least-squares cubic over the best 60%
    const q = grid ? quadraticOptimum(pts(runs), { window: 1 }) : cubicOptimum(pts(used));
    return { lr: q.lr, batch: twoD ? q.batch! : best.batch, loss: q.loss, method: 'interpolated' };
  } catch (e) {
    if (!(e instanceof FitError)) throw e;
    if (twoD) {
      // the batch size may be what failed (e.g. not bracketed): the lr optimum at the best run's batch
      const same = runs.filter((r) => r.batch === best.batch);
      const one = same.length >= 3 ? scaleOptimum(same, false, layout) : null;
      if (one?.method === 'interpolated') return { ...one, batch: best.batch, note: `${e.message}; lr interpolated at the best run's batch size` };
    }
    return fallback(e.message);
  }
}

/**
 * For scattered runs whose best is the edge of what was tried while the search's range goes further:
 * the sweep is wide enough, its runs did not go there. (A grid's edge is the sweep's own, and its
 * message already says to widen it.)
 */
function untried(lr: number, edge: 'smallest' | 'largest' | undefined, layout: RunLayout): string {
  if (layout.grid || !edge || !layout.lrRange) return '';
  const beyond = edge === 'largest' ? layout.lrRange[1] : layout.lrRange[0];
  if (edge === 'largest' ? beyond <= lr * 1.0001 : beyond >= lr * 0.9999) return '';
  return `; the search's lr range reaches ${beyond.toPrecision(3)}, but none of its runs went ${edge === 'largest' ? 'above' : 'below'} lr ${lr.toPrecision(3)}: more runs there would bracket the optimum`;
}
