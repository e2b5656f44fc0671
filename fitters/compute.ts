/**
 * Laws in compute and tokens:
 *   DeepSeek (Bi et al. 2024):  lr = a_lr·C^alpha_lr,  batch = a_batch·C^alpha_batch   (C = M·D)
 *   Power scheduler (Shen et al. 2024): lr = batch·a·T^b  (T tokens), and its schedule as a table
 *   IsoFLOP (Chinchilla Approach 2): per budget a parabola of loss in log N; vertices give
 *   N*(C) = k_N·C^a_N and D*(C) = C/(6·N*)
 */
import { bootstrap, type BootstrapOptions } from './bootstrap.js';
import { olsColumns } from './linear.js';
import { fitPower, predictPower } from './power.js';
import { FitError, relErrors, requirePositive, type Backtest, type FitResult } from './types.js';

function prefixed(fit: FitResult, name: string, col: string): FitResult {
  const ren = (r: Record<string, number>): Record<string, number> => ({ [`a_${name}`]: r.a!, [`alpha_${name}`]: r[col]! });
  return {
    ...fit,
    params: ren(fit.params),
    intervals: { [`a_${name}`]: fit.intervals.a!, [`alpha_${name}`]: fit.intervals[col]! },
    ...(fit.samples ? { samples: fit.samples.map(ren) } : {}),
  };
}

/** DeepSeek's two laws fitted at once from per-scale optima (C, lr, batch). */
export function fitDeepSeek(rows: readonly { C: number; lr: number; batch: number }[], opts: { bootstrap?: BootstrapOptions } = {}): FitResult {
  const o = opts.bootstrap ? { bootstrap: opts.bootstrap } : {};
  const lr = prefixed(fitPower(rows.map((r) => ({ x: { C: r.C }, y: r.lr })), ['C'], o), 'lr', 'C');
  const bs = prefixed(fitPower(rows.map((r) => ({ x: { C: r.C }, y: r.batch })), ['C'], o), 'batch', 'C');
  const backtest: Backtest | null =
    lr.backtest && bs.backtest
      ? { ...lr.backtest, meanAbsRelError: lr.backtest.meanAbsRelError, maxAbsRelError: lr.backtest.maxAbsRelError, extra: { batch_mean_abs_rel_error: bs.backtest.meanAbsRelError, batch_max_abs_rel_error: bs.backtest.maxAbsRelError } }
      : null;
  const n = Math.min(lr.samples?.length ?? 0, bs.samples?.length ?? 0);
  return {
    law: 'deepseek',
    nPoints: rows.length,
    params: { ...lr.params, ...bs.params },
    intervals: { ...lr.intervals, ...bs.intervals },
    objective: lr.objective + bs.objective,
    residuals: lr.residuals,
    backtest,
    ...(n ? { samples: Array.from({ length: n }, (_, i) => ({ ...lr.samples![i]!, ...bs.samples![i]! })) } : {}),
  };
}

export function predictDeepSeek(p: Record<string, number>, C: number): { lr: number; batch: number } {
  return { lr: p.a_lr! * C ** p.alpha_lr!, batch: p.a_batch! * C ** p.alpha_batch! };
}

/** The Power scheduler's law lr* = batch·a·T^b, by least squares of log(lr/batch) on log T. */
export function fitPowerScheduler(rows: readonly { T: number; batch: number; lr: number }[], opts: { bootstrap?: BootstrapOptions } = {}): FitResult {
  for (const k of ['T', 'batch', 'lr'] as const) requirePositive(k, rows.map((r) => r[k]));
  const lT = Float64Array.from(rows, (r) => Math.log(r.T));
  const y = Float64Array.from(rows, (r) => Math.log(r.lr / r.batch));
  const core = (idx: number[] | null): Record<string, number> => {
    const c = olsColumns([lT], y, idx, ['T']);
    return { a: Math.exp(c[0]!), b: c[1]! };
  };
  const params = core(null);
  const boot = bootstrap(rows.length, core, { count: 1000, ...opts.bootstrap });
  const pred = rows.map((r) => predictPowerScheduler(params, r.T, r.batch));
  const rel = relErrors(pred, rows.map((r) => r.lr));
  const res = rows.map((r, i) => Math.log(pred[i]!) - Math.log(r.lr));
  const sse = res.reduce((s, x) => s + x * x, 0);
  const topT = Math.max(...rows.map((r) => r.T));
  let backtest: Backtest | null = null;
  const restIdx = rows.map((r, i) => (r.T === topT ? -1 : i)).filter((i) => i >= 0);
  if (new Set(restIdx.map((i) => rows[i]!.T)).size >= 2) {
    const p = core(restIdx);
    const held = rows.filter((r) => r.T === topT);
    const e = relErrors(held.map((r) => predictPowerScheduler(p, r.T, r.batch)), held.map((r) => r.lr));
    backtest = { heldOut: `T = ${topT.toPrecision(3)}`, nFit: restIdx.length, nHeldOut: held.length, meanAbsRelError: e.mean, maxAbsRelError: e.max };
  }
  return { law: 'power-scheduler', nPoints: rows.length, params, intervals: boot.intervals, objective: sse, residuals: { rmse: Math.sqrt(sse / rows.length), meanAbsRelError: rel.mean, maxAbsRelError: rel.max }, backtest, samples: boot.samples };
}

export function predictPowerScheduler(p: Record<string, number>, T: number, batch: number): number {
  return batch * p.a! * T ** p.b!;
}

