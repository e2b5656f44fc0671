/**
 * Pareto fronts and hypervolumes of multi-objective studies. Everything here is in minimisation form:
 * a maximised objective enters negated (`signedVector`), so one dominance rule and one hypervolume
 * serve every mix of goals.
 */
import type { MetricConfig, Trial } from './trial.js';

/** What a study with a list `metric:` optimises: two or more objectives, each with its goal. */
export type Objectives = readonly MetricConfig[];

/** a ≤ b in every coordinate and < in one. */
export function dominates(a: readonly number[], b: readonly number[]): boolean {
  let strictly = false;
  for (let i = 0; i < a.length; i++) {
    if (a[i]! > b[i]!) return false;
    if (a[i]! < b[i]!) strictly = true;
  }
  return strictly;
}

/** Indices of the points no other point dominates (duplicates all stay), in input order. */
export function nondominated(points: readonly (readonly number[])[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < points.length; i++) {
    let dominated = false;
    for (let j = 0; j < points.length && !dominated; j++) if (j !== i && dominates(points[j]!, points[i]!)) dominated = true;
    if (!dominated) out.push(i);
  }
  return out;
}

/**
 * The volume dominated by `points` and bounded by `ref` (every point's coordinates below ref's count;
 * the rest are clipped away). Exact, by slicing along the last objective (HSO): fast for the two to
 * four objectives and few dozen front points studies have.
 */
export function hypervolume(points: readonly (readonly number[])[], ref: readonly number[]): number {
  const inside = points.filter((p) => p.every((v, i) => v < ref[i]!));
  if (inside.length === 0) return 0;
  const front = nondominated(inside).map((i) => inside[i]!);
  return hso(front, ref);
}

function hso(front: readonly (readonly number[])[], ref: readonly number[]): number {
  const d = ref.length;
  if (d === 1) return ref[0]! - Math.min(...front.map((p) => p[0]!));
  if (d === 2) {
    const s = [...front].sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
    let area = 0;
    let y = ref[1]!;
    for (const p of s) {
      if (p[1]! >= y) continue;
      area += (ref[0]! - p[0]!) * (y - p[1]!);
      y = p[1]!;
    }
    return area;
  }
  // slices between consecutive values of the last objective, each the (d-1)-volume of the points below it
  const s = [...front].sort((a, b) => a[d - 1]! - b[d - 1]!);
  const subRef = ref.slice(0, d - 1);
  let vol = 0;
  for (let i = 0; i < s.length; i++) {
    const top = i + 1 < s.length ? s[i + 1]![d - 1]! : ref[d - 1]!;
    const depth = top - s[i]![d - 1]!;
    if (depth <= 0) continue;
    const slice = s.slice(0, i + 1).map((p) => p.slice(0, d - 1));
    vol += depth * hso(nondominated(slice).map((j) => slice[j]!), subRef);
  }
  return vol;
}

/** A trial's objective values in minimisation form, or null when one of them is missing or not finite. */
export function signedVector(values: Readonly<Record<string, number | null>> | null | undefined, objectives: Objectives): number[] | null {
  if (!values) return null;
  const out: number[] = [];
  for (const o of objectives) {
    const v = values[o.name];
    if (v === null || v === undefined || !Number.isFinite(v)) return null;
    out.push(o.goal === 'maximize' ? -v : v);
  }
  return out;
}

/**
 * The reference point of a study's hypervolume: the worst value of each objective among `points`,
 * pushed out by a tenth of its range (as BoTorch and Optuna do when none is given), so that the
 * extreme points of the front count too. Two studies compared by `check` share one.
 */
export function referencePoint(points: readonly (readonly number[])[]): number[] {
  const d = points[0]?.length ?? 0;
  return Array.from({ length: d }, (_, i) => {
    const col = points.map((p) => p[i]!);
    const lo = Math.min(...col);
    const hi = Math.max(...col);
    return hi + 0.1 * (hi - lo || Math.abs(hi) || 1);
  });
}

/**
 * The trials on the Pareto front: COMPLETE, feasible, every objective reported, and no other such
 * trial at least as good in every objective and better in one; in the order given. `include` leaves
 * out trials that are no configuration of the search (a ladder's verify runs).
 */
export function paretoTrials<T extends Pick<Trial, 'state'> & Partial<Pick<Trial, 'values' | 'infeasible'>>>(trials: readonly T[], objectives: Objectives, include: (t: T) => boolean = () => true): T[] {
  const c = trials.flatMap((t) => {
    if (t.state !== 'COMPLETE' || t.infeasible || !include(t)) return [];
    const v = signedVector(t.values, objectives);
    return v ? [{ t, v }] : [];
  });
  return nondominated(c.map((x) => x.v)).map((i) => c[i]!.t);
}
