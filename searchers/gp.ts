/**
 * A Gaussian-process surrogate for Bayesian optimisation: Matérn-5/2 kernel with one length-scale per
 * input dimension, inputs in the unit cube, outputs standardised by the caller. Hyperparameters
 * (length-scales, signal variance, noise) maximise the log marginal likelihood plus log priors (as
 * BoTorch's defaults: Gamma(3, 6) on length-scales, Gamma(2, 0.15) on the signal variance,
 * Gamma(1.1, 0.05) on the noise), multi-start L-BFGS within bounds. Cholesky adds jitter until it
 * succeeds, so near-duplicate points never throw. Pure.
 */
import { CholeskyDecomposition, Matrix } from 'ml-matrix';
import { lbfgs, multiStart } from '../fitters/optimize.js';

const SQRT5 = Math.sqrt(5);

export interface GpHyper {
  lengthscales: number[];
  signal: number;
  noise: number;
}

function maternFromR(r: number): number {
  return (1 + SQRT5 * r + (5 / 3) * r * r) * Math.exp(-SQRT5 * r);
}

/** Cholesky of K + jitter·I with jitter grown until it is positive definite. */
export function robustCholesky(K: Matrix): { chol: CholeskyDecomposition; jitter: number } {
  const n = K.rows;
  const mean = n ? K.diag().reduce((s, v) => s + v, 0) / n : 1;
  for (let jitter = 0; ; jitter = jitter === 0 ? 1e-10 * mean : jitter * 10) {
    const A = K.clone();
    for (let i = 0; i < n; i++) A.set(i, i, A.get(i, i) + jitter);
    const chol = new CholeskyDecomposition(A);
    if (chol.isPositiveDefinite()) return { chol, jitter };
    if (jitter > mean) throw new Error('kernel matrix is not positive definite even with large jitter');
  }
}

/** K⁻¹ and log|K| from the Cholesky factor L (K = L·Lᵀ), in plain arrays: L⁻¹ by forward substitution, then L⁻ᵀ·L⁻¹. */
function inverseFromCholesky(Lm: Matrix): { Kinv: Float64Array[]; logdet: number } {
  const n = Lm.rows;
  const L = Array.from({ length: n }, (_, i) => Float64Array.from(Lm.getRow(i)));
  const Li = Array.from({ length: n }, () => new Float64Array(n));
  let logdet = 0;
  for (let i = 0; i < n; i++) {
    logdet += 2 * Math.log(L[i]![i]!);
    Li[i]![i] = 1 / L[i]![i]!;
    for (let j = 0; j < i; j++) {
      let s = 0;
      for (let k = j; k < i; k++) s += L[i]![k]! * Li[k]![j]!;
      Li[i]![j] = -s / L[i]![i]!;
    }
  }
  const Kinv = Array.from({ length: n }, () => new Float64Array(n));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = i; k < n; k++) s += Li[k]![i]! * Li[k]![j]!;
      Kinv[i]![j] = s;
      Kinv[j]![i] = s;
    }
  }
  return { Kinv, logdet };
}

const gammaLogPdf = (x: number, a: number, rate: number): number => (a - 1) * Math.log(x) - rate * x;
const gammaDLog = (x: number, a: number, rate: number): number => (a - 1) - rate * x; // d/d(log x)

export class GaussianProcess {
  private X: number[][] = [];
  private alpha: number[] = [];
  private L: Float64Array[] = [];
  hyper: GpHyper;

  constructor(private readonly dims: number) {
    this.hyper = { lengthscales: new Array(dims).fill(0.5), signal: 1, noise: 1e-3 };
  }

  private kernelMatrix(X: number[][], h: GpHyper): Matrix {
    const n = X.length;
    const K = new Matrix(n, n);
    for (let i = 0; i < n; i++) {
      K.set(i, i, h.signal + h.noise);
      for (let j = 0; j < i; j++) {
        let r2 = 0;
        for (let k = 0; k < this.dims; k++) r2 += ((X[i]![k]! - X[j]![k]!) / h.lengthscales[k]!) ** 2;
        const v = h.signal * maternFromR(Math.sqrt(r2));
        K.set(i, j, v);
        K.set(j, i, v);
      }
    }
    return K;
  }

