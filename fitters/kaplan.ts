/**
 * Kaplan et al. 2020:
 *   L(N, D) = [(N_c/N)^(alpha_N/alpha_D) + D_c/D]^alpha_D
 *   B_crit(L) = B_star / L^(1/alpha_B);  S_min = S / (1 + B_crit/B)
 *   critical batch from runs reaching one loss: (S/S_min − 1)(E/E_min − 1) = 1, B_crit = E_min/S_min
 *   L(N, S_min) = (N_c/N)^alpha_N + (S_c/S_min)^alpha_S
 * All by least squares on log loss (or on the hyperbola) with multi-start L-BFGS.
 */
import { lbfgs, levenbergMarquardt, multiStart, sumOfSquares, type ResidualFn } from './optimize.js';
import { fitPower } from './power.js';
import type { BootstrapOptions } from './bootstrap.js';
import { FitError, requirePositive, type FitResult } from './types.js';
import { fitWithUncertainty, type CoreFit } from './uncertainty.js';

const grid = (...axes: number[][]): number[][] => axes.reduce<number[][]>((acc, ax) => acc.flatMap((p) => ax.map((v) => [...p, v])), [[]]);

export function predictKaplan(p: Record<string, number>, N: number, D: number): number {
  return ((p.N_c! / N) ** (p.alpha_N! / p.alpha_D!) + p.D_c! / D) ** p.alpha_D!;
}

type NDL = { N: number; D: number; loss: number };

function kaplanCore(points: readonly NDL[], starts: number[][] | null): CoreFit {
  if (points.length < 4) throw new FitError(`${points.length} points for 4 parameters (N_c, D_c, alpha_N, alpha_D): Kaplan's L(N, D) needs at least 4`);
  if (new Set(points.map((p) => p.N)).size < 2 || new Set(points.map((p) => p.D)).size < 2) throw new FitError("Kaplan's L(N, D) needs two or more distinct N and D");
  const lN = points.map((p) => Math.log(p.N));
  const lD = points.map((p) => Math.log(p.D));
  const lL = points.map((p) => Math.log(p.loss));
  // x = [log N_c, log D_c, alpha_N, alpha_D]; residuals of log loss
  const f: ResidualFn = (x) => {
    const [lNc, lDc, aN, aD] = x as [number, number, number, number];
    const r: number[] = [];
    const J: number[][] = [];
    for (let i = 0; i < lN.length; i++) {
      const u = Math.exp((aN / aD) * (lNc - lN[i]!));
      const w = Math.exp(lDc - lD[i]!);
      const s = u + w;
      const k = ((lNc - lN[i]!) * u) / s;
      r.push(aD * Math.log(s) - lL[i]!);
      J.push([(aN * u) / s, (aD * w) / s, k, Math.log(s) - (aN / aD) * k]);
    }
    return { r, J };
  };
  const best = multiStart((s) => levenbergMarquardt(f, s, { lower: [null, null, 1e-3, 1e-3] }), starts ?? grid([20, 25, 30, 35], [20, 25, 30, 35], [0.05, 0.1, 0.2, 0.35], [0.05, 0.1, 0.2, 0.35]));
  if (!best) throw new FitError("Kaplan's L(N, D): no start gave a finite objective");
  const [lNc, lDc, aN, aD] = best.x as [number, number, number, number];
  return { x: best.x, params: { N_c: Math.exp(lNc), D_c: Math.exp(lDc), alpha_N: aN, alpha_D: aD }, objective: best.value };
}

