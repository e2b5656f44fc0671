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
  for (; it < maxIt; it++) {
    const g = projGrad(x, ev.grad);
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
    let d = q.map((v) => -v);
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

export interface MultiStartOptions {
  /** options of each start's run */
  each?: LbfgsOptions;
  /** when set, every start runs with `each` (loose), then the `top` best are polished with `options` */
  polish?: { top: number; options: LbfgsOptions };
}

/**
 * L-BFGS from every start; the best finite result wins. The one loop every multi-start fit shares
 * (Chinchilla's grid, the over-training law, power-offset, Kaplan).
 */
export function multiStart(f: ObjectiveFn, starts: readonly (readonly number[])[], opts: MultiStartOptions = {}): OptimResult | null {
  const runs = starts.map((s) => lbfgs(f, s, opts.each)).filter((r) => Number.isFinite(r.value));
  if (runs.length === 0) return null;
  runs.sort((a, b) => a.value - b.value);
  if (!opts.polish) return runs[0]!;
  return runs
    .slice(0, opts.polish.top)
    .map((r) => lbfgs(f, r.x, opts.polish!.options))
    .reduce((a, b) => (b.value < a.value ? b : a));
}
