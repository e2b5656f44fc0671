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

/**
 * The backtest every law shares: hold back the points at the largest value of the scale, refit on the
 * rest, and measure the relative error where nothing was seen. null when too little is left to fit.
 */
export function backtestAtLargest<T>(
  points: readonly T[],
  scale: { label: string; value: (point: T) => number; show?: (top: number) => string },
  refit: (rest: T[]) => (point: T) => number,
  actual: (point: T) => number,
): Backtest | null {
  const top = Math.max(...points.map(scale.value));
  const held = points.filter((p) => scale.value(p) === top);
  const rest = points.filter((p) => scale.value(p) !== top);
  let predict: (point: T) => number;
  try {
    predict = refit(rest);
  } catch {
    return null; // too few points left once the largest scale is held back
  }
  const e = relErrors(held.map(predict), held.map(actual));
  return { heldOut: scale.show ? scale.show(top) : `${scale.label} = ${top.toPrecision(3)}`, nFit: rest.length, nHeldOut: held.length, meanAbsRelError: e.mean, maxAbsRelError: e.max };
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

  const backtest = spec.scale
    ? backtestAtLargest(points, spec.scale, (rest) => {
        const bt = spec.core(rest, null);
        return (p) => spec.predict(bt.params, p);
      }, spec.actual)
    : null;
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
