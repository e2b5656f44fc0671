/**
 * Gadre et al. 2024, "Language models scale reliably with over-training":
 *   loss:  L(N, M) = E + a·N^e + b·6^(e/2)·(M·N)^e      (M = tokens per parameter, e < 0)
 *   error: Err(L) = epsilon − k·exp(−gamma·L)
 * Both by least squares on the raw quantity with L-BFGS from a grid of starts.
 */
import { levenbergMarquardt, multiStart, type ResidualFn } from './optimize.js';
import type { BootstrapOptions } from './bootstrap.js';
import { FitError, requireFinite, requirePositive, type FitResult } from './types.js';
import { fitWithUncertainty, type CoreFit } from './uncertainty.js';

export interface OvertrainPoint {
  N: number;
  M: number;
  loss: number;
}

export type OvertrainParams = { E: number; a: number; b: number; e: number };

export function predictOvertrain(p: OvertrainParams, N: number, M: number): number {
  return p.E + p.a * N ** p.e + p.b * 6 ** (p.e / 2) * (M * N) ** p.e;
}

function bestOf(f: ResidualFn, starts: number[][]): { x: number[]; value: number } {
  const best = multiStart((s) => levenbergMarquardt(f, s), starts);
  if (!best) throw new FitError('no start gave a finite objective');
  return best;
}

function overtrainCore(points: readonly OvertrainPoint[], starts: number[][] | null): CoreFit {
  if (points.length < 4) throw new FitError(`${points.length} points for 4 parameters (E, a, b, e): the over-training law needs at least 4`);
  if (new Set(points.map((p) => p.M)).size < 2) throw new FitError('every point has the same token multiplier M; a and b cannot be told apart without over-trained runs');
  const lN = points.map((p) => Math.log(p.N));
  const lMN6 = points.map((p) => Math.log(p.M * p.N) + 0.5 * Math.log(6));
  // x = [log a, log b, e, E]; residuals of raw loss
  const f: ResidualFn = (x) => {
    const [la, lb, e, E] = x as [number, number, number, number];
    const r: number[] = [];
    const J: number[][] = [];
    points.forEach((p, i) => {
      const t1 = Math.exp(la + e * lN[i]!);
      const t2 = Math.exp(lb + e * lMN6[i]!);
      r.push(E + t1 + t2 - p.loss);
      J.push([t1, t2, t1 * lN[i]! + t2 * lMN6[i]!, 1]);
    });
    return { r, J };
  };
  const grid: number[][] = [];
  for (const la of [0, 2.5, 5, 7.5]) for (const lb of [0, 2.5, 5, 7.5]) for (const e of [-0.1, -0.2, -0.3, -0.5]) for (const E of [1, 1.5, 2]) grid.push([la, lb, e, E]);
  const best = bestOf(f, starts ?? grid);
  const [la, lb, e, E] = best.x as [number, number, number, number];
  return { x: best.x, params: { E, a: Math.exp(la), b: Math.exp(lb), e }, objective: best.value };
}

export function fitOvertrain(points: readonly OvertrainPoint[], opts: { bootstrap?: BootstrapOptions } = {}): FitResult & { params: OvertrainParams } {
  requirePositive('N', points.map((p) => p.N));
  requirePositive('M', points.map((p) => p.M));
  requirePositive('loss', points.map((p) => p.loss));
  const fit = fitWithUncertainty({
    law: 'overtrain',
    points,
    core: overtrainCore,
    jitter: [1, 1, 0.02, 0.1],
    predict: (p, pt) => predictOvertrain(p as OvertrainParams, pt.N, pt.M),
    actual: (pt) => pt.loss,
    scale: { label: 'N', value: (pt) => pt.N },
    defaultCount: 200,
    ...(opts.bootstrap ? { bootstrap: opts.bootstrap } : {}),
  });
  return fit as FitResult & { params: OvertrainParams };
}

export type ErrorLawParams = { epsilon: number; k: number; gamma: number };

export function predictError(p: ErrorLawParams, loss: number): number {
  return p.epsilon - p.k * Math.exp(-p.gamma * loss);
}

function errorCore(points: readonly { loss: number; err: number }[], starts: number[][] | null): CoreFit {
  if (points.length < 3) throw new FitError(`${points.length} points for 3 parameters (epsilon, k, gamma): the error law needs at least 3`);
  // x = [epsilon, log k, gamma]; residuals of raw error
  const f: ResidualFn = (x) => {
    const [eps, lk, g] = x as [number, number, number];
    const r: number[] = [];
    const J: number[][] = [];
    for (const p of points) {
      const t = Math.exp(lk - g * p.loss);
      r.push(eps - t - p.err);
      J.push([1, -t, t * p.loss]);
    }
    return { r, J };
  };
  const grid: number[][] = [];
  for (const eps of [0.5, 0.75, 1]) for (const lk of [-2, 0, 2, 4]) for (const g of [0.1, 0.5, 1, 2]) grid.push([eps, lk, g]);
  const best = bestOf(f, starts ?? grid);
  const [epsilon, lk, gamma] = best.x as [number, number, number];
  return { x: best.x, params: { epsilon, k: Math.exp(lk), gamma }, objective: best.value };
}

export function fitErrorLaw(points: readonly { loss: number; err: number }[], opts: { bootstrap?: BootstrapOptions } = {}): FitResult & { params: ErrorLawParams } {
  requireFinite('loss', points.map((p) => p.loss));
  requireFinite('err', points.map((p) => p.err));
  const fit = fitWithUncertainty({
    law: 'error',
    points,
    core: errorCore,
    jitter: [0.05, 0.5, 0.1],
    predict: (p, pt) => predictError(p as ErrorLawParams, pt.loss),
    actual: (pt) => pt.err,
    // the largest scale is the model with the lowest loss
    scale: { label: 'loss', value: (pt) => -pt.loss, show: (top) => `the lowest loss (${(-top).toPrecision(4)})` },
    defaultCount: 200,
    ...(opts.bootstrap ? { bootstrap: opts.bootstrap } : {}),
  });
  return fit as FitResult & { params: ErrorLawParams };
}
