/**
 * Generic laws over any named columns:
 *   power:        y = a · Π x_i^(b_i)      (least squares in log space; exponents named after the columns)
 *   power-offset: y = E + A · x^(−alpha)   (least squares on log y by L-BFGS from a grid of starts)
 */
import { CholeskyDecomposition, inverse, Matrix } from 'ml-matrix';
import { Rng } from '../src/core/rng.js';
import { bootstrap, type BootstrapOptions } from './bootstrap.js';
import { ols } from './linear.js';
import { backtestAtLargest } from './uncertainty.js';
import { levenbergMarquardt, multiStart, type ResidualFn } from './optimize.js';
import { FitError, relErrors, requireFinite, requirePositive, type Backtest, type FitResult } from './types.js';

export interface Row {
  x: Record<string, number>;
  y: number;
}

export interface GenericFitOptions {
  bootstrap?: BootstrapOptions;
  /** the backtest holds back the rows at the largest value of this column (default: the first x) */
  scaleColumn?: string;
  /**
   * how `power` gets its intervals: `bootstrap` (resample rows; default) or `ols` — Student-t intervals
   * of least squares in log space, with samples drawn from that distribution for prediction intervals.
   * With a handful of points (one optimum per scale of a ladder) resampling rows often leaves too few
   * distinct x values, and `ols` is the honest interval.
   */
  intervals?: 'bootstrap' | 'ols';
  /**
   * with `ols`: a weight per row, for rows that are not equally sure (a ladder's optimum found from 48
   * runs against one from 5): weighted least squares, its intervals from the weighted residuals
   */
  weights?: readonly number[];
  /**
   * with `ols`: how many independent groups the rows come from, when fewer than the rows (a harvesting
   * ladder's budgets of one scale share its runs): the residual degrees of freedom are at most groups − 1
   */
  groups?: number;
}

export function predictPower(params: Record<string, number>, x: Record<string, number>, xNames: readonly string[]): number {
  return xNames.reduce((acc, k) => acc * x[k]! ** params[k]!, params.a!);
}

function checkRows(rows: readonly Row[], xNames: readonly string[], minPoints: number, law: string): void {
  if (xNames.length === 0) throw new FitError(`${law}: name at least one x column`);
  if (rows.length < minPoints) throw new FitError(`${law}: ${rows.length} point${rows.length === 1 ? '' : 's'} for ${minPoints} parameters; a fit needs at least as many points as parameters`);
  for (const k of xNames) {
    if (k === 'a') throw new FitError(`${law}: an x column may not be named 'a' (that is the law's coefficient)`);
    requirePositive(k, rows.map((r) => r.x[k]!));
  }
  requirePositive('y', rows.map((r) => r.y));
}

function powerCore(rows: readonly Row[], xNames: readonly string[], weights?: readonly number[]): Record<string, number> {
  const X = rows.map((r) => xNames.map((k) => Math.log(r.x[k]!)));
  const y = rows.map((r) => Math.log(r.y));
  const coef = weights ? weightedLeastSquares(X, y, weights) : ols(X, y, xNames).coef;
  return { a: Math.exp(coef[0]!), ...Object.fromEntries(xNames.map((k, j) => [k, coef[j + 1]!])) };
}

/** Weights scaled to a mean of one, so that the residual variance stays that of an average row. */
function normalised(w: readonly number[]): number[] {
  const mean = w.reduce((s, v) => s + v, 0) / w.length;
  return w.map((v) => v / mean);
}

/** Coefficients (intercept first) of y on [1, X], each row weighted: least squares of the rows scaled by √w. */
function weightedLeastSquares(X: readonly (readonly number[])[], y: readonly number[], weights: readonly number[]): number[] {
  const root = normalised(weights).map(Math.sqrt);
  const D = new Matrix(X.map((r, i) => [1, ...r].map((v) => v * root[i]!)));
  const A = D.transpose().mmul(D);
  const b = D.transpose().mmul(Matrix.columnVector(y.map((v, i) => v * root[i]!)));
  const chol = new CholeskyDecomposition(A);
  if (!chol.isPositiveDefinite()) throw new FitError('power: the inputs are collinear or do not vary; the law cannot be fitted');
  return chol.solve(b).getColumn(0);
}

/** The shared backtest over the rows' column `col`, with a prediction from their x values. */
function largest(rows: readonly Row[], col: string, refit: (rest: Row[]) => (x: Record<string, number>) => number): Backtest | null {
  return backtestAtLargest(rows, { label: col, value: (r) => r.x[col]! }, (rest) => {
    const predict = refit(rest);
    return (r) => predict(r.x);
  }, (r) => r.y);
}

