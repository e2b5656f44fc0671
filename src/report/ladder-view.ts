/**
 * What the live view shows of a ladder, from the trials so far (pure): one line per scale — progress
 * against its budget, its best loss, the current estimate of its best learning rate — and, once two
 * or more scales are done, the laws fitted to those and their prediction for the target.
 */
import type { StudyConfig } from '../config/index.js';
import type { Trial } from '../core/trial.js';
import { inSearch, ladderOrder } from '../orchestrator/ladder.js';
import { summarizeLadder } from './ladder.js';
import { fmtPredicted, fmtSci } from './ladder-text.js';

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

/** The running law fit over the scales that are done, as a few lines; null with fewer than two. */
export function ladderFitLines(cfg: StudyConfig, trials: readonly Trial[], seed: number): string[] | null {
  const done = new Set(ladderProgress(cfg, trials).filter((p) => p.done).map((p) => p.name));
  if (done.size < 2) return null;
  const s = summarizeLadder({ config: { ...cfg, scales: (cfg.scales ?? []).filter((x) => done.has(x.name)) }, trials, seed, quick: true });
  const lines: string[] = [];
  const law = s.laws.lr;
  if (law) lines.push(`${law.formula.replace(/ \(each.*\)$/, '')}: ${Object.entries(law.params).map(([k, v]) => `${k}=${fmtSci(v)}`).join(' ')}`);
  if (s.target && s.prediction) {
    lines.push(
      `${s.target.name}: ${s.lrParam}* ${fmtPredicted(s.prediction.lr)}${s.batchParam && s.prediction.batch ? ` · ${s.batchParam}* ${fmtPredicted(s.prediction.batch)}` : ''} · ${s.metric} ${fmtPredicted(s.prediction.loss)}`,
    );
  }
  return lines.length ? lines.map((l) => `${l}  (from ${done.size} scales)`) : null;
}
