/**
 * Gadre et al. 2024, "Language models scale reliably with over-training":
 *   loss:  L(N, M) = E + a·N^e + b·6^(e/2)·(M·N)^e      (M = tokens per parameter, e < 0)
 *   error: Err(L) = epsilon − k·exp(−gamma·L)
 * Both by least squares on the raw quantity with L-BFGS from a grid of starts.
 */
import { multiStart, type ObjectiveFn } from './optimize.js';
import { FitError, relErrors, requireFinite, requirePositive, type FitResult } from './types.js';

export interface OvertrainPoint {
  N: number;
  M: number;
  loss: number;
}

export type OvertrainParams = { E: number; a: number; b: number; e: number };

export function predictOvertrain(p: OvertrainParams, N: number, M: number): number {
  return p.E + p.a * N ** p.e + p.b * 6 ** (p.e / 2) * (M * N) ** p.e;
}

function bestOf(f: ObjectiveFn, starts: number[][]): { x: number[]; value: number } {
  const best = multiStart(f, starts, { each: { maxIterations: 3000, gradTol: 1e-12, relTol: 1e-15 } });
  if (!best) throw new FitError('no start gave a finite objective');
  return best;
}

function summary(pred: number[], actual: number[]): FitResult['residuals'] {
  const res = pred.map((p, i) => p - actual[i]!);
  const rel = relErrors(pred, actual);
  return { rmse: Math.sqrt(res.reduce((s, r) => s + r * r, 0) / res.length), meanAbsRelError: rel.mean, maxAbsRelError: rel.max };
}

export function fitOvertrain(points: readonly OvertrainPoint[]): FitResult & { params: OvertrainParams } {
  if (points.length < 4) throw new FitError(`${points.length} points for 4 parameters (E, a, b, e): the over-training law needs at least 4`);
  requirePositive('N', points.map((p) => p.N));
  requirePositive('M', points.map((p) => p.M));
  requirePositive('loss', points.map((p) => p.loss));
  if (new Set(points.map((p) => p.M)).size < 2) throw new FitError('every point has the same token multiplier M; a and b cannot be told apart without over-trained runs');
  const lN = points.map((p) => Math.log(p.N));
  const lMN6 = points.map((p) => Math.log(p.M * p.N) + 0.5 * Math.log(6));
  // x = [log a, log b, e, E]
  const f: ObjectiveFn = (x) => {
    const [la, lb, e, E] = x as [number, number, number, number];
    let value = 0;
    const grad = [0, 0, 0, 0];
    points.forEach((p, i) => {
      const t1 = Math.exp(la + e * lN[i]!);
      const t2 = Math.exp(lb + e * lMN6[i]!);
      const r = E + t1 + t2 - p.loss;
      value += r * r;
      grad[0]! += 2 * r * t1;
      grad[1]! += 2 * r * t2;
      grad[2]! += 2 * r * (t1 * lN[i]! + t2 * lMN6[i]!);
      grad[3]! += 2 * r;
    });
    return { value, grad };
  };
  const starts: number[][] = [];
  for (const la of [0, 2.5, 5, 7.5]) for (const lb of [0, 2.5, 5, 7.5]) for (const e of [-0.1, -0.2, -0.3, -0.5]) for (const E of [1, 1.5, 2]) starts.push([la, lb, e, E]);
  const best = bestOf(f, starts);
  const [la, lb, e, E] = best.x as [number, number, number, number];
  const params = { E, a: Math.exp(la), b: Math.exp(lb), e };
  return {
    law: 'overtrain',
    nPoints: points.length,
    params,
    // five points and four parameters leave nothing to resample: the paper reports no intervals either
    intervals: {},
    objective: best.value,
    residuals: summary(points.map((p) => predictOvertrain(params, p.N, p.M)), points.map((p) => p.loss)),
    backtest: null,
  };
}

export type ErrorLawParams = { epsilon: number; k: number; gamma: number };

export function predictError(p: ErrorLawParams, loss: number): number {
  return p.epsilon - p.k * Math.exp(-p.gamma * loss);
}

export function fitErrorLaw(points: readonly { loss: number; err: number }[]): FitResult & { params: ErrorLawParams } {
  if (points.length < 3) throw new FitError(`${points.length} points for 3 parameters (epsilon, k, gamma): the error law needs at least 3`);
  requireFinite('loss', points.map((p) => p.loss));
  requireFinite('err', points.map((p) => p.err));
  // x = [epsilon, log k, gamma]
  const f: ObjectiveFn = (x) => {
    const [eps, lk, g] = x as [number, number, number];
    let value = 0;
    const grad = [0, 0, 0];
    for (const p of points) {
      const t = Math.exp(lk - g * p.loss);
      const r = eps - t - p.err;
      value += r * r;
      grad[0]! += 2 * r;
      grad[1]! -= 2 * r * t;
      grad[2]! += 2 * r * t * p.loss;
    }
    return { value, grad };
  };
  const starts: number[][] = [];
  for (const eps of [0.5, 0.75, 1]) for (const lk of [-2, 0, 2, 4]) for (const g of [0.1, 0.5, 1, 2]) starts.push([eps, lk, g]);
  const best = bestOf(f, starts);
  const [epsilon, lk, gamma] = best.x as [number, number, number];
  const params = { epsilon, k: Math.exp(lk), gamma };
  return {
    law: 'error',
    nPoints: points.length,
    params,
    intervals: {},
    objective: best.value,
    residuals: summary(points.map((p) => predictError(params, p.loss)), points.map((p) => p.err)),
    backtest: null,
  };
}
