/**
 * The optimum of one sweep at one (N, D): the plain argmin, Step Law's near-optimal band, and a
 * quadratic in log(lr) (or in log lr and log batch) around the minimum that interpolates the optimum
 * and measures the basin's curvature. Refuses an optimum that the sweep did not bracket.
 */
import { Matrix, solve } from 'ml-matrix';
import { FitError, requireFinite, requirePositive } from './types.js';

export interface SweepPoint {
  lr: number;
  /** batch size (tokens or sequences; the unit is the caller's) */
  batch?: number;
  loss: number;
}

export function argmin<T extends { loss: number }>(points: readonly T[]): T {
  if (points.length === 0) throw new FitError('an empty sweep has no optimum');
  requireFinite('loss', points.map((p) => p.loss));
  return points.reduce((b, p) => (p.loss < b.loss ? p : b));
}

/** Every run within `tolerance` (relative, default 0.25%) of the best loss: Step Law's band. */
export function nearOptimalBand<T extends { loss: number }>(points: readonly T[], tolerance = 0.0025): T[] {
  const best = argmin(points).loss;
  return points.filter((p) => p.loss <= best * (1 + tolerance));
}

export interface QuadraticOptimum {
  lr: number;
  batch?: number;
  /** the loss the quadratic predicts at its vertex */
  loss: number;
  /** second derivative of loss in log(lr) at the vertex (and in log batch, and their cross term) */
  curvature: { lr: number; batch?: number; cross?: number };
  /** points the quadratic was fitted to */
  used: number;
}

function bracketed(values: readonly number[], best: number, name: string): void {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  if (best === lo || best === hi) {
    throw new FitError(
      `the optimum was not bracketed: the lowest loss is at the ${best === lo ? 'smallest' : 'largest'} ${name} swept (${best}); widen the sweep ${best === lo ? 'downwards' : 'upwards'} before fitting`,
    );
  }
}

/**
 * A quadratic's vertex outside the points it was fitted to is an extrapolation, not an optimum: a steep
 * wall on one side of the best run pulls it decades away (a sweep over 1e-3…1e-1 gave 8e-14).
 */
function insideSweep(x: number, values: readonly number[], name: string): void {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  if (!Number.isFinite(x) || x < lo || x > hi) throw new FitError(`the interpolated optimum (${x.toPrecision(3)}) lies outside the ${name} it was fitted to (${lo} to ${hi}): not bracketed`);
}

/**
 * Quadratic in u = log(lr) through the minimum and its neighbours (`window` distinct lr values on each
 * side, default 2); with `batch` given on every point, a quadratic surface in (log lr, log batch).
 */
export function quadraticOptimum(points: readonly SweepPoint[], opts: { window?: number } = {}): QuadraticOptimum {
  requirePositive('lr', points.map((p) => p.lr));
  const best = argmin(points);
  const twoD = points.every((p) => p.batch !== undefined);
  bracketed(points.map((p) => p.lr), best.lr, 'learning rate');
  if (twoD) {
    requirePositive('batch', points.map((p) => p.batch!));
    bracketed(points.map((p) => p.batch!), best.batch!, 'batch size');
  }
  const w = opts.window ?? 2;
  const near = (values: number[], v: number): Set<number> => {
    const sorted = [...new Set(values)].sort((a, b) => a - b);
    const i = sorted.indexOf(v);
    return new Set(sorted.slice(Math.max(0, i - w), i + w + 1));
  };
  const lrs = near(points.map((p) => p.lr), best.lr);
  const bss = twoD ? near(points.map((p) => p.batch!), best.batch!) : null;
  const used = points.filter((p) => lrs.has(p.lr) && (!bss || bss.has(p.batch!)));
  const u0 = Math.log(best.lr);
  const v0 = twoD ? Math.log(best.batch!) : 0;
  const feats = (p: SweepPoint): number[] => {
    const u = Math.log(p.lr) - u0;
    if (!twoD) return [1, u, u * u];
    const v = Math.log(p.batch!) - v0;
    return [1, u, v, u * u, v * v, u * v];
  };
  const k = twoD ? 6 : 3;
  if (used.length < k) throw new FitError(`${used.length} points near the minimum for a ${twoD ? '2-D' : '1-D'} quadratic of ${k} coefficients; sweep more values around the optimum`);
  const X = new Matrix(used.map(feats));
  const y = Matrix.columnVector(used.map((p) => p.loss));
  const c = solve(X, y, true).getColumn(0);
  if (!twoD) {
    const [c0, c1, c2] = c as [number, number, number];
    if (!(c2 > 0)) throw new FitError('the losses around the minimum do not curve upwards in log(lr); the sweep is too noisy or too coarse for a quadratic optimum');
    const u = -c1 / (2 * c2);
    insideSweep(Math.exp(u0 + u), used.map((p) => p.lr), 'learning rates');
    return { lr: Math.exp(u0 + u), loss: c0 + c1 * u + c2 * u * u, curvature: { lr: 2 * c2 }, used: used.length };
  }
  const [c0, cu, cv, cuu, cvv, cuv] = c as [number, number, number, number, number, number];
  // vertex of the quadric: [2cuu cuv; cuv 2cvv] [u v]' = -[cu cv]'
  const det = 4 * cuu * cvv - cuv * cuv;
  if (!(cuu > 0 && det > 0)) throw new FitError('the loss surface around the minimum is not a bowl in (log lr, log batch); the sweep is too noisy or too coarse for a quadratic optimum');
  const u = (-cu * 2 * cvv + cv * cuv) / det;
  const v = (-cv * 2 * cuu + cu * cuv) / det;
  insideSweep(Math.exp(u0 + u), used.map((p) => p.lr), 'learning rates');
  insideSweep(Math.exp(v0 + v), used.map((p) => p.batch!), 'batch sizes');
  return {
    lr: Math.exp(u0 + u),
    batch: Math.exp(v0 + v),
    loss: c0 + cu * u + cv * v + cuu * u * u + cvv * v * v + cuv * u * v,
    curvature: { lr: 2 * cuu, batch: 2 * cvv, cross: cuv },
    used: used.length,
  };
}