export function fitKaplan(points: readonly NDL[], opts: { bootstrap?: BootstrapOptions } = {}): FitResult {
  for (const k of ['N', 'D', 'loss'] as const) requirePositive(k, points.map((p) => p[k]));
  return fitWithUncertainty({
    law: 'kaplan',
    points,
    core: kaplanCore,
    jitter: [1, 1, 0.01, 0.01],
    predict: (p, pt) => predictKaplan(p, pt.N, pt.D),
    actual: (pt) => pt.loss,
    scale: { label: 'N', value: (pt) => pt.N },
    defaultCount: 100,
    ...(opts.bootstrap ? { bootstrap: opts.bootstrap } : {}),
  });
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
  // x = [log S_min, log E_min], each below the smallest observed value; residuals log((S/S_min − 1)(E/E_min − 1))
  const f: ResidualFn = (x) => {
    const Smin = Math.exp(x[0]!);
    const Emin = Math.exp(x[1]!);
    const r: number[] = [];
    const J: number[][] = [];
    for (const p of pairs) {
      const a = p.S / Smin - 1;
      const b = p.E / Emin - 1;
      r.push(Math.log(a * b));
      J.push([-(p.S / Smin) / a, -(p.E / Emin) / b]);
    }
    return { r, J };
  };
  const eps = 1e-9;
  const best = multiStart(
    (s) => lbfgs(sumOfSquares(f), s, { maxIterations: 2000, upper: [lSmax - eps, lEmax - eps] }),
    [0.2, 0.5, 0.8].flatMap((fs) => [0.2, 0.5, 0.8].map((fe) => [lSmax + Math.log(fs), lEmax + Math.log(fe)])),
  );
  if (!best) throw new FitError('the steps–examples fit found no finite optimum');
  const Smin = Math.exp(best.x[0]!);
  const Emin = Math.exp(best.x[1]!);
  return { Smin, Emin, Bcrit: Emin / Smin, objective: best.value };
}

export function predictKaplanSteps(p: Record<string, number>, N: number, Smin: number): number {
  return (p.N_c! / N) ** p.alpha_N! + (p.S_c! / Smin) ** p.alpha_S!;
}

type NSL = { N: number; Smin: number; loss: number };

function kaplanStepsCore(points: readonly NSL[], starts: number[][] | null): CoreFit {
  if (points.length < 4) throw new FitError(`${points.length} points for 4 parameters (N_c, S_c, alpha_N, alpha_S)`);
  const lN = points.map((p) => Math.log(p.N));
  const lS = points.map((p) => Math.log(p.Smin));
  const lL = points.map((p) => Math.log(p.loss));
  // x = [log N_c, log S_c, alpha_N, alpha_S]; residuals of log loss
  const f: ResidualFn = (x) => {
    const [lNc, lSc, aN, aS] = x as [number, number, number, number];
    const r: number[] = [];
    const J: number[][] = [];
    for (let i = 0; i < lN.length; i++) {
      const u = Math.exp(aN * (lNc - lN[i]!));
      const w = Math.exp(aS * (lSc - lS[i]!));
      const m = u + w;
      r.push(Math.log(m) - lL[i]!);
      J.push([(aN * u) / m, (aS * w) / m, ((lNc - lN[i]!) * u) / m, ((lSc - lS[i]!) * w) / m]);
    }
    return { r, J };
  };
  const best = multiStart((s) => levenbergMarquardt(f, s, { lower: [null, null, 1e-3, 1e-3] }), starts ?? grid([20, 25, 30, 35], [5, 10, 15], [0.05, 0.1, 0.3], [0.1, 0.3, 0.7]));
  if (!best) throw new FitError('L(N, S_min): no start gave a finite objective');
  const [lNc, lSc, aN, aS] = best.x as [number, number, number, number];
  return { x: best.x, params: { N_c: Math.exp(lNc), S_c: Math.exp(lSc), alpha_N: aN, alpha_S: aS }, objective: best.value };
}

/** L(N, S_min) = (N_c/N)^alpha_N + (S_c/S_min)^alpha_S from learning-curve points. */
export function fitKaplanSteps(points: readonly NSL[], opts: { bootstrap?: BootstrapOptions } = {}): FitResult {
  for (const k of ['N', 'Smin', 'loss'] as const) requirePositive(k, points.map((p) => p[k]));
  return fitWithUncertainty({
    law: 'kaplan-steps',
    points,
    core: kaplanStepsCore,
    jitter: [1, 1, 0.01, 0.05],
    predict: (p, pt) => predictKaplanSteps(p, pt.N, pt.Smin),
    actual: (pt) => pt.loss,
    scale: { label: 'N', value: (pt) => pt.N },
    defaultCount: 100,
    ...(opts.bootstrap ? { bootstrap: opts.bootstrap } : {}),
  });
}
