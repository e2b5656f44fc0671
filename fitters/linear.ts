/** Ordinary least squares (ml-matrix), the workhorse of every power law fitted in log space. */
import { Matrix, QrDecomposition } from 'ml-matrix';
import { FitError } from './types.js';

export interface OlsResult {
  /** intercept first, then one coefficient per column of X */
  coef: number[];
  residuals: number[];
  sse: number;
}

/** Least squares of y on [1, X]. Refuses fewer points than coefficients, or collinear columns. */
export function ols(X: readonly (readonly number[])[], y: readonly number[], names: readonly string[] = []): OlsResult {
  const n = y.length;
  const p = (X[0]?.length ?? 0) + 1;
  if (n < p) throw new FitError(`${n} point${n === 1 ? '' : 's'} for ${p} coefficients: a fit needs at least as many points as it has parameters`);
  for (let j = 0; j < p - 1; j++) {
    const col = X.map((r) => r[j]!);
    if (Math.max(...col) - Math.min(...col) < 1e-12 * Math.max(1, Math.abs(col[0]!))) {
      throw new FitError(`every point has the same ${names[j] ?? `x${j}`} (${col[0]}); its exponent cannot be fitted from one distinct value`);
    }
  }
  const A = new Matrix(X.map((r) => [1, ...r]));
  const qr = new QrDecomposition(A);
  if (!qr.isFullRank()) throw new FitError(`the columns ${names.join(', ')} are collinear; their exponents cannot be told apart`);
  const coef = qr.solve(Matrix.columnVector([...y])).getColumn(0);
  const residuals = y.map((yi, i) => yi - coef.reduce((s, c, j) => s + c * (j === 0 ? 1 : X[i]![j - 1]!), 0));
  return { coef, residuals, sse: residuals.reduce((s, r) => s + r * r, 0) };
}