function summarise(rows: readonly Row[], pred: readonly number[]): FitResult['residuals'] {
  const logRes = rows.map((r, i) => Math.log(pred[i]!) - Math.log(r.y));
  const rel = relErrors(pred, rows.map((r) => r.y));
  return { rmse: Math.sqrt(logRes.reduce((s, x) => s + x * x, 0) / rows.length), meanAbsRelError: rel.mean, maxAbsRelError: rel.max };
}

export function fitPower(rows: readonly Row[], xNames: readonly string[], opts: GenericFitOptions = {}): FitResult {
  checkRows(rows, xNames, xNames.length + 1, 'power');
  const weights = opts.intervals === 'ols' && opts.weights ? opts.weights : undefined;
  if (weights && (weights.length !== rows.length || !weights.every((w) => Number.isFinite(w) && w > 0))) throw new FitError('power: one positive weight per row');
  const params = powerCore(rows, xNames, weights);
  const pred = rows.map((r) => predictPower(params, r.x, xNames));
  const boot =
    opts.intervals === 'ols'
      ? olsIntervals(rows.map((r) => xNames.map((k) => Math.log(r.x[k]!))), rows.map((r) => Math.log(r.y)), params, xNames, opts.bootstrap ?? {}, weights, opts.groups)
      : bootstrap(rows.length, (idx) => powerCore(idx.map((i) => rows[i]!), xNames), { count: 1000, ...opts.bootstrap });
  const sse = rows.reduce((s, r, i) => s + (Math.log(pred[i]!) - Math.log(r.y)) ** 2, 0);
  return {
    law: 'power',
    nPoints: rows.length,
    params,
    intervals: boot.intervals,
    samples: boot.samples,
    objective: sse,
    residuals: summarise(rows, pred),
    backtest: largest(rows, opts.scaleColumn ?? xNames[0]!, (rest) => {
      const p = powerCore(rest, xNames, weights ? rest.map((r) => weights[rows.indexOf(r)]!) : undefined);
      return (x) => predictPower(p, x, xNames);
    }),
  };
}

/**
 * Least-squares intervals of a log-space power law: coefficient k ± t(n−p)·se_k, and `count` draws of
 * the coefficients from the multivariate Student-t of the estimate (for prediction intervals). With no
 * residual degree of freedom (as many points as coefficients) there is no interval at all.
 */
function olsIntervals(X: number[][], y: number[], params: Record<string, number>, xNames: readonly string[], o: BootstrapOptions, weights?: readonly number[], groups?: number): { intervals: Record<string, [number, number]>; samples: Record<string, number>[] } {
  const n = y.length;
  const p = xNames.length + 1;
  const dof = Math.min(n - p, groups !== undefined ? groups - 1 : Infinity);
  if (dof < 1) return { intervals: {}, samples: [] };
  const beta = [Math.log(params.a!), ...xNames.map((k) => params[k]!)];
  // weighted: the same algebra on the rows scaled by √w
  const root = weights ? normalised(weights).map(Math.sqrt) : X.map(() => 1);
  const D = new Matrix(X.map((r, i) => [1, ...r].map((v) => v * root[i]!)));
  const res = y.map((yi, i) => yi * root[i]! - D.getRow(i).reduce((s, v, j) => s + v * beta[j]!, 0));
  const s2 = res.reduce((s, r) => s + r * r, 0) / dof;
  const inv = inverse(D.transpose().mmul(D));
  // symmetric by construction; rounding is not
  const cov = inv.add(inv.transpose()).mul(Math.max(s2, 1e-300) / 2);
  const level = o.level ?? 0.95;
  const t = studentTQuantile(1 - (1 - level) / 2, dof);
  const names = ['a', ...xNames];
  const intervals: Record<string, [number, number]> = {};
  names.forEach((k, j) => {
    const h = t * Math.sqrt(cov.get(j, j));
    intervals[k] = k === 'a' ? [Math.exp(beta[j]! - h), Math.exp(beta[j]! + h)] : [beta[j]! - h, beta[j]! + h];
  });
  const chol = new CholeskyDecomposition(cov);
  const L = chol.isPositiveDefinite() ? chol.lowerTriangularMatrix : null;
  const samples: Record<string, number>[] = [];
  if (L) {
    const rng = new Rng(o.seed ?? 0, 0x4f4c53);
    for (let b = 0; b < (o.count ?? 1000); b++) {
      const z = names.map(() => rng.normal());
      let chi = 0;
      for (let i = 0; i < dof; i++) chi += rng.normal() ** 2;
      const scale = Math.sqrt(dof / chi);
      const draw = names.map((_, i) => beta[i]! + scale * z.reduce((s, zj, j) => s + L.get(i, j) * zj, 0));
      samples.push(Object.fromEntries(names.map((k, i) => [k, k === 'a' ? Math.exp(draw[i]!) : draw[i]!])));
    }
  }
  return { intervals, samples };
}

