/**
 * Generic laws over any named columns:
 *   power:        y = a · Π x_i^(b_i)      (least squares in log space; exponents named after the columns)
 *   power-offset: y = E + A · x^(−alpha)   (least squares on log y by L-BFGS from a grid of starts)
 */
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

function powerCore(rows: readonly Row[], xNames: readonly string[]): Record<string, number> {
  const fit = ols(rows.map((r) => xNames.map((k) => Math.log(r.x[k]!))), rows.map((r) => Math.log(r.y)), xNames);
  return { a: Math.exp(fit.coef[0]!), ...Object.fromEntries(xNames.map((k, j) => [k, fit.coef[j + 1]!])) };
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
  const params = powerCore(rows, xNames);
  const pred = rows.map((r) => predictPower(params, r.x, xNames));
  const boot = bootstrap(rows.length, (idx) => powerCore(idx.map((i) => rows[i]!), xNames), { count: 1000, ...opts.bootstrap });
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
      const p = powerCore(rest, xNames);
      return (x) => predictPower(p, x, xNames);
    }),
  };
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
