/** What every fit returns: parameters named as in the law's formula, intervals, residuals, backtest. */
import { ScaletuneError } from '../src/core/errors.js';

export interface Residuals {
  /** root mean square of the fit's residuals in the space it was fitted in (log space for power laws) */
  rmse: number;
  /** mean |relative error| of the predicted quantity, in its own units */
  meanAbsRelError: number;
  maxAbsRelError: number;
}

export interface Backtest {
  /** what was held back, e.g. "N = 1.07e9" or "C > 1e21" */
  heldOut: string;
  nFit: number;
  nHeldOut: number;
  meanAbsRelError: number;
  maxAbsRelError: number;
  /** law-specific figures (e.g. Step Law's loss gap at the prediction) */
  extra?: Record<string, number>;
}

export interface FitResult {
  law: string;
  nPoints: number;
  params: Record<string, number>;
  /** percentile bootstrap intervals, [lo, hi] per parameter */
  intervals: Record<string, [number, number]>;
  /** the minimised objective (sum of squares, or of Huber losses) */
  objective: number;
  residuals: Residuals;
  backtest: Backtest | null;
  /** bootstrap refits' parameters (for prediction intervals); absent when no bootstrap ran */
  samples?: Record<string, number>[];
}

/** Input a fit cannot use: too few points, non-positive values for a log, NaN. Never a NaN result. */
export class FitError extends ScaletuneError {
  constructor(message: string) {
    super(message, 2);
  }
}

export function relErrors(pred: readonly number[], actual: readonly number[]): { mean: number; max: number } {
  const e = pred.map((p, i) => Math.abs(p / actual[i]! - 1));
  return { mean: e.reduce((s, x) => s + x, 0) / e.length, max: Math.max(...e) };
}

/** Refuse values that cannot enter a log-space fit. */
export function requirePositive(name: string, xs: readonly number[]): void {
  const bad = xs.findIndex((x) => !(x > 0) || !Number.isFinite(x));
  if (bad >= 0) throw new FitError(`${name}: point ${bad} is ${xs[bad]}; a power-law fit needs finite positive values`);
}

export function requireFinite(name: string, xs: readonly number[]): void {
  const bad = xs.findIndex((x) => !Number.isFinite(x));
  if (bad >= 0) throw new FitError(`${name}: point ${bad} is ${xs[bad]}; allowed: finite numbers`);
}
