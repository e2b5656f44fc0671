/**
 * The hyperparameter laws fitted to every run of every scale at once, rather than to one optimum per
 * scale. Each run's loss is modelled as its scale's best loss times a basin around the laws' optimum:
 *
 *   ln loss = ln L_s + c_uu·u² + c_uuu·u³ + c_vv·v² + c_uv·u·v,
 *   u = ln lr − ln lr*(N, D),   v = ln B − ln B*(D),
 *
 * one basin shape shared by the scales (cubic in u and in v: basins are skewed), one best loss per
 * scale, and the laws' own parameters, by Levenberg–Marquardt from the per-scale fit. A scale with five
 * runs cannot place its own optimum to better than the noise, but its runs still say which side of the
 * ridge lr*(N, D) they fell on, and the ridge is what the target needs: so a budget that spends few runs
 * at the largest scales loses less (bench/transfer). Only lr* is taken from it: the batch basin is
 * kinked where the batch passes the critical batch size, and a smooth shared shape puts its centre
 * above the kink — measured, B*(D) from the joint fit missed the target by far more than B*(D) fitted
 * to each scale's optimum — so B*'s centre is fitted here only so that lr's is not confounded with it.
 * Intervals: the runs resampled within each scale and the whole model refitted — the runs' noise, not
 * whether the scales lie on one power law, so it needs more scales than the law has coefficients. Pure.
 */
import { Rng } from '../../src/core/rng.js';
import { levenbergMarquardt } from '../optimize.js';
import type { LawSet } from './laws.js';
import type { LawSummary, ScaleSummary } from './types.js';

/** Runs of a scale the joint fit reads: the better part of its runs, as the per-scale cubic does (the basin, not the cliffs). */
const KEEP_SHARE = 0.6;
const KEEP_AT_LEAST = 6;

interface Point {
  scale: number;
  lnLr: number;
  lnB: number | null;
  y: number;
}

interface Layout {
  S: number;
  /** log inputs of each law, centred (k: the input name) */
  lrX: { k: 'N' | 'D'; m: number }[];
  bX: { k: 'N' | 'D'; m: number }[];
  twoD: boolean;
  /** per scale, its centred log inputs */
  scaleLogs: Record<'N' | 'D', number>[];
}

/** The model's parameter vector: [ln L_s …, c_uu, c_uuu, (c_vv, c_uv), ln a′, lr exponents…, (ln b′, batch exponents…)]. */
function offsets(L: Layout): { c: number; lr: number; b: number; p: number } {
  const c = L.S;
  const lr = c + (L.twoD ? 5 : 2);
  const b = lr + 1 + L.lrX.length;
  return { c, lr, b, p: L.twoD ? b + 1 + L.bX.length : b };
}

function residuals(L: Layout, pts: readonly Point[], x: readonly number[]): { r: number[]; J: number[][] } {
  const o = offsets(L);
  const r: number[] = [];
  const J: number[][] = [];
  for (const q of pts) {
    const logs = L.scaleLogs[q.scale]!;
    const lrStar = x[o.lr]! + L.lrX.reduce((s, e, j) => s + x[o.lr + 1 + j]! * logs[e.k], 0);
    const u = q.lnLr - lrStar;
    const [cuu, cuuu] = [x[o.c]!, x[o.c + 1]!];
    let model = x[q.scale]! + cuu * u * u + cuuu * u * u * u;
    const row = new Array<number>(o.p).fill(0);
    row[q.scale] = -1;
    row[o.c] = -u * u;
    row[o.c + 1] = -u * u * u;
    // d(model)/du; r = y − model, u = ln lr − lr*, so dr/d(lr*) = d(model)/du
    let dU = 2 * cuu * u + 3 * cuuu * u * u;
    if (L.twoD && q.lnB !== null) {
      const bStar = x[o.b]! + L.bX.reduce((s, e, j) => s + x[o.b + 1 + j]! * logs[e.k], 0);
      const v = q.lnB - bStar;
      const [cvv, cuv, cvvv] = [x[o.c + 2]!, x[o.c + 3]!, x[o.c + 4]!];
      model += cvv * v * v + cuv * u * v + cvvv * v * v * v;
      row[o.c + 2] = -v * v;
      row[o.c + 3] = -u * v;
      row[o.c + 4] = -v * v * v;
      dU += cuv * v;
      const dV = 2 * cvv * v + cuv * u + 3 * cvvv * v * v;
      row[o.b] = dV;
      L.bX.forEach((e, j) => (row[o.b + 1 + j] = dV * logs[e.k]));
    }
    row[o.lr] = dU;
    L.lrX.forEach((e, j) => (row[o.lr + 1 + j] = dU * logs[e.k]));
    r.push(q.y - model);
    J.push(row);
  }
  return { r, J };
}

