/**
 * Intervals and a backtest for any multi-start fit, written once: bootstrap refits start from the
 * full fit's optimum and displaced copies of it (cheap, and free to move along flat directions), and
 * the backtest refits from the full grid without the largest scale.
 */
import { bootstrap, type BootstrapOptions } from './bootstrap.js';
import { relErrors, type Backtest, type FitResult } from './types.js';

export interface CoreFit {
  /** the optimizer's coordinates (log scales and the like) */
  x: number[];
  params: Record<string, number>;
  objective: number;
}

export interface UncertaintySpec<T> {
  law: string;
  points: readonly T[];
  /** fit from the given starts, or from the law's own grid when null */
  core: (points: readonly T[], starts: number[][] | null) => CoreFit;
  /** per-coordinate displacement of the bootstrap's extra starts */
  jitter: readonly number[];
  predict: (params: Record<string, number>, point: T) => number;
  actual: (point: T) => number;
  /** the backtest holds back the points at the largest value of this */
  scale?: { label: string; value: (point: T) => number; show?: (top: number) => string };
  bootstrap?: BootstrapOptions;
  defaultCount?: number;
}

export function displaced(x: readonly number[], jitter: readonly number[]): number[][] {
  const out = [[...x]];
  jitter.forEach((d, i) => {
    if (d === 0) return;
    for (const s of [1, -1]) out.push(x.map((v, j) => (j === i ? v + s * d : v)));
  });
  return out;
}

export function fitWithUncertainty<T>(spec: UncertaintySpec<T>): FitResult {
  const { points } = spec;
  const main = spec.core(points, null);
  const pred = points.map((p) => spec.predict(main.params, p));
  const act = points.map(spec.actual);
  const positive = [...pred, ...act].every((v) => v > 0);
  const res = pred.map((p, i) => (positive ? Math.log(p) - Math.log(act[i]!) : p - act[i]!));
  const rel = relErrors(pred, act);

  const count = spec.bootstrap?.count ?? spec.defaultCount ?? 200;
  const starts = displaced(main.x, spec.jitter);
  const boot = count > 0 ? bootstrap(points.length, (idx) => spec.core(idx.map((i) => points[i]!), starts).params, { ...spec.bootstrap, count }) : null;

  let backtest: Backtest | null = null;
  if (spec.scale) {
    const top = Math.max(...points.map(spec.scale.value));
    const held = points.filter((p) => spec.scale!.value(p) === top);
    const rest = points.filter((p) => spec.scale!.value(p) !== top);
    try {
      const bt = spec.core(rest, null);
      const e = relErrors(held.map((p) => spec.predict(bt.params, p)), held.map(spec.actual));
      backtest = { heldOut: spec.scale.show ? spec.scale.show(top) : `${spec.scale.label} = ${top.toPrecision(3)}`, nFit: rest.length, nHeldOut: held.length, meanAbsRelError: e.mean, maxAbsRelError: e.max };
    } catch {
      backtest = null; // too few points left once the largest scale is held back
    }
  }
  return {
    law: spec.law,
    nPoints: points.length,
    params: main.params,
    intervals: boot?.intervals ?? {},
    objective: main.objective,
    residuals: { rmse: Math.sqrt(res.reduce((s, r) => s + r * r, 0) / res.length), meanAbsRelError: rel.mean, maxAbsRelError: rel.max },
    backtest,
    ...(boot ? { samples: boot.samples } : {}),
  };
}
