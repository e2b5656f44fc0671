/**
 * What the live view shows of a ladder beyond its bars (fitters/ladder's `ladderProgress`): once two
 * or more scales are done, the laws fitted to those and their prediction for the target, as a few lines.
 */
import type { StudyConfig } from '../config/index.js';
import type { Trial } from '../core/trial.js';
import { ladderProgress, summarizeLadder } from '../../fitters/ladder/index.js';
import { coefficientName, fmtPredicted, fmtSci } from './ladder-text.js';

/** The running law fit over the scales that are done, as a few lines; null with fewer than two. */
export function ladderFitLines(cfg: StudyConfig, trials: readonly Trial[], seed: number): string[] | null {
  const done = new Set(ladderProgress(cfg, trials).filter((p) => p.done).map((p) => p.name));
  if (done.size < 2) return null;
  const s = summarizeLadder({ config: { ...cfg, scales: (cfg.scales ?? []).filter((x) => done.has(x.name)) }, trials, seed, quick: true });
  const lines: string[] = [];
  const law = s.laws.lr;
  if (law) lines.push(`${law.formula}: ${Object.entries(law.params).map(([k, v]) => `${coefficientName(law, k)}=${fmtSci(v)}`).join(' ')}`);
  if (s.target && s.prediction) {
    lines.push(
      `${s.target.name}: ${s.lrParam}* ${fmtPredicted(s.prediction.lr)}${s.batchParam && s.prediction.batch ? ` · ${s.batchParam}* ${fmtPredicted(s.prediction.batch)}` : ''} · ${s.metric} ${fmtPredicted(s.prediction.loss)}`,
    );
  }
  return lines.length ? lines.map((l) => `${l}  (from ${done.size} scales)`) : null;
}
