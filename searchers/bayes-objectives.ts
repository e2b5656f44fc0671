/**
 * What method bayes optimises beyond one metric, as pure functions of a history: the objective
 * vectors of a multi-objective study and its Pareto front, ParEGO's scalarisations, Monte-Carlo
 * expected hypervolume improvement, the probability that a configuration keeps every constraint,
 * and what a run costs. bayes.ts combines them into one acquisition.
 */
import { constraintSlack } from '../src/config/objectives.js';
import { normalCdf } from '../src/core/distributions.js';
import { hypervolume, nondominated, signedVector } from '../src/core/pareto.js';
import type { ConstraintConfig, CostConfig, MetricConfig } from '../src/core/trial.js';
import type { HistoryTrial } from './types.js';

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/** log Φ(z), stable far into the left tail. */
export function logNormalCdf(z: number): number {
  if (z > -6) return Math.log(normalCdf(z));
  // Φ(z) ≈ φ(z)/(−z)·(1 − 1/z² + 3/z⁴ − 15/z⁶ + 105/z⁸)
  const u = 1 / (z * z);
  return -0.5 * z * z - LOG_SQRT_2PI - Math.log(-z) + Math.log(1 - u + 3 * u * u - 15 * u ** 3 + 105 * u ** 4);
}

/** A completed trial's objectives in minimisation form (null when one is missing). */
export function objectiveVector(t: HistoryTrial, objectives: readonly MetricConfig[]): number[] | null {
  return signedVector(t.values ?? null, objectives);
}

/**
 * ParEGO's augmented Chebyshev scalarisation (Knowles 2006) of objective vectors normalised to [0, 1]
 * over the history: max_i λ_i f_i + ρ Σ λ_i f_i; its minimum lies on the front for any λ > 0.
 */
export function chebyshev(vectors: readonly (readonly number[])[], weights: readonly number[], rho = 0.05): number[] {
  const m = weights.length;
  const lo = Array.from({ length: m }, (_, i) => Math.min(...vectors.map((v) => v[i]!)));
  const hi = Array.from({ length: m }, (_, i) => Math.max(...vectors.map((v) => v[i]!)));
  return vectors.map((v) => {
    const f = v.map((x, i) => (x - lo[i]!) / (hi[i]! - lo[i]! || 1));
    return Math.max(...f.map((x, i) => weights[i]! * x)) + rho * f.reduce((s, x, i) => s + weights[i]! * x, 0);
  });
}

/** A weight vector drawn uniformly from the simplex (normalised exponentials). */
export function simplexWeights(m: number, uniform: () => number): number[] {
  const e = Array.from({ length: m }, () => -Math.log(Math.max(1e-12, uniform())));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}

/** Hypervolume improvement of one point over a front, bounded by ref: 0 when it is dominated or outside. */
export function hypervolumeImprovement(y: readonly number[], front: readonly (readonly number[])[], ref: readonly number[]): number {
  let box = 1;
  for (let i = 0; i < y.length; i++) {
    if (y[i]! >= ref[i]!) return 0;
    box *= ref[i]! - y[i]!;
  }
  // what the front already covers of [y, ref]: the front's points lifted to y
  const lifted = front.map((p) => p.map((v, i) => Math.max(v, y[i]!)));
  return Math.max(0, box - hypervolume(lifted, ref));
}

/**
 * Expected hypervolume improvement of a point whose objectives are independent normals (the
 * per-objective GPs' posteriors), by Monte Carlo over fixed standard-normal draws, so that candidates
 * are compared on the same draws.
 */
export function expectedHvi(mean: readonly number[], sd: readonly number[], front: readonly (readonly number[])[], ref: readonly number[], draws: readonly (readonly number[])[]): number {
  let sum = 0;
  for (const z of draws) sum += hypervolumeImprovement(mean.map((m, i) => m + sd[i]! * z[i]!), front, ref);
  return sum / draws.length;
}

/**
 * Each constraint's slack per completed trial (≤ 0 inside its bounds), for the feasibility model; a
 * constraint a trial never reported counts as clearly broken (the largest slack seen, plus one).
 */
export function constraintTargets(done: readonly HistoryTrial[], constraints: readonly ConstraintConfig[]): number[][] {
  return constraints.map((c) => {
    const s = done.map((t) => (t.values ? constraintSlack(t.values, c) : null));
    const seen = s.filter((v): v is number => v !== null);
    const worst = seen.length ? Math.max(0, ...seen) + 1 : 1;
    return s.map((v) => v ?? worst);
  });
}

/** What a finished run cost, by the study's `cost:`; null when it cannot be told. */
export function runCost(t: HistoryTrial, cost: CostConfig): number | null {
  const v = t.values ?? {};
  let c: number | null | undefined;
  if (cost.kind === 'time') c = t.startedAt != null && t.finishedAt != null ? (t.finishedAt - t.startedAt) / 1000 : null;
  else if (cost.kind === 'metric') c = v[cost.name];
  else c = v.flops ?? (v.params != null && v.tokens != null ? 6 * v.params * v.tokens : null);
  return c !== null && c !== undefined && Number.isFinite(c) && c > 0 ? c : null;
}

/**
 * The weight of the cost in EI / cost^α (cost cooling, Lee et al. 2020): 1 just after the initial
 * design, falling linearly to 0 as the run budget is spent, so that cheap runs come first and the
 * last ones go wherever improvement is, whatever it costs.
 */
export function costCooling(completed: number, initial: number, budget: number): number {
  if (budget <= initial) return 0;
  return Math.min(1, Math.max(0, (budget - completed) / (budget - initial)));
}

export { nondominated };
