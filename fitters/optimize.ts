import { Matrix, solve } from 'ml-matrix';
/**
 * The optimizers the fits need, written once: limited-memory BFGS (with optional box bounds, by
 * projection) for smooth objectives such as the Huber loss of Chinchilla's fit. Pure.
 */

export interface Evaluation {
  value: number;
  grad: number[];
}

export type ObjectiveFn = (x: readonly number[]) => Evaluation;

export interface LbfgsOptions {
  /** history pairs kept (default 10) */
  memory?: number;
  maxIterations?: number;
  /** stop when the largest projected gradient component falls below this (default 1e-8) */
  gradTol?: number;
  /** stop when the relative decrease of the objective falls below this (default 2.2e-9, as scipy's factr=1e7) */
  relTol?: number;
  /** per-coordinate bounds; null for none */
  lower?: readonly (number | null)[];
  upper?: readonly (number | null)[];
}

export interface OptimResult {
  x: number[];
  value: number;
  iterations: number;
  evaluations: number;
  converged: boolean;
}

const dot = (a: readonly number[], b: readonly number[]): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};

export function lbfgs(f: ObjectiveFn, x0: readonly number[], opts: LbfgsOptions = {}): OptimResult {
  const m = opts.memory ?? 10;
  const maxIt = opts.maxIterations ?? 1000;
  const gtol = opts.gradTol ?? 1e-8;
  const rtol = opts.relTol ?? 2.2e-9;
  const n = x0.length;
  const lo = opts.lower;
  const hi = opts.upper;
  const project = (x: number[]): number[] =>
    x.map((v, i) => {
      const l = lo?.[i];
      const u = hi?.[i];
      return l !== null && l !== undefined && v < l ? l : u !== null && u !== undefined && v > u ? u : v;
    });
  /** Gradient with components that push against an active bound set to zero. */
  const projGrad = (x: readonly number[], g: readonly number[]): number[] =>
    g.map((gi, i) => {
      const l = lo?.[i];
      const u = hi?.[i];
      if (l !== null && l !== undefined && x[i]! <= l && gi > 0) return 0;
      if (u !== null && u !== undefined && x[i]! >= u && gi < 0) return 0;
      return gi;
    });

  let x = project([...x0]);
  let ev = f(x);
  let evals = 1;
  if (!Number.isFinite(ev.value)) return { x, value: ev.value, iterations: 0, evaluations: evals, converged: false };
  const S: number[][] = [];
  const Y: number[][] = [];
  let it = 0;
  let converged = false;
  let activeKey = '';
  for (; it < maxIt; it++) {
    const g = projGrad(x, ev.grad);
    // coordinates held at a bound: the quasi-Newton step works in the others, and its memory starts
    // afresh whenever that set changes (its curvature pairs mixed in the clamped directions)
    const active = g.map((gi, i) => gi === 0 && ev.grad[i] !== 0);
    const key = active.map((a) => (a ? '1' : '0')).join('');
    if (key !== activeKey) {
      S.length = 0;
      Y.length = 0;
      activeKey = key;
    }
    if (Math.max(...g.map(Math.abs)) < gtol) {
      converged = true;
      break;
    }
    // two-loop recursion
    const q = [...g];
    const alpha: number[] = new Array(S.length);
    for (let k = S.length - 1; k >= 0; k--) {
      const rho = 1 / dot(Y[k]!, S[k]!);
      alpha[k] = rho * dot(S[k]!, q);
      for (let i = 0; i < n; i++) q[i]! -= alpha[k]! * Y[k]![i]!;
    }
    const gamma = S.length ? dot(S.at(-1)!, Y.at(-1)!) / dot(Y.at(-1)!, Y.at(-1)!) : 1 / Math.max(1, Math.sqrt(dot(g, g)));
    for (let i = 0; i < n; i++) q[i]! *= gamma;
    for (let k = 0; k < S.length; k++) {
      const rho = 1 / dot(Y[k]!, S[k]!);
      const beta = rho * dot(Y[k]!, q);
      for (let i = 0; i < n; i++) q[i]! += S[k]![i]! * (alpha[k]! - beta);
    }
    let d = q.map((v, i) => (active[i] ? 0 : -v));
    let slope = dot(d, g);
    if (!(slope < 0)) {
      // not a descent direction (curvature information went stale): restart from steepest descent
      S.length = 0;
      Y.length = 0;
      d = g.map((v) => -v / Math.max(1, Math.sqrt(dot(g, g))));
      slope = dot(d, g);
    }
    // backtracking line search with the Armijo condition
    let step = 1;
    let next: number[] = x;
    let nev: Evaluation = ev;
    let accepted = false;
    for (let ls = 0; ls < 40; ls++) {
      next = project(x.map((v, i) => v + step * d[i]!));
      nev = f(next);
      evals++;
      if (Number.isFinite(nev.value) && nev.value <= ev.value + 1e-4 * dot(next.map((v, i) => v - x[i]!), g)) {
        accepted = true;
        break;
      }
      step *= 0.5;
    }
    if (!accepted) break;
    const s = next.map((v, i) => v - x[i]!);
    const y = nev.grad.map((v, i) => v - ev.grad[i]!);
    const decrease = ev.value - nev.value;
    x = next;
    const prevValue = ev.value;
    ev = nev;
    if (dot(s, y) > 1e-12 * Math.sqrt(dot(s, s) * dot(y, y))) {
      S.push(s);
      Y.push(y);
      if (S.length > m) {
        S.shift();
        Y.shift();
      }
    }
    if (decrease <= rtol * Math.max(Math.abs(prevValue), Math.abs(ev.value), 1)) {
      converged = true;
      it++;
      break;
    }
  }
  return { x, value: ev.value, iterations: it, evaluations: evals, converged };
}

