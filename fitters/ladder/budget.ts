/**
 * A ladder's budget in compute (`budget: {flops: F}`): how many runs each scale gets, and what its
 * runs cost. A run costs 6·N·D (or what the trainer reports as `flops`), so the largest scales hold
 * nearly all of a ladder's compute: every scale first gets the least a search needs, then the rest
 * fills the cheapest scale up to its cap, then the next — so cheap scales search long and the largest
 * get few runs. Pure.
 */
import type { ScaleConfig } from '../../src/config/index.js';
import type { ScaleSummary } from './types.js';

/** The fewest runs a scale's search gets: five is the least an interpolated optimum is fitted from. */
export const BUDGET_MIN_RUNS = 5;
/** The most, when the study sets no run_cap. */
export const BUDGET_MAX_RUNS = 48;

export const runCost = (s: Pick<ScaleConfig, 'params' | 'tokens'>): number => 6 * (s.params ?? 0) * s.tokens;

/** Runs per scale (by name) for a budget of `flops`; null when even the fewest runs at every scale cost more. */
export function allocateRuns(scales: readonly ScaleConfig[], flops: number, maxRuns = BUDGET_MAX_RUNS): Map<string, number> | null {
  const order = [...scales].sort((a, b) => runCost(a) - runCost(b));
  const runs = new Map(order.map((s) => [s.name, Math.min(BUDGET_MIN_RUNS, maxRuns)]));
  let left = flops - order.reduce((sum, s) => sum + runs.get(s.name)! * runCost(s), 0);
  if (left < 0) return null;
  // the cheapest scale up to its cap first, then the next: a run there costs a fraction of one above
  for (const s of order) {
    const more = Math.min(maxRuns - runs.get(s.name)!, Math.floor(left / runCost(s)));
    if (more <= 0) continue;
    runs.set(s.name, runs.get(s.name)! + more);
    left -= more * runCost(s);
  }
  return runs;
}

/** The least budget that gives every scale its fewest runs, for the message that refuses a smaller one. */
export function leastBudget(scales: readonly ScaleConfig[], maxRuns = BUDGET_MAX_RUNS): number {
  return scales.reduce((sum, s) => sum + Math.min(BUDGET_MIN_RUNS, maxRuns) * runCost(s), 0);
}

/** Improvement of the best loss, relative, over the last SETTLE_WINDOW runs below which a scale has settled. */
export const SETTLE_GAIN = 5e-4;
export const SETTLE_WINDOW = 4;

/**
 * Whether a budgeted scale's search can stop before its share is spent: its optimum is interpolated
 * (bracketed by its runs) and its last SETTLE_WINDOW completed runs improved its best loss by less
 * than SETTLE_GAIN — more runs are not expected to move it beyond the noise. The runs left go unspent.
 */
export function scaleSettled(scale: Pick<ScaleSummary, 'runs' | 'optimum'>): boolean {
  const runs = scale.runs;
  if (runs.length < Math.max(BUDGET_MIN_RUNS, SETTLE_WINDOW + 3) || scale.optimum?.method !== 'interpolated') return false;
  const byOrder = [...runs].sort((a, b) => a.trial - b.trial);
  const before = Math.min(...byOrder.slice(0, -SETTLE_WINDOW).map((r) => r.loss));
  const now = Math.min(...byOrder.map((r) => r.loss));
  return before - now <= SETTLE_GAIN * Math.abs(before);
}