export interface JointFit {
  lr: LawSummary;
  /** the shared basin's coefficients of u², u³ and (with a batch size) v², u·v, v³ */
  basin: Record<string, number>;
  /** runs it read */
  runs: number;
}

/**
 * The joint fit, started from the per-scale laws (`lr`, `batch`: their inputs and first values); why
 * not, when there are too few runs for its parameters, the basin it finds is not a minimum, or its lr*
 * lies beyond a scale's runs (a centre extrapolated from one side of a basin is not measured).
 */
export function fitJointLaws(scales: readonly ScaleSummary[], lr: LawSummary, batch: LawSummary | null, opts: { seed?: number; count?: number } = {}): JointFit | { none: string } {
  const usable = scales.filter((s) => s.N !== null && s.runs.length > 0);
  const twoD = batch !== null;
  const mean = (xs: number[]): number => xs.reduce((s, v) => s + v, 0) / xs.length;
  const logsOf = (s: ScaleSummary): Record<'N' | 'D', number> => ({ N: Math.log(s.N!), D: Math.log(s.D) });
  const mN = mean(usable.map((s) => logsOf(s).N));
  const mD = mean(usable.map((s) => logsOf(s).D));
  const centre = (names: readonly string[]) => names.map((k) => ({ k: k as 'N' | 'D', m: k === 'N' ? mN : mD }));
  const lrX = centre(lr.x);
  const bX = batch ? centre(batch.x) : [];
  const L: Layout = {
    S: usable.length,
    lrX,
    bX,
    twoD,
    // both laws centre an input on the same mean
    scaleLogs: usable.map((s) => ({ N: logsOf(s).N - mN, D: logsOf(s).D - mD })),
  };
  // every finite run per scale; the fit reads the better part of them (chosen again in each resample)
  const byScale: Point[][] = usable.map((s, i) =>
    s.runs
      .filter((r) => r.loss > 0 && Number.isFinite(r.loss) && r.lr > 0 && (!twoD || (r.batch !== null && r.batch > 0)))
      .map((r) => ({ scale: i, lnLr: Math.log(r.lr), lnB: twoD ? Math.log(r.batch!) : null, y: Math.log(r.loss) })),
  );
  const better = (runs: readonly Point[][]): Point[] => runs.flatMap((qs) => [...qs].sort((a, b) => a.y - b.y).slice(0, Math.max(KEEP_AT_LEAST, Math.ceil(KEEP_SHARE * qs.length))));
  const pts = better(byScale);
  const o = offsets(L);
  const noBasin = { none: 'the fit over every run found no basin (too few runs, or none that rises on both sides)' };
  if (pts.length < o.p + 5) return noBasin;

  // start: each scale's best loss, a mild basin, the per-scale laws in centred form
  const x0 = new Array<number>(o.p).fill(0);
  usable.forEach((_, i) => (x0[i] = Math.min(...pts.filter((q) => q.scale === i).map((q) => q.y))));
  x0[o.c] = 0.005;
  if (twoD) x0[o.c + 2] = 0.003;
  x0[o.lr] = Math.log(lr.params.a!) + lrX.reduce((s, e) => s + lr.params[e.k]! * e.m, 0);
  lrX.forEach((e, j) => (x0[o.lr + 1 + j] = lr.params[e.k]!));
  if (batch) {
    x0[o.b] = Math.log(batch.params.a!) + bX.reduce((s, e) => s + batch.params[e.k]! * e.m, 0);
    bX.forEach((e, j) => (x0[o.b + 1 + j] = batch.params[e.k]!));
  }
  const lower = x0.map((_, j) => (j === o.c || (twoD && j === o.c + 2) ? 1e-7 : null));
  const solve = (p: readonly Point[], start: readonly number[], maxIterations = 200) => levenbergMarquardt((x) => residuals(L, p, x), start, { lower, maxIterations });
  const best = solve(pts, x0);
  if (!Number.isFinite(best.value) || !minimum(best.x, o, twoD)) return noBasin;
  const outside = usable.filter((s, i) => {
    const at = Math.exp(best.x[o.lr]! + lrX.reduce((sum, e, j) => sum + best.x[o.lr + 1 + j]! * L.scaleLogs[i]![e.k], 0));
    const lrs = s.runs.map((r) => r.lr);
    return at < Math.min(...lrs) || at > Math.max(...lrs);
  });
  if (outside.length) return { none: `the fit over every run puts lr* beyond the runs at ${outside.map((s) => s.name).join(', ')}, where no run brackets it` };

  const lawParams = (x: readonly number[], at: number, xs: { k: 'N' | 'D'; m: number }[]): Record<string, number> => ({
    a: Math.exp(x[at]! - xs.reduce((s, e, j) => s + x[at + 1 + j]! * e.m, 0)),
    ...Object.fromEntries(xs.map((e, j) => [e.k, x[at + 1 + j]!])),
  });

  // resample each scale's runs, choose the better part again, refit: the spread of the laws' parameters
  const rng = new Rng(opts.seed ?? 0, 0x4a4f4e54);
  const lrSamples: Record<string, number>[] = [];
  for (let b = 0; b < (opts.count ?? 200); b++) {
    const draw = better(byScale.map((qs) => qs.map(() => qs[rng.int(0, qs.length - 1)]!)));
    // started from the estimate, a resample needs few steps; the cap keeps 200 of them cheap
    const fit = solve(draw, best.x, 40);
    if (!Number.isFinite(fit.value) || !minimum(fit.x, o, twoD)) continue;
    lrSamples.push(lawParams(fit.x, o.lr, lrX));
  }
  const xsPredict = (params: Record<string, number>, s: ScaleSummary): number => lr.x.reduce((acc, k) => acc * (k === 'N' ? s.N! : s.D) ** params[k]!, params.a!);
  const summary = (base: LawSummary, params: Record<string, number>, samples: Record<string, number>[]): LawSummary => {
    const intervals: Record<string, [number, number]> = {};
    for (const k of Object.keys(params)) {
      const vs = samples.map((s) => s[k]!).sort((a, b) => a - b);
      if (vs.length >= 10) intervals[k] = [vs[Math.floor(0.025 * (vs.length - 1))]!, vs[Math.ceil(0.975 * (vs.length - 1))]!];
    }
    const { samples: _drop, ...rest } = base;
    // residuals as the per-scale law reports them: each scale's own optimum against the law
    const opt = usable.filter((s) => s.optimum !== null);
    const law = opt.map((s) => xsPredict(params, s));
    const rel = opt.map((s, i) => Math.abs(law[i]! / s.optimum!.lr - 1));
    const residuals = opt.length
      ? { rmse: Math.sqrt(opt.reduce((sum, s, i) => sum + Math.log(law[i]! / s.optimum!.lr) ** 2, 0) / opt.length), meanAbsRelError: rel.reduce((a, b) => a + b, 0) / rel.length, maxAbsRelError: Math.max(...rel) }
      : base.residuals;
    return { ...rest, params, intervals, residuals, why: `${base.why.replace(/; fitted to each scale's optimum, weighted by its runs$/, '')}; fitted to the better runs of every scale at once (${pts.length} runs, one basin shape shared by the scales), not to one optimum per scale`, ...(samples.length ? { samples } : {}) };
  };
  const names = twoD ? ['uu', 'uuu', 'vv', 'uv', 'vvv'] : ['uu', 'uuu'];
  return { lr: summary(lr, lawParams(best.x, o.lr, lrX), lrSamples), basin: Object.fromEntries(names.map((k, i) => [k, best.x[o.c + i]!])), runs: pts.length };
}

