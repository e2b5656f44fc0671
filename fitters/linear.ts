/** Ordinary least squares (ml-matrix), the workhorse of every power law fitted in log space. */
import { CholeskyDecomposition, Matrix } from 'ml-matrix';
import { FitError } from './types.js';

export interface OlsResult {
  /** intercept first, then one coefficient per column of X */
  coef: number[];
  residuals: number[];
  sse: number;
}

/** Least squares of y on [1, X] (X as rows). See `olsColumns`. */
export function ols(X: readonly (readonly number[])[], y: readonly number[], names: readonly string[] = []): OlsResult {
  const k = X[0]?.length ?? 0;
  const cols = Array.from({ length: k }, (_, j) => Float64Array.from(X, (r) => r[j]!));
  const coef = olsColumns(cols, Float64Array.from(y), null, names);
  const residuals = y.map((yi, i) => yi - coef.reduce((s, c, j) => s + c * (j === 0 ? 1 : X[i]![j - 1]!), 0));
  return { coef, residuals, sse: residuals.reduce((s, r) => s + r * r, 0) };
}

/**
 * Coefficients (intercept first) of y on [1, columns], over the rows `idx` (all rows when null), through
 * the normal equations of the centred columns: a k×k Cholesky solve with ml-matrix. The fits here have
 * one to three columns and the bootstrap refits them a thousand times on resampled indices, so nothing
 * per row is allocated. Refuses fewer rows than coefficients, a column with one distinct value, or
 * collinear columns.
 */
export function olsColumns(cols: readonly Float64Array[], y: Float64Array, idx: readonly number[] | null, names: readonly string[] = []): number[] {
  const n = idx ? idx.length : y.length;
  const k = cols.length;
  if (n < k + 1) throw new FitError(`${n} point${n === 1 ? '' : 's'} for ${k + 1} coefficients: a fit needs at least as many points as it has parameters`);
  const mean = new Array<number>(k).fill(0);
  let ybar = 0;
  for (let i = 0; i < n; i++) {
    const r = idx === null ? i : idx[i]!;
    ybar += y[r]!;
    for (let j = 0; j < k; j++) mean[j]! += cols[j]![r]!;
  }
  ybar /= n;
  for (let j = 0; j < k; j++) mean[j]! /= n;
  const G = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const v = new Array<number>(k).fill(0);
  for (let i = 0; i < n; i++) {
    const r = idx === null ? i : idx[i]!;
    const dy = y[r]! - ybar;
    for (let a = 0; a < k; a++) {
      const da = cols[a]![r]! - mean[a]!;
      v[a]! += da * dy;
      for (let b = 0; b <= a; b++) G[a]![b]! += da * (cols[b]![r]! - mean[b]!);
    }
  }
  for (let a = 0; a < k; a++) {
    if (!(G[a]![a]! > 1e-24 * Math.max(1, mean[a]! * mean[a]!) * n)) {
      throw new FitError(`every point has the same ${names[a] ?? `x${a}`} (${cols[a]![idx === null ? 0 : idx[0]!]}); its exponent cannot be fitted from one distinct value`);
    }
    for (let b = 0; b < a; b++) G[b]![a] = G[a]![b]!;
  }
  let beta: number[] = [];
  if (k > 0) {
    const chol = new CholeskyDecomposition(new Matrix(G));
    // relative to the diagonal, a tiny pivot means the columns are (nearly) collinear
    const diag = chol.lowerTriangularMatrix.diag();
    if (!chol.isPositiveDefinite() || diag.some((d, j) => !(d * d > 1e-12 * G[j]![j]!))) {
      throw new FitError(`the columns ${names.join(', ')} are collinear; their exponents cannot be told apart`);
    }
    beta = chol.solve(Matrix.columnVector(v)).getColumn(0);
  }
  return [ybar - beta.reduce((s, b, j) => s + b * mean[j]!, 0), ...beta];
}
