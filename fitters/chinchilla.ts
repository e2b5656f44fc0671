/**
 * Chinchilla's loss law, Approach 3: L(N, D) = E + A/N^α + B/D^β, fitted as Epoch AI refit it —
 * log L = LSE(a − α·log N, b − β·log D, e) with A = e^a, B = e^b, E = e^e, minimising the sum of Huber
 * losses (δ = 1e-3) of the log-residuals by L-BFGS from every start of a grid, keeping the best.
 */
import { bootstrap, type BootstrapOptions } from './bootstrap.js';
import { lbfgs, multiStart, type Evaluation } from './optimize.js';
import { FitError, relErrors, requirePositive, type Backtest, type FitResult } from './types.js';

export interface LossPoint {
  N: number;
  D: number;
  loss: number;
}

// a type alias (not an interface) so that it is also a Record<string, number>
export type ChinchillaParams = {
  E: number;
  A: number;
  B: number;
  alpha: number;
  beta: number;
};

export interface ChinchillaOptions {
  /** Huber δ on log-residuals (default 1e-3) */
  delta?: number;
  /** starts as [a, b, e, alpha, beta]; default: Epoch's 4,500-point grid */
  starts?: number[][];
  /** bootstrap resamples refit from the best fit's parameters (default 100; 0 for none) */
  bootstrap?: BootstrapOptions;
  /** which points the backtest holds back (default: the top 10% by compute C = 6·N·D) */
  holdOut?: { label: string; test: (p: LossPoint) => boolean } | null;
}

export const CHINCHILLA_PARAM_NAMES = ['E', 'A', 'B', 'alpha', 'beta'] as const;

/** Epoch's grid: α, β ∈ {0, 0.5, …, 2}, e ∈ {−1, −0.5, …, 1}, a, b ∈ {0, 5, …, 25}: 4,500 starts. */
export function chinchillaGrid(): number[][] {
  const out: number[][] = [];
  const r = (lo: number, hi: number, step: number): number[] => Array.from({ length: Math.round((hi - lo) / step) + 1 }, (_, i) => lo + i * step);
  for (const alpha of r(0, 2, 0.5)) for (const beta of r(0, 2, 0.5)) for (const e of r(-1, 1, 0.5)) for (const a of r(0, 25, 5)) for (const b of r(0, 25, 5)) out.push([a, b, e, alpha, beta]);
  return out;
}

export function predictChinchilla(p: ChinchillaParams, N: number, D: number): number {
  return p.E + p.A / N ** p.alpha + p.B / D ** p.beta;
}

function objective(logN: Float64Array, logD: Float64Array, logL: Float64Array, delta: number): (x: readonly number[]) => Evaluation {
  const n = logN.length;
  return (x) => {
    const [a, b, e, alpha, beta] = x as [number, number, number, number, number];
    let value = 0;
    let ga = 0;
    let gb = 0;
    let ge = 0;
    let gal = 0;
    let gbe = 0;
    for (let i = 0; i < n; i++) {
      const t1 = a - alpha * logN[i]!;
      const t2 = b - beta * logD[i]!;
      const mx = Math.max(t1, t2, e);
      const e1 = Math.exp(t1 - mx);
      const e2 = Math.exp(t2 - mx);
      const e3 = Math.exp(e - mx);
      const s = e1 + e2 + e3;
      const r = mx + Math.log(s) - logL[i]!;
      const ar = Math.abs(r);
      let dr: number;
      if (ar <= delta) {
        value += 0.5 * r * r;
        dr = r;
      } else {
        value += delta * (ar - 0.5 * delta);
        dr = r > 0 ? delta : -delta;
      }
      const w1 = (dr * e1) / s;
      const w2 = (dr * e2) / s;
      ga += w1;
      gal -= w1 * logN[i]!;
      gb += w2;
      gbe -= w2 * logD[i]!;
      ge += (dr * e3) / s;
    }
    return { value, grad: [ga, gb, ge, gal, gbe] };
  };
}

interface RawFit {
  params: ChinchillaParams;
  objective: number;
}