  /** Negative log posterior of θ = [log ℓ_1..d, log signal, log noise] and its gradient. */
  private objective(X: number[][], y: number[]) {
    const n = X.length;
    const d = this.dims;
    return (theta: readonly number[]) => {
      const ls = theta.slice(0, d).map(Math.exp);
      const signal = Math.exp(theta[d]!);
      const noise = Math.exp(theta[d + 1]!);
      const h = { lengthscales: ls, signal, noise };
      const K = this.kernelMatrix(X, h);
      let chol: CholeskyDecomposition;
      try {
        chol = robustCholesky(K).chol;
      } catch {
        return { value: Number.POSITIVE_INFINITY, grad: theta.map(() => 0) };
      }
      const { Kinv, logdet } = inverseFromCholesky(chol.lowerTriangularMatrix);
      const a = new Array<number>(n).fill(0);
      for (let i = 0; i < n; i++) {
        let sacc = 0;
        const row = Kinv[i]!;
        for (let j = 0; j < n; j++) sacc += row[j]! * y[j]!;
        a[i] = sacc;
      }
      const quad = y.reduce((sacc, v, i) => sacc + v * a[i]!, 0);
      let nll = 0.5 * quad + 0.5 * logdet + 0.5 * n * Math.log(2 * Math.PI);
      // W = ααᵀ − K⁻¹; d nll/dθ = −½ tr(W dK/dθ)
      const grad = new Array<number>(d + 2).fill(0);
      const parts = new Float64Array(d);
      for (let i = 0; i < n; i++) {
        const Ki = Kinv[i]!;
        const Xi = X[i]!;
        const wii = a[i]! * a[i]! - Ki[i]!;
        grad[d]! += -0.5 * wii * signal;
        grad[d + 1]! += -0.5 * wii * noise;
        // W and dK are symmetric: each pair j < i counts twice
        for (let j = 0; j < i; j++) {
          const w = 2 * (a[i]! * a[j]! - Ki[j]!);
          const Xj = X[j]!;
          let r2 = 0;
          for (let k = 0; k < d; k++) {
            const q = (Xi[k]! - Xj[k]!) / ls[k]!;
            parts[k] = q * q;
            r2 += parts[k]!;
          }
          const r = Math.sqrt(r2);
          const e = Math.exp(-SQRT5 * r);
          const kij = signal * (1 + SQRT5 * r + (5 / 3) * r2) * e;
          grad[d]! += -0.5 * w * kij;
          // dk/d(log ℓ_k) = signal·(5/3)(1 + √5 r) e^{−√5 r} · parts_k
          const common = -0.5 * w * signal * (5 / 3) * (1 + SQRT5 * r) * e;
          for (let k = 0; k < d; k++) grad[k]! += common * parts[k]!;
        }
      }
      // priors (on the natural scale, differentiated in log space)
      for (let k = 0; k < d; k++) {
        nll -= gammaLogPdf(ls[k]!, 3, 6);
        grad[k]! -= gammaDLog(ls[k]!, 3, 6);
      }
      nll -= gammaLogPdf(signal, 2, 0.15);
      grad[d]! -= gammaDLog(signal, 2, 0.15);
      nll -= gammaLogPdf(noise, 1.1, 0.05);
      grad[d + 1]! -= gammaDLog(noise, 1.1, 0.05);
      return { value: nll, grad };
    };
  }

  /**
   * Fit hyperparameters (multi-start, bounded) and condition on (X, y). Hyperparameters are fitted on
   * at most `maxFit` points (default 60: the 30 lowest y and 30 spread over the rest), which bounds
   * the cost of long histories; the posterior always conditions on every point.
   */
  fit(X: number[][], y: number[], opts: { restarts?: number; warm?: GpHyper; maxFit?: number } = {}): void {
    const d = this.dims;
    const maxFit = opts.maxFit ?? 60;
    let fx = X;
    let fy = y;
    if (X.length > maxFit) {
      const order = y.map((v, i) => [v, i] as const).sort((p, q) => p[0] - q[0]).map(([, i]) => i);
      const best = order.slice(0, maxFit / 2);
      const rest = order.slice(maxFit / 2);
      const step = rest.length / (maxFit - best.length);
      const pick = [...best, ...Array.from({ length: maxFit - best.length }, (_, k) => rest[Math.floor(k * step)]!)];
      fx = pick.map((i) => X[i]!);
      fy = pick.map((i) => y[i]!);
    }
    const f = this.objective(fx, fy);
    const starts: number[][] = [];
    const base = opts.warm ?? this.hyper;
    starts.push([...base.lengthscales.map(Math.log), Math.log(base.signal), Math.log(base.noise)]);
    for (const l of [0.2, 1].slice(0, Math.max(0, (opts.restarts ?? 2) - 1))) starts.push([...new Array(d).fill(Math.log(l)), 0, Math.log(1e-2)]);
    const lower = [...new Array(d).fill(Math.log(0.01)), Math.log(0.05), Math.log(1e-6)];
    const upper = [...new Array(d).fill(Math.log(20)), Math.log(20), Math.log(0.5)];
    const best = multiStart((s) => lbfgs(f, s, { maxIterations: 40, lower, upper, relTol: 1e-6 }), starts);
    const t = best?.x ?? starts[0]!;
    this.hyper = { lengthscales: t.slice(0, d).map(Math.exp), signal: Math.exp(t[d]!), noise: Math.exp(t[d + 1]!) };
    this.condition(X, y);
  }

  /** Condition on (X, y) with the current hyperparameters. */
  condition(X: number[][], y: number[]): void {
    this.X = X.map((r) => [...r]);
    const { chol } = robustCholesky(this.kernelMatrix(this.X, this.hyper));
    const Lm = chol.lowerTriangularMatrix;
    this.L = Array.from({ length: Lm.rows }, (_, i) => Float64Array.from(Lm.getRow(i)));
    this.alpha = chol.solve(Matrix.columnVector(y)).getColumn(0);
  }

  /** Posterior mean and variance of the latent function at x. */
  predict(x: readonly number[]): { mean: number; variance: number } {
    const n = this.X.length;
    const h = this.hyper;
    const k = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      let r2 = 0;
      for (let j = 0; j < this.dims; j++) r2 += ((x[j]! - this.X[i]![j]!) / h.lengthscales[j]!) ** 2;
      k[i] = h.signal * maternFromR(Math.sqrt(r2));
    }
    const mean = k.reduce((s, v, i) => s + v * this.alpha[i]!, 0);
    // v = L⁻¹k by forward substitution
    const L = this.L;
    const v = new Float64Array(n);
    let vv = 0;
    for (let i = 0; i < n; i++) {
      const Li = L[i]!;
      let s = k[i]!;
      for (let j = 0; j < i; j++) s -= Li[j]! * v[j]!;
      v[i] = s / Li[i]!;
      vv += v[i]! * v[i]!;
    }
    return { mean, variance: Math.max(1e-12, h.signal - vv) };
  }
}
