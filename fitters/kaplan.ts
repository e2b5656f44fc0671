/**
 * Kaplan et al. 2020:
 *   L(N, D) = [(N_c/N)^(alpha_N/alpha_D) + D_c/D]^alpha_D
 *   B_crit(L) = B_star / L^(1/alpha_B);  S_min = S / (1 + B_crit/B)
 *   critical batch from runs reaching one loss: (S/S_min − 1)(E/E_min − 1) = 1, B_crit = E_min/S_min
 *   L(N, S_min) = (N_c/N)^alpha_N + (S_c/S_min)^alpha_S
 * All by least squares on log loss (or on the hyperbola) with multi-start L-BFGS.
 */
import { multiStart, type ObjectiveFn } from './optimize.js';
import { fitPower } from './power.js';
import { FitError, relErrors, requirePositive, type FitResult } from './types.js';

function summary(pred: number[], actual: number[]): FitResult['residuals'] {
  const lr = pred.map((p, i) => Math.log(p) - Math.log(actual[i]!));
  const rel = relErrors(pred, actual);
  return { rmse: Math.sqrt(lr.reduce((s, r) => s + r * r, 0) / lr.length), meanAbsRelError: rel.mean, maxAbsRelError: rel.max };
}

const grid = (...axes: number[][]): number[][] => axes.reduce<number[][]>((acc, ax) => acc.flatMap((p) => ax.map((v) => [...p, v])), [[]]);

export function predictKaplan(p: Record<string, number>, N: number, D: number): number {
  return ((p.N_c! / N) ** (p.alpha_N! / p.alpha_D!) + p.D_c! / D) ** p.alpha_D!;
}

export function fitKaplan(points: readonly { N: number; D: number; loss: number }[]): FitResult {
  if (points.length < 4) throw new FitError(`${points.length} points for 4 parameters (N_c, D_c, alpha_N, alpha_D): Kaplan's L(N, D) needs at least 4`);
  for (const k of ['N', 'D', 'loss'] as const) requirePositive(k, points.map((p) => p[k]));
  if (new Set(points.map((p) => p.N)).size < 2 || new Set(points.map((p) => p.D)).size < 2) throw new FitError("Kaplan's L(N, D) needs two or more distinct N and D");
  const lN = points.map((p) => Math.log(p.N));
  const lD = points.map((p) => Math.log(p.D));
  const lL = points.map((p) => Math.log(p.loss));
  // x = [log N_c, log D_c, alpha_N, alpha_D]
  const f: ObjectiveFn = (x) => {
    const [lNc, lDc, aN, aD] = x as [number, number, number, number];
    let value = 0;
    const g = [0, 0, 0, 0];
    for (let i = 0; i < lN.length; i++) {
      const u = Math.exp((aN / aD) * (lNc - lN[i]!));
      const w = Math.exp(lDc - lD[i]!);
      const s = u + w;
      const r = aD * Math.log(s) - lL[i]!;
      value += r * r;
      const k = (lNc - lN[i]!) * u / s;
      g[0]! += 2 * r * ((aN * u) / s);
      g[1]! += 2 * r * ((aD * w) / s);
      g[2]! += 2 * r * k;
      g[3]! += 2 * r * (Math.log(s) - (aN / aD) * k);
    }
    return { value, grad: g };
  };
  const best = multiStart(f, grid([20, 25, 30, 35], [20, 25, 30, 35], [0.05, 0.1, 0.2, 0.35], [0.05, 0.1, 0.2, 0.35]), {
    each: { maxIterations: 2000, lower: [null, null, 1e-3, 1e-3] },
  });
  if (!best) throw new FitError("Kaplan's L(N, D): no start gave a finite objective");
  const [lNc, lDc, aN, aD] = best.x as [number, number, number, number];
  const params = { N_c: Math.exp(lNc), D_c: Math.exp(lDc), alpha_N: aN, alpha_D: aD };
  return { law: 'kaplan', nPoints: points.length, params, intervals: {}, objective: best.value, residuals: summary(points.map((p) => predictKaplan(params, p.N, p.D)), points.map((p) => p.loss)), backtest: null };
}

/** B_crit(L) = B_star / L^(1/alpha_B), from (loss, critical batch) pairs, as a power law in L. */
export function fitCriticalBatch(rows: readonly { loss: number; Bcrit: number }[]): FitResult {
  const fit = fitPower(rows.map((r) => ({ x: { L: r.loss }, y: r.Bcrit })), ['L'], { bootstrap: { count: 200 } });
  const ren = (p: Record<string, number>): Record<string, number> => ({ B_star: p.a!, alpha_B: -1 / p.L! });
  const iv = fit.intervals.L;
  return {
    ...fit,
    law: 'critical-batch',
    params: ren(fit.params),
    intervals: { B_star: fit.intervals.a!, ...(iv ? { alpha_B: [-1 / iv[0], -1 / iv[1]].sort((a, b) => a - b) as [number, number] } : {}) },
    ...(fit.samples ? { samples: fit.samples.map(ren) } : {}),
  };
}

