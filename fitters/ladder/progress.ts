/**
 * A ladder's progress from the trials so far, for the live view: per scale, how many runs finished
 * and are running against its budget, its best loss and the learning rate of that run.
 */
import type { StudyConfig } from '../../src/config/index.js';
import type { Trial } from '../../src/core/trial.js';
import { inSearch, ladderOrder } from './scales.js';

export interface ScaleProgress {
  name: string;
  finished: number;
  running: number;
  /** the scale's budget; null for a grid that runs to its end */
  budget: number | null;
  best: number | null;
  /** the learning rate of the best run so far */
  bestLr: number | null;
  done: boolean;
}

export function ladderProgress(cfg: StudyConfig, trials: readonly Trial[]): ScaleProgress[] {
  const lrParam = cfg.fit?.lrParam ?? 'lr';
  return ladderOrder(cfg).map(({ scale }) => {
    const own = trials.filter((t) => inSearch(t, scale.name) && t.state !== 'STALE');
    const finished = own.filter((t) => t.state === 'COMPLETE' || t.state === 'FAIL' || t.state === 'PRUNED');
    const complete = own.filter((t) => t.state === 'COMPLETE' && t.value !== null);
    const best = complete.length ? complete.reduce((a, b) => (b.value! < a.value! ? b : a)) : null;
    const budget = scale.runCap ?? cfg.runCap ?? null;
    return {
      name: scale.name,
      finished: finished.length,
      running: own.filter((t) => t.state === 'RUNNING').length,
      budget,
      best: best?.value ?? null,
      bestLr: typeof best?.params[lrParam] === 'number' ? (best.params[lrParam] as number) : null,
      done: budget !== null ? finished.length >= budget : false,
    };
  });
}