/** Quantile of Student's t with `dof` degrees of freedom (bisection on its CDF, via the incomplete beta). */
export function studentTQuantile(p: number, dof: number): number {
  const cdf = (x: number): number => {
    const ib = incompleteBeta(dof / (dof + x * x), dof / 2, 0.5);
    return x >= 0 ? 1 - ib / 2 : ib / 2;
  };
  let lo = -1e3;
  let hi = 1e3;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (cdf(mid) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Regularised incomplete beta I_x(a, b), by its continued fraction (Numerical Recipes' Lentz form). */
function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const lbeta = lgamma(a + b) - lgamma(a) - lgamma(b);
  const front = Math.exp(Math.log(x) * a + Math.log(1 - x) * b + lbeta);
  if (x > (a + 1) / (a + b + 2)) return 1 - incompleteBeta(1 - x, b, a);
  let f = 1;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  d = Math.abs(d) < 1e-300 ? 1e-300 : d;
  d = 1 / d;
  f = d;
  for (let m = 1; m <= 300; m++) {
    for (const even of [true, false]) {
      const num = even ? (m * (b - m) * x) / ((a + 2 * m - 1) * (a + 2 * m)) : -((a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1));
      d = 1 + num * d;
      d = Math.abs(d) < 1e-300 ? 1e-300 : d;
      c = 1 + num / c;
      c = Math.abs(c) < 1e-300 ? 1e-300 : c;
      d = 1 / d;
      f *= d * c;
    }
    if (Math.abs(d * c - 1) < 1e-14) break;
  }
  return (front * f) / a;
}

function lgamma(z: number): number {
  // Lanczos approximation (g = 7, n = 9)
  const g = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (z < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * z))) - lgamma(1 - z);
  const zz = z - 1;
  let x = g[0]!;
  for (let i = 1; i < 9; i++) x += g[i]! / (zz + i);
  const t = zz + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (zz + 0.5) * Math.log(t) - t + Math.log(x);
}

export function predictPowerOffset(p: Record<string, number>, x: number): number {
  return p.E! + p.A! * x ** -p.alpha!;
}

function powerOffsetCore(rows: readonly Row[], col: string): { params: Record<string, number>; objective: number } {
  const lx = rows.map((r) => Math.log(r.x[col]!));
  const ly = rows.map((r) => Math.log(r.y));
  const ymin = Math.min(...rows.map((r) => r.y));
  // parameters: [log E, log A, alpha]; E > 0 below the smallest y keeps the log defined
  const f: ResidualFn = (v) => {
    const [le, la, alpha] = v as [number, number, number];
    const E = Math.exp(le);
    const r: number[] = [];
    const J: number[][] = [];
    for (let i = 0; i < lx.length; i++) {
      const t = Math.exp(la - alpha * lx[i]!);
      const m = E + t;
      r.push(Math.log(m) - ly[i]!);
      J.push([E / m, t / m, (-t * lx[i]!) / m]);
    }
    return { r, J };
  };
  const starts: number[][] = [];
  for (const eFrac of [0.1, 0.5, 0.9]) for (const alpha of [0.1, 0.3, 0.6, 1]) {
    const E0 = ymin * eFrac;
    const A0 = Math.max(1e-12, (rows[0]!.y - E0) * rows[0]!.x[col]! ** alpha);
    starts.push([Math.log(E0), Math.log(A0), alpha]);
  }
  const best = multiStart((s) => levenbergMarquardt(f, s, { upper: [Math.log(ymin), null, null] }), starts);
  if (!best) throw new FitError('power-offset: no start gave a finite objective');
  const [le, la, alpha] = best.x as [number, number, number];
  return { params: { E: Math.exp(le), A: Math.exp(la), alpha }, objective: best.value };
}

export function fitPowerOffset(rows: readonly Row[], xName: string, opts: GenericFitOptions = {}): FitResult {
  checkRows(rows, [xName], 3, 'power-offset');
  requireFinite('y', rows.map((r) => r.y));
  if (new Set(rows.map((r) => r.x[xName])).size < 3) throw new FitError(`power-offset: needs at least 3 distinct values of ${xName} to fit E, A and alpha`);
  const core = powerOffsetCore(rows, xName);
  const pred = rows.map((r) => predictPowerOffset(core.params, r.x[xName]!));
  const boot = bootstrap(rows.length, (idx) => powerOffsetCore(idx.map((i) => rows[i]!), xName).params, { count: 200, ...opts.bootstrap });
  return {
    law: 'power-offset',
    nPoints: rows.length,
    params: core.params,
    intervals: boot.intervals,
    samples: boot.samples,
    objective: core.objective,
    residuals: summarise(rows, pred),
    backtest: largest(rows, xName, (rest) => {
      if (new Set(rest.map((r) => r.x[xName])).size < 3) throw new FitError('too few');
      const p = powerOffsetCore(rest, xName).params;
      return (x) => predictPowerOffset(p, x[xName]!);
    }),
  };
}