/** The basin's centre is a minimum: positive curvature in u, and in (u, v) jointly. */
function minimum(x: readonly number[], o: ReturnType<typeof offsets>, twoD: boolean): boolean {
  const uu = x[o.c]!;
  if (!(uu > 0)) return false;
  if (!twoD) return true;
  const vv = x[o.c + 2]!;
  const uv = x[o.c + 3]!;
  return vv > 0 && 4 * uu * vv - uv * uv > 0;
}

/**
 * The laws with lr* taken from the joint fit; unchanged, with a note (when `notes` is given), where
 * the joint fit cannot be made.
 */
export function withJointLr(scales: readonly ScaleSummary[], laws: LawSet, seed: number, count: number, notes: string[] | null): LawSet {
  if (!laws.lr) return laws;
  // its intervals come from the runs' noise and take the power law itself for granted: with no more
  // scales than the law has coefficients nothing tests that, and the optima's exact fit (no interval) says so
  if (scales.filter((s) => s.N !== null && s.runs.length > 0).length <= laws.lr.x.length + 1) return laws;
  const j = fitJointLaws(scales, laws.lr, laws.batch, { seed, count });
  if (!('none' in j)) return { ...laws, lr: j.lr };
  notes?.push(`lr*: fitted to each scale's optimum: ${j.none}`);
  return laws;
}