/**
 * The optimum of scattered runs (random or Bayesian search, not a grid): a least-squares cubic in
 * u = log(lr) (and v = log batch) through the given runs — the cubic terms let the basin be skewed, as
 * measured basins are (steeper towards divergence) — whose minimum is found by Newton's method from
 * the best run. Refuses a surface without a minimum near the runs, or a minimum outside their range.
 */
export function cubicOptimum(points: readonly SweepPoint[]): QuadraticOptimum {
  requirePositive('lr', points.map((p) => p.lr));
  const twoD = points.every((p) => p.batch !== undefined);
  if (twoD) requirePositive('batch', points.map((p) => p.batch!));
  const k = twoD ? 8 : 4;
  if (points.length < k + 2) throw new FitError(`${points.length} runs for a ${twoD ? '2-D' : '1-D'} cubic of ${k} coefficients; at least ${k + 2} are needed`);
  const best = argmin(points);
  const u0 = Math.log(best.lr);
  const v0 = twoD ? Math.log(best.batch!) : 0;
  const feats = (p: SweepPoint): number[] => {
    const u = Math.log(p.lr) - u0;
    if (!twoD) return [1, u, u * u, u * u * u];
    const v = Math.log(p.batch!) - v0;
    return [1, u, v, u * u, v * v, u * v, u * u * u, v * v * v];
  };
  const c = solve(new Matrix(points.map(feats)), Matrix.columnVector(points.map((p) => p.loss)), true).getColumn(0);
  const at = (u: number, v: number): number => feats({ lr: Math.exp(u0 + u), ...(twoD ? { batch: Math.exp(v0 + v) } : {}), loss: 0 }).reduce((s, f, i) => s + f * c[i]!, 0);
  let u = 0;
  let v = 0;
  let hu = 0;
  let hv = 0;
  let huv = 0;
  for (let it = 0; it < 100; it++) {
    let gu: number;
    let gv = 0;
    if (!twoD) {
      gu = c[1]! + 2 * c[2]! * u + 3 * c[3]! * u * u;
      hu = 2 * c[2]! + 6 * c[3]! * u;
      if (!(hu > 0)) throw new FitError('the runs’ losses do not curve upwards around the best one; the search is too noisy or too coarse for an interpolated optimum');
      const du = gu / hu;
      u -= du;
      if (Math.abs(du) < 1e-10) break;
    } else {
      gu = c[1]! + 2 * c[3]! * u + c[5]! * v + 3 * c[6]! * u * u;
      gv = c[2]! + 2 * c[4]! * v + c[5]! * u + 3 * c[7]! * v * v;
      hu = 2 * c[3]! + 6 * c[6]! * u;
      hv = 2 * c[4]! + 6 * c[7]! * v;
      huv = c[5]!;
      const det = hu * hv - huv * huv;
      if (!(hu > 0 && det > 0)) throw new FitError('the runs’ loss surface is not a bowl around the best one in (log lr, log batch); the search is too noisy or too coarse for an interpolated optimum');
      const du = (hv * gu - huv * gv) / det;
      const dv = (hu * gv - huv * gu) / det;
      u -= du;
      v -= dv;
      if (Math.abs(du) + Math.abs(dv) < 1e-10) break;
    }
  }
  const lr = Math.exp(u0 + u);
  const inRange = (x: number, xs: number[]): boolean => x >= Math.min(...xs) && x <= Math.max(...xs);
  if (!Number.isFinite(u) || !inRange(lr, points.map((p) => p.lr))) throw new FitError('the interpolated optimum lies outside the learning rates tried: not bracketed');
  const batch = twoD ? Math.exp(v0 + v) : undefined;
  if (twoD && (!Number.isFinite(v) || !inRange(batch!, points.map((p) => p.batch!)))) throw new FitError('the interpolated optimum lies outside the batch sizes tried: not bracketed');
  return {
    lr,
    ...(twoD ? { batch: batch! } : {}),
    loss: at(u, v),
    curvature: twoD ? { lr: hu, batch: hv, cross: huv } : { lr: hu },
    used: points.length,
  };
}