export function criticalBatch(p: Record<string, number>, loss: number): number {
  return p.B_star! / loss ** (1 / p.alpha_B!);
}

/** Steps at infinite batch: S_min = S / (1 + B_crit/B). */
export function sMin(S: number, B: number, Bcrit: number): number {
  return S / (1 + Bcrit / B);
}

/**
 * From runs at several batch sizes that reach one loss, (steps S, examples E = S·B) pairs: fit
 * (S/S_min − 1)(E/E_min − 1) = 1 and return S_min, E_min and B_crit = E_min/S_min.
 */
export function fitStepsExamples(pairs: readonly { S: number; E: number }[]): { Smin: number; Emin: number; Bcrit: number; objective: number } {
  if (pairs.length < 3) throw new FitError(`${pairs.length} runs; the steps–examples trade-off needs at least 3 batch sizes`);
  requirePositive('S', pairs.map((p) => p.S));
  requirePositive('E', pairs.map((p) => p.E));
  const lSmax = Math.log(Math.min(...pairs.map((p) => p.S)));
  const lEmax = Math.log(Math.min(...pairs.map((p) => p.E)));
  // x = [log S_min, log E_min], each below the smallest observed value
  const f: ObjectiveFn = (x) => {
    const [ls, le] = x as [number, number];
    const Smin = Math.exp(ls);
    const Emin = Math.exp(le);
    let value = 0;
    const g = [0, 0];
    for (const p of pairs) {
      const a = p.S / Smin - 1;
      const b = p.E / Emin - 1;
      const r = Math.log(a * b);
      value += r * r;
      g[0]! += 2 * r * (-(p.S / Smin) / a);
      g[1]! += 2 * r * (-(p.E / Emin) / b);
    }
    return { value, grad: g };
  };
  const eps = 1e-9;
  const best = multiStart(f, [0.2, 0.5, 0.8].flatMap((fs) => [0.2, 0.5, 0.8].map((fe) => [lSmax + Math.log(fs), lEmax + Math.log(fe)])), {
    each: { maxIterations: 2000, upper: [lSmax - eps, lEmax - eps] },
  });
  if (!best) throw new FitError('the steps–examples fit found no finite optimum');
  const Smin = Math.exp(best.x[0]!);
  const Emin = Math.exp(best.x[1]!);
  return { Smin, Emin, Bcrit: Emin / Smin, objective: best.value };
}

export function predictKaplanSteps(p: Record<string, number>, N: number, Smin: number): number {
  return (p.N_c! / N) ** p.alpha_N! + (p.S_c! / Smin) ** p.alpha_S!;
}

/** L(N, S_min) = (N_c/N)^alpha_N + (S_c/S_min)^alpha_S from learning-curve points. */
export function fitKaplanSteps(points: readonly { N: number; Smin: number; loss: number }[]): FitResult {
  if (points.length < 4) throw new FitError(`${points.length} points for 4 parameters (N_c, S_c, alpha_N, alpha_S)`);
  for (const k of ['N', 'Smin', 'loss'] as const) requirePositive(k, points.map((p) => p[k]));
  const lN = points.map((p) => Math.log(p.N));
  const lS = points.map((p) => Math.log(p.Smin));
  const lL = points.map((p) => Math.log(p.loss));
  // x = [log N_c, log S_c, alpha_N, alpha_S]
  const f: ObjectiveFn = (x) => {
    const [lNc, lSc, aN, aS] = x as [number, number, number, number];
    let value = 0;
    const g = [0, 0, 0, 0];
    for (let i = 0; i < lN.length; i++) {
      const u = Math.exp(aN * (lNc - lN[i]!));
      const w = Math.exp(aS * (lSc - lS[i]!));
      const m = u + w;
      const r = Math.log(m) - lL[i]!;
      value += r * r;
      g[0]! += (2 * r * aN * u) / m;
      g[1]! += (2 * r * aS * w) / m;
      g[2]! += (2 * r * (lNc - lN[i]!) * u) / m;
      g[3]! += (2 * r * (lSc - lS[i]!) * w) / m;
    }
    return { value, grad: g };
  };
  const best = multiStart(f, grid([20, 25, 30, 35], [5, 10, 15], [0.05, 0.1, 0.3], [0.1, 0.3, 0.7]), { each: { maxIterations: 2000, lower: [null, null, 1e-3, 1e-3] } });
  if (!best) throw new FitError('L(N, S_min): no start gave a finite objective');
  const [lNc, lSc, aN, aS] = best.x as [number, number, number, number];
  const params = { N_c: Math.exp(lNc), S_c: Math.exp(lSc), alpha_N: aN, alpha_S: aS };
  return { law: 'kaplan-steps', nPoints: points.length, params, intervals: {}, objective: best.value, residuals: summary(points.map((p) => predictKaplanSteps(params, p.N, p.Smin)), points.map((p) => p.loss)), backtest: null };
}
