/**
 * Early-stopping rules as pure decisions about a running trial, from curves only:
 *
 * - hyperband (W&B's semantics): bands are counted in *reports of the metric* (0-based: band b is the
 *   metric's (b+1)-th reported value), from `min_iter·eta^k`, or `max_iter/eta^i` for i = 1..s. At a band
 *   the threshold is the value at index ⌊n/eta⌋ of the n values there, best first; a run whose value is
 *   worse than the threshold stops.
 * - asha: rungs at `grace·eta^k` below `max_t`, counted in the trainer's reported *steps*; a trial's value
 *   at a rung is its first report at or after it. At a rung a trial continues only if it ranks within the
 *   top ⌊m/eta⌋ (at least 1) of the m trials that reached it, itself included (ties in its favour).
 * - median (Vizier / Optuna's MedianPruner): from `warmup_steps` on, a trial whose best value so far is
 *   worse than the median of the completed trials' values at the same step (their last report at or
 *   before it) stops.
 *
 * Decisions are taken when a trial reaches a band or rung (hyperband, asha) or reports (median), never
 * from fewer trials than the rule needs (eta at a band or rung; `startup_trials` completed ones for
 * median), and are the same for the same curves. Values are oriented so that lower is better.
 */
export type StoppingRule =
  | { type: 'hyperband'; bands: number[]; eta: number }
  | { type: 'asha'; rungs: number[]; eta: number }
  | { type: 'median'; warmupSteps: number; startupTrials: number };

export interface CurvePoint {
  step: number;
  value: number;
}

export interface Curve {
  trialId: number;
  number: number;
  complete: boolean;
  /** in report order; values oriented so that lower is better */
  points: CurvePoint[];
}

export interface StopDecision {
  stop: boolean;
  /** band index (hyperband), rung step (asha) or step (median) */
  rung: number;
  /** the trial's value there (its best so far, for median) */
  value: number;
  /** the threshold it was compared with */
  cutoff: number;
  /** how many trials the comparison used, itself included */
  compared: number;
}

/** Bands of W&B's hyperband, in 0-based report indices. */
export function hyperbandBands(o: { minIter?: number; maxIter?: number; s?: number; eta: number }): number[] {
  const bands: number[] = [];
  if (o.minIter !== undefined) {
    for (let b = o.minIter; bands.length < 100 && b < 1e12; b *= o.eta) bands.push(Math.floor(b));
  } else if (o.maxIter !== undefined) {
    let b = o.maxIter;
    for (let i = 0; i < (o.s ?? 1); i++) {
      b /= o.eta;
      if (b < 1) break;
      bands.push(Math.floor(b));
    }
    bands.sort((a, c) => a - c);
  }
  return [...new Set(bands)];
}

/** ASHA's rungs, in steps: grace·eta^k below max_t. */
export function ashaRungs(grace: number, eta: number, maxT: number): number[] {
  const rungs: number[] = [];
  for (let r = grace; r < maxT; r *= eta) rungs.push(Math.round(r));
  return [...new Set(rungs)];
}

/** The first report at or after `step`. */
function atOrAfter(points: readonly CurvePoint[], step: number): CurvePoint | undefined {
  return points.find((p) => p.step >= step);
}

/** The last report at or before `step`. */
function atOrBefore(points: readonly CurvePoint[], step: number): CurvePoint | undefined {
  let found: CurvePoint | undefined;
  for (const p of points) {
    if (p.step > step) break;
    found = p;
  }
  return found;
}

/**
 * Decide about `me` after its latest report (the last point of its curve), or null when this report is
 * no decision point or too few trials can be compared.
 */
export function decideStop(rule: StoppingRule, me: Curve, others: readonly Curve[]): StopDecision | null {
  const last = me.points.at(-1);
  if (!last) return null;
  switch (rule.type) {
    case 'hyperband': {
      const index = me.points.length - 1;
      if (!rule.bands.includes(index)) return null;
      const values = [last.value, ...others.filter((c) => c.points.length > index).map((c) => c.points[index]!.value)].filter(Number.isFinite).sort((a, b) => a - b);
      if (values.length < rule.eta) return null;
      const cutoff = values[Math.floor(values.length / rule.eta)]!;
      return { stop: !(last.value <= cutoff), rung: index, value: last.value, cutoff, compared: values.length };
    }
    case 'asha': {
      const prev = me.points.at(-2);
      // the rung this report reaches for the first time (the highest, if it jumps several)
      const crossed = rule.rungs.filter((r) => last.step >= r && (!prev || prev.step < r));
      if (crossed.length === 0) return null;
      const rung = crossed.at(-1)!;
      const theirs = others.map((c) => atOrAfter(c.points, rung)?.value).filter((v): v is number => v !== undefined && Number.isFinite(v));
      const m = theirs.length + 1;
      if (m < rule.eta) return null;
      const keep = Math.max(1, Math.floor(m / rule.eta));
      const sorted = [...theirs].sort((a, b) => a - b);
      const better = sorted.filter((v) => v < last.value).length;
      // the value a trial must match to be kept: the keep-th best of the others and itself
      const cutoff = [...sorted, last.value].sort((a, b) => a - b)[keep - 1]!;
      return { stop: !Number.isFinite(last.value) || better >= keep, rung, value: last.value, cutoff, compared: m };
    }
    case 'median': {
      if (last.step < rule.warmupSteps) return null;
      const values = others
        .filter((c) => c.complete && c.points.length > 0 && c.points.at(-1)!.step >= last.step)
        .map((c) => atOrBefore(c.points, last.step)?.value)
        .filter((v): v is number => v !== undefined && Number.isFinite(v))
        .sort((a, b) => a - b);
      if (values.length < rule.startupTrials) return null;
      const n = values.length;
      const median = n % 2 ? values[(n - 1) / 2]! : (values[n / 2 - 1]! + values[n / 2]!) / 2;
      const best = Math.min(...me.points.map((p) => p.value).filter(Number.isFinite));
      return { stop: !(best <= median), rung: last.step, value: best, cutoff: median, compared: n + 1 };
    }
  }
}

/** Is the latest report of `me` one where the rule decides (before looking at other trials)? */
export function isDecisionPoint(rule: StoppingRule, me: Curve): boolean {
  const last = me.points.at(-1);
  if (!last) return false;
  if (rule.type === 'hyperband') return rule.bands.includes(me.points.length - 1);
  if (rule.type === 'median') return last.step >= rule.warmupSteps;
  const prev = me.points.at(-2);
  return rule.rungs.some((r) => last.step >= r && (!prev || prev.step < r));
}

/** The reason recorded with a stopped trial. */
export function describeStop(rule: StoppingRule, d: StopDecision, metric: string, raw: (v: number) => number): string {
  const v = raw(d.value).toPrecision(5);
  const c = raw(d.cutoff).toPrecision(5);
  switch (rule.type) {
    case 'hyperband':
      return `stopped by hyperband at band ${d.rung} (report ${d.rung + 1} of ${metric}): ${v} worse than the threshold ${c} of ${d.compared} runs there (eta ${rule.eta})`;
    case 'asha':
      return `stopped by asha at rung ${d.rung} (step): ${metric} ${v} not in the top 1/${rule.eta} of ${d.compared} trials there (cutoff ${c})`;
    case 'median':
      return `stopped by median at step ${d.rung}: best ${metric} so far ${v} worse than the median ${c} of ${d.compared - 1} completed trials at that step`;
  }
}
