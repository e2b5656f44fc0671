/**
 * What the live view shows of a ladder beyond its bars (fitters/ladder's `ladderProgress`): each done
 * scale's optimum, and once two or more scales are done the laws fitted to those and their prediction
 * for the target — computed exactly as the final summary computes them (same fit, same resamples, same
 * seed), so that the two never disagree once every scale is done.
 */
import type { StudyConfig } from '../config/index.js';
import type { Trial } from '../core/trial.js';
import { ladderProgress, summarizeLadder, type ScaleOptimum } from '../../fitters/ladder/index.js';
import { coefficientName, fmtPredicted, fmtSci } from './ladder-text.js';

/** A prediction whose lr interval spans more than this factor says nothing yet: the view says so instead. */
export const EXTRAPOLATE_SPAN = 10;

export interface LadderLive {
  /** the optimum of each done scale, as the summary has it */
  optima: Record<string, ScaleOptimum | null>;
  /** the running law fit and the target's prediction; null before two scales are done */
  lines: string[] | null;
}

export function ladderLive(cfg: StudyConfig, trials: readonly Trial[], seed: number): LadderLive {
  const done = new Set(ladderProgress(cfg, trials).filter((p) => p.done).map((p) => p.name));
  if (done.size === 0) return { optima: {}, lines: null };
  const s = summarizeLadder({ config: { ...cfg, scales: (cfg.scales ?? []).filter((x) => done.has(x.name)) }, trials, seed });
  const optima = Object.fromEntries(s.scales.map((z) => [z.name, z.optimum]));
  if (done.size < 2) return { optima, lines: null };
  const lines: string[] = [];
  const law = s.laws.lr;
  if (law) lines.push(`${law.formula}: ${Object.entries(law.params).map(([k, v]) => `${coefficientName(law, k)}=${fmtSci(v)}`).join(' ')}`);
  if (s.target && s.prediction) {
    const lr = s.prediction.lr;
    const span = lr?.interval ? lr.interval[1] / lr.interval[0] : Infinity;
    if (!lr || !(span < EXTRAPOLATE_SPAN)) {
      lines.push(`${s.target.name}: too few scales to extrapolate (${lr ? (Number.isFinite(span) ? `the ${s.lrParam}* interval spans a factor of ${fmtSci(span)}` : `no interval for ${s.lrParam}* yet`) : `no ${s.lrParam}* law yet`})`);
    } else {
      lines.push(`${s.target.name}: ${s.lrParam}* ${fmtPredicted(lr)}${s.batchParam && s.prediction.batch ? ` · ${s.batchParam}* ${fmtPredicted(s.prediction.batch)}` : ''} · ${s.metric} ${fmtPredicted(s.prediction.loss)}`);
    }
  }
  return { optima, lines: lines.length ? lines.map((l) => `${l}  (from ${done.size} scales)`) : null };
}