export interface PowerScheduleOptions {
  a: number;
  b: number;
  /** batch size in the units the law was fitted in (β) */
  batch: number;
  /** tokens per optimizer step */
  tokensPerStep: number;
  totalTokens: number;
  /** upper bound of the learning rate */
  lrMax: number;
  warmupTokens?: number;
  /** fraction of the tokens, at the end, over which the rate decays (default 0.1) */
  decayFraction?: number;
  decay?: 'exponential' | 'linear';
  /** rate at the very end (default lrMax/1000 for exponential, 0 for linear) */
  finalLr?: number;
}

/**
 * The Power scheduler as a table a trainer can read: linear warmup, then lr(n) = min(lrMax, β·a·n^b)
 * with n the tokens seen, then a final decay over the last `decayFraction` of the tokens.
 */
export function powerSchedule(o: PowerScheduleOptions): { step: number; tokens: number; lr: number }[] {
  if (!(o.tokensPerStep > 0 && o.totalTokens >= o.tokensPerStep)) throw new FitError('schedule: tokens per step must be positive and at most the total tokens');
  if (!(o.lrMax > 0)) throw new FitError('schedule: lr max must be positive');
  const steps = Math.floor(o.totalTokens / o.tokensPerStep);
  const warm = o.warmupTokens ?? 0;
  const frac = o.decayFraction ?? 0.1;
  if (!(frac >= 0 && frac < 1)) throw new FitError(`schedule: decay fraction ${frac}; allowed: 0 to below 1`);
  const decayStart = o.totalTokens * (1 - frac);
  const stable = (n: number): number => Math.min(o.lrMax, o.batch * o.a * Math.max(n, 1) ** o.b);
  const atDecay = stable(decayStart);
  const final = o.finalLr ?? (o.decay === 'linear' ? 0 : atDecay / 1000);
  const out: { step: number; tokens: number; lr: number }[] = [];
  for (let s = 1; s <= steps; s++) {
    const n = s * o.tokensPerStep;
    let lr: number;
    if (n <= warm) lr = stable(warm) * (n / warm);
    else if (n <= decayStart || frac === 0) lr = stable(n);
    else {
      const t = (n - decayStart) / (o.totalTokens - decayStart);
      lr = o.decay === 'linear' ? atDecay + (final - atDecay) * t : atDecay * (Math.max(final, 1e-300) / atDecay) ** t;
    }
    out.push({ step: s, tokens: n, lr });
  }
  return out;
}

/** The vertex of a parabola of y in u = log(x), refusing one outside the points (not bracketed). */
export function logParabolaVertex(xs: readonly number[], ys: readonly number[], what: string): { x: number; y: number } {
  const i = ys.indexOf(Math.min(...ys));
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  if (xs[i] === lo || xs[i] === hi) throw new FitError(`${what}: the lowest loss is at the ${xs[i] === lo ? 'smallest' : 'largest'} N of the profile; the optimum is not bracketed`);
  const u = Float64Array.from(xs, Math.log);
  const c = olsColumns([u, Float64Array.from(u, (v) => v * v)], Float64Array.from(ys), null, ['log N', 'log N²']);
  const [c0, c1, c2] = c as [number, number, number];
  if (!(c2 > 0)) throw new FitError(`${what}: the profile does not curve upwards in log N`);
  const v = -c1 / (2 * c2);
  return { x: Math.exp(v), y: c0 + c1 * v + c2 * v * v };
}

/** IsoFLOP profiles: rows (C, N, loss) grouped by C; a vertex per budget; N*(C) as a power law. */
export function fitIsoflop(rows: readonly { C: number; N: number; loss: number }[], opts: { bootstrap?: BootstrapOptions } = {}): FitResult & { vertices: { C: number; N: number; D: number; loss: number }[] } {
  for (const k of ['C', 'N', 'loss'] as const) requirePositive(k, rows.map((r) => r[k]));
  const budgets = [...new Set(rows.map((r) => r.C))].sort((a, b) => a - b);
  const vertices = budgets.map((C) => {
    const prof = rows.filter((r) => r.C === C);
    if (prof.length < 3) throw new FitError(`IsoFLOP budget C = ${C.toPrecision(3)} has ${prof.length} runs; a parabola needs at least 3`);
    const v = logParabolaVertex(prof.map((r) => r.N), prof.map((r) => r.loss), `IsoFLOP budget C = ${C.toPrecision(3)}`);
    return { C, N: v.x, D: C / (6 * v.x), loss: v.y };
  });
  if (vertices.length < 2) throw new FitError('IsoFLOP needs profiles at two or more compute budgets');
  const fit = fitPower(vertices.map((v) => ({ x: { C: v.C }, y: v.N })), ['C'], opts.bootstrap ? { bootstrap: opts.bootstrap } : {});
  const ren = (r: Record<string, number>): Record<string, number> => ({ k_N: r.a!, a_N: r.C! });
  return { ...fit, law: 'isoflop', nPoints: rows.length, params: ren(fit.params), intervals: { k_N: fit.intervals.a!, a_N: fit.intervals.C! }, ...(fit.samples ? { samples: fit.samples.map(ren) } : {}), vertices };
}

export function predictIsoflop(p: Record<string, number>, C: number): { N: number; D: number } {
  const N = predictPower({ a: p.k_N!, C: p.a_N! }, { C }, ['C']);
  return { N, D: C / (6 * N) };
}