/** Residuals r (n) and their Jacobian J (n × p, row i = dr_i/dx) at x. */
export type ResidualFn = (x: readonly number[]) => { r: number[]; J: number[][] };

export interface LmOptions {
  maxIterations?: number;
  /** stop when the relative decrease of the sum of squares falls below this (default 1e-15) */
  relTol?: number;
  lower?: readonly (number | null)[];
  upper?: readonly (number | null)[];
}

/**
 * Levenberg–Marquardt for least squares: solve (JᵀJ + λ·diag(JᵀJ)) δ = −Jᵀr with ml-matrix, accept a
 * step that lowers Σr² (and relax λ), else stiffen λ. Bounds by projection. Returns the sum of squares
 * as the value.
 */
export function levenbergMarquardt(f: ResidualFn, x0: readonly number[], opts: LmOptions = {}): OptimResult {
  const maxIt = opts.maxIterations ?? 500;
  const tol = opts.relTol ?? 1e-15;
  const project = (x: number[]): number[] =>
    x.map((v, i) => {
      const l = opts.lower?.[i];
      const u = opts.upper?.[i];
      return l !== null && l !== undefined && v < l ? l : u !== null && u !== undefined && v > u ? u : v;
    });
  const sse = (r: number[]): number => r.reduce((s, v) => s + v * v, 0);
  let x = project([...x0]);
  let cur = f(x);
  let value = sse(cur.r);
  let evals = 1;
  if (!Number.isFinite(value)) return { x, value, iterations: 0, evaluations: evals, converged: false };
  let lambda = 1e-3;
  let it = 0;
  let converged = false;
  for (; it < maxIt; it++) {
    const { A, g } = normalEquations(cur.J, cur.r);
    let accepted = false;
    for (let tries = 0; tries < 30 && !accepted; tries++) {
      const D = A.clone();
      for (let i = 0; i < D.rows; i++) D.set(i, i, A.get(i, i) * (1 + lambda) + 1e-12);
      let step: number[];
      try {
        step = solve(D, g.clone().mul(-1)).getColumn(0);
      } catch {
        lambda *= 4;
        continue;
      }
      const next = project(x.map((v, i) => v + step[i]!));
      const ev = f(next);
      evals++;
      const nv = sse(ev.r);
      if (Number.isFinite(nv) && nv < value) {
        const decrease = value - nv;
        x = next;
        cur = ev;
        value = nv;
        lambda = Math.max(lambda / 3, 1e-12);
        accepted = true;
        if (decrease <= tol * Math.max(value, 1e-300)) converged = true;
      } else lambda *= 2;
    }
    if (!accepted || converged) {
      converged = true;
      break;
    }
  }
  return { x, value, iterations: it, evaluations: evals, converged };
}

/** JᵀJ and Jᵀr by rows: a fit with a hundred residuals and twenty parameters calls this thousands of times, and ml-matrix's transpose and product allocate more than they compute. */
function normalEquations(J: readonly (readonly number[])[], r: readonly number[]): { A: Matrix; g: Matrix } {
  const p = J[0]?.length ?? 0;
  const a = Array.from({ length: p }, () => new Array<number>(p).fill(0));
  const gd = new Array<number>(p).fill(0);
  for (let i = 0; i < J.length; i++) {
    const row = J[i]!;
    const ri = r[i]!;
    for (let j = 0; j < p; j++) {
      const v = row[j]!;
      if (v === 0) continue;
      gd[j]! += v * ri;
      const aj = a[j]!;
      for (let k = 0; k < p; k++) aj[k]! += v * row[k]!;
    }
  }
  return { A: new Matrix(a), g: Matrix.columnVector(gd) };
}

/** L-BFGS on the sum of squares of residuals: for the fits that want bounds L-BFGS handles better. */
export function sumOfSquares(f: ResidualFn): ObjectiveFn {
  return (x) => {
    const { r, J } = f(x);
    const grad = new Array<number>(x.length).fill(0);
    let value = 0;
    r.forEach((ri, i) => {
      value += ri * ri;
      for (let j = 0; j < x.length; j++) grad[j]! += 2 * ri * J[i]![j]!;
    });
    return { value, grad };
  };
}

export interface MultiStartOptions {
  /** when set, the `top` best local results are polished by `local` */
  polish?: { top: number; local: (x0: readonly number[]) => OptimResult };
}

/**
 * A local optimizer from every start; the best finite result wins. The one loop every multi-start
 * fit shares (Chinchilla's grid with L-BFGS, the least-squares laws with Levenberg–Marquardt).
 */
export function multiStart(local: (x0: readonly number[]) => OptimResult, starts: readonly (readonly number[])[], opts: MultiStartOptions = {}): OptimResult | null {
  const runs = starts.map(local).filter((r) => Number.isFinite(r.value));
  if (runs.length === 0) return null;
  runs.sort((a, b) => a.value - b.value);
  if (!opts.polish) return runs[0]!;
  return runs
    .slice(0, opts.polish.top)
    .map((r) => opts.polish!.local(r.x))
    .reduce((a, b) => (b.value < a.value ? b : a));
}
