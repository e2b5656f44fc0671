/**
 * A ladder's budget in compute (`budget: {flops: F}`): how many runs each scale gets, and what its
 * runs cost. A run costs 6·N·D (or what the trainer reports as `flops`), so the largest scales hold
 * nearly all of a ladder's compute: every scale first gets the least a search needs, then the rest
 * fills the cheapest scale up to its cap, then the next — so cheap scales search long and the largest
 * get few runs. Pure.
 */
import type { ScaleConfig } from '../../src/config/index.js';
import { scaleOptimum, type RunLayout } from './optimum.js';
import type { ScaleSummary } from './types.js';

/** The fewest runs a scale's search gets: five is the least an interpolated optimum is fitted from. */
export const BUDGET_MIN_RUNS = 5;
/** The most, when the study sets no run_cap. */
export const BUDGET_MAX_RUNS = 48;

export const runCost = (s: Pick<ScaleConfig, 'params' | 'tokens'>): number => 6 * (s.params ?? 0) * s.tokens;

/** Runs per scale (by name) for a budget of `flops`; null when even the fewest runs at every scale cost more. */
export function allocateRuns(scales: readonly ScaleConfig[], flops: number, maxRuns = BUDGET_MAX_RUNS, costFactor = 1): Map<string, number> | null {
  const cost = (s: ScaleConfig): number => costFactor * runCost(s);
  const order = [...scales].sort((a, b) => runCost(a) - runCost(b));
  const runs = new Map(order.map((s) => [s.name, Math.min(BUDGET_MIN_RUNS, maxRuns)]));
  let left = flops - order.reduce((sum, s) => sum + runs.get(s.name)! * cost(s), 0);
  if (left < 0) return null;
  // the cheapest scale up to its cap first, then the next: a run there costs a fraction of one above
  for (const s of order) {
    const more = Math.min(maxRuns - runs.get(s.name)!, Math.floor(left / cost(s)));
    if (more <= 0) continue;
    runs.set(s.name, runs.get(s.name)! + more);
    left -= more * cost(s);
  }
  return runs;
}

/**
 * `budget: {runs: auto}`: the compute of AUTO_RUNS_PER_SCALE runs at every scale — a third of 24 per
 * scale, the share at which the scale-aware ladder was measured against the full independent search
 * (bench/transfer) — shared out as any budget is: cheap scales up to their cap, the largest few runs.
 */
export const AUTO_RUNS_PER_SCALE = 8;
export const autoBudget = (scales: readonly ScaleConfig[]): number => AUTO_RUNS_PER_SCALE * scales.reduce((sum, s) => sum + runCost(s), 0);

/** The least budget that gives every scale its fewest runs, for the message that refuses a smaller one. */
export function leastBudget(scales: readonly ScaleConfig[], maxRuns = BUDGET_MAX_RUNS, costFactor = 1): number {
  return scales.reduce((sum, s) => sum + Math.min(BUDGET_MIN_RUNS, maxRuns) * costFactor * runCost(s), 0);
}

/** Improvement of the best loss, relative, over the last SETTLE_WINDOW runs below which a scale may settle. */
export const SETTLE_GAIN = 5e-4;
export const SETTLE_WINDOW = 4;
/** How far (as a factor) the last SETTLE_WINDOW runs may have moved the interpolated optimum's lr (and batch) for a scale to settle. */
export const SETTLE_SHIFT = 1.1;
/** The fewest runs a scale settles at: below that, a scattered optimum still moves by more than the noise from run to run. */
export const SETTLE_MIN_RUNS = 12;

/**
 * Whether a budgeted scale's search can stop before its share is spent: its optimum is interpolated
 * (bracketed by its runs), the last SETTLE_WINDOW completed runs moved it by less than SETTLE_SHIFT and
 * improved the best loss by less than SETTLE_GAIN — more runs are not expected to move it beyond the
 * noise. (The best loss alone settled cheap scales after 13 of 48 runs, while their optimum, which the
 * laws read, was still moving: bench/transfer.) The runs left go unspent.
 */
export function scaleSettled(scale: Pick<ScaleSummary, 'runs' | 'optimum'>, layout: RunLayout = { grid: false }): boolean {
  const runs = scale.runs;
  const now = scale.optimum;
  if (runs.length < Math.max(BUDGET_MIN_RUNS, SETTLE_MIN_RUNS) || now?.method !== 'interpolated') return false;
  const byOrder = [...runs].sort((a, b) => a.trial - b.trial);
  const earlier = byOrder.slice(0, -SETTLE_WINDOW);
  const before = Math.min(...earlier.map((r) => r.loss));
  if (before - Math.min(...byOrder.map((r) => r.loss)) > SETTLE_GAIN * Math.abs(before)) return false;
  const then = scaleOptimum(earlier, now.batch !== null && new Set(earlier.map((r) => r.batch)).size >= 2, layout);
  if (then?.method !== 'interpolated') return false;
  const moved = (a: number, b: number): boolean => Math.abs(Math.log(a / b)) > Math.log(SETTLE_SHIFT);
  return !moved(now.lr, then.lr) && !(now.batch !== null && then.batch !== null && moved(now.batch, then.batch));
}