function fitOnce(points: readonly LossPoint[], starts: readonly number[][], delta: number): RawFit {
  const logN = Float64Array.from(points, (p) => Math.log(p.N));
  const logD = Float64Array.from(points, (p) => Math.log(p.D));
  const logL = Float64Array.from(points, (p) => Math.log(p.loss));
  const f = objective(logN, logD, logL, delta);
  // Every start gets L-BFGS to a loose tolerance; the ten best are then polished to a tight one.
  // Same optimum as polishing every start (checked on Epoch's points), at a quarter of the cost.
  const tight = { maxIterations: 2000, relTol: 1e-14, gradTol: 1e-11 };
  const best =
    starts.length > 10
      ? multiStart((s) => lbfgs(f, s, { maxIterations: 100, relTol: 1e-5, gradTol: 1e-6 }), starts, { polish: { top: 10, local: (x) => lbfgs(f, x, tight) } })
      : multiStart((s) => lbfgs(f, s, tight), starts);
  if (!best) throw new FitError('no start of the grid gave a finite objective');
  const [a, b, e, alpha, beta] = best.x as [number, number, number, number, number];
  return { params: { E: Math.exp(e), A: Math.exp(a), B: Math.exp(b), alpha, beta }, objective: best.value };
}

function check(points: readonly LossPoint[]): void {
  if (points.length < 5) throw new FitError(`${points.length} points for 5 parameters (E, A, B, alpha, beta): Chinchilla's law needs at least 5`);
  requirePositive('N', points.map((p) => p.N));
  requirePositive('D', points.map((p) => p.D));
  requirePositive('loss', points.map((p) => p.loss));
  if (new Set(points.map((p) => p.N)).size < 2) throw new FitError('every point has the same N; alpha cannot be fitted from one model size');
  if (new Set(points.map((p) => p.D)).size < 2) throw new FitError('every point has the same D; beta cannot be fitted from one data size');
}

const toStart = (p: ChinchillaParams): number[] => [Math.log(p.A), Math.log(p.B), Math.log(p.E), p.alpha, p.beta];

/**
 * Starts for a bootstrap refit: the full fit's optimum and four deterministic displacements of it.
 * From the optimum alone a refit barely moves along the flat, coupled (A, alpha) and (B, beta)
 * directions of the Huber objective, and the intervals come out far too narrow.
 */
function jittered(x: readonly number[], salt: number): number[][] {
  const [a, b, e, al, be] = x as [number, number, number, number, number];
  const k = 1 + (salt % 3) * 0.25;
  return [
    [...x],
    [a + 2 * k, b, e, al + 0.1 * k, be],
    [a - 2 * k, b, e, al - 0.1 * k, be],
    [a, b + 2 * k, e, al, be + 0.1 * k],
    [a, b - 2 * k, e, al, be - 0.1 * k],
  ];
}

export function fitChinchilla(points: readonly LossPoint[], opts: ChinchillaOptions = {}): FitResult & { params: ChinchillaParams } {
  check(points);
  const delta = opts.delta ?? 1e-3;
  const starts = opts.starts ?? chinchillaGrid();
  const main = fitOnce(points, starts, delta);
  const pred = points.map((p) => predictChinchilla(main.params, p.N, p.D));
  const rel = relErrors(pred, points.map((p) => p.loss));
  const logRes = points.map((p, i) => Math.log(pred[i]!) - Math.log(p.loss));

  const bopts = { count: 100, ...opts.bootstrap };
  const boot =
    bopts.count > 0
      ? bootstrap(points.length, (idx) => ({ ...fitOnce(idx.map((i) => points[i]!), jittered(toStart(main.params), idx.length), delta).params }), bopts)
      : { intervals: {}, samples: undefined };

  let backtest: Backtest | null = null;
  const hold =
    opts.holdOut === null
      ? null
      : (opts.holdOut ?? (() => {
          const cs = points.map((p) => 6 * p.N * p.D).sort((a, b) => a - b);
          const cut = cs[Math.floor(cs.length * 0.9)]!;
          return { label: `top 10% of compute (C ≥ ${cut.toExponential(2)})`, test: (p: LossPoint) => 6 * p.N * p.D >= cut };
        })());
  if (hold) {
    const fitPts = points.filter((p) => !hold.test(p));
    const held = points.filter((p) => hold.test(p));
    if (held.length > 0 && fitPts.length >= 5) {
      const bt = fitOnce(fitPts, starts, delta);
      const e = relErrors(held.map((p) => predictChinchilla(bt.params, p.N, p.D)), held.map((p) => p.loss));
      backtest = { heldOut: hold.label, nFit: fitPts.length, nHeldOut: held.length, meanAbsRelError: e.mean, maxAbsRelError: e.max };
    }
  }

  return {
    law: 'chinchilla',
    nPoints: points.length,
    params: main.params,
    intervals: boot.intervals,
    objective: main.objective,
    residuals: { rmse: Math.sqrt(logRes.reduce((s, r) => s + r * r, 0) / logRes.length), meanAbsRelError: rel.mean, maxAbsRelError: rel.max },
    backtest,
    ...(boot.samples ? { samples: boot.samples } : {}),
  };
}
