import type { MetricConfig } from '../config/index.js';
import { paretoTrials } from '../core/pareto.js';
import { outsideSearch, type Trial } from '../core/trial.js';
import type { StudyConfig } from '../config/index.js';

/**
 * The best COMPLETE trial by the metric's goal (earliest wins ties); null without a metric or a result.
 * A ladder's verify runs and harvesting branches are not part of the search, and an infeasible trial
 * breaks a constraint: neither is ever the best.
 */
export function bestTrial(trials: readonly Trial[], metric: MetricConfig | undefined): Trial | null {
  if (!metric) return null;
  let best: Trial | null = null;
  for (const t of trials) {
    if (t.state !== 'COMPLETE' || t.value === null || Number.isNaN(t.value) || t.infeasible || outsideSearch(t)) continue;
    if (!best || (metric.goal === 'minimize' ? t.value < best.value! : t.value > best.value!)) best = t;
  }
  return best;
}

/** Whether a value reaches the metric's target. */
export function reachesTarget(value: number | null, metric: MetricConfig | undefined): boolean {
  if (!metric || metric.target === undefined || value === null) return false;
  return metric.goal === 'minimize' ? value <= metric.target : value >= metric.target;
}

/** A multi-objective study's Pareto front (its trials, by number); null for a study with one objective. */
export function studyFront(trials: readonly Trial[], cfg: Pick<StudyConfig, 'objectives'>): Trial[] | null {
  return cfg.objectives ? paretoTrials(trials, cfg.objectives, (t) => !outsideSearch(t)) : null;
}
