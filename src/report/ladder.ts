/**
 * What a scale ladder says, as pure data for the terminal, the reports and the CI gate:
 *
 * 1. per scale, the optimum of its search — on a grid, a quadratic in log lr (and log batch, when the
 *    batch size is searched) around the best point; for scattered runs, a cubic (basins are skewed)
 *    fitted to the better 60% of them — or the best run itself when that surface has no minimum among
 *    the runs (said so);
 * 2. the laws across scales — lr* = a·N^α·D^β and B* = b·N^·D^γ (least squares in log space, Student-t
 *    intervals: with one optimum per scale, resampling scales is too coarse), and the loss law
 *    (Chinchilla with enough scales that N and D vary apart, else E + A·N^−α) — declared in `fit:` or
 *    chosen here from what the scales support, and said which and why;
 * 3. their prediction for the target, with intervals;
 * 4. the backtest: every law refitted without the largest scale and compared with what that scale found.
 */
import { fitChinchilla, predictChinchilla, type ChinchillaParams } from '../../fitters/chinchilla.js';
import { argmin, cubicOptimum, quadraticOptimum } from '../../fitters/optimum.js';
import { fitPower, fitPowerOffset, predictPower, predictPowerOffset } from '../../fitters/power.js';
import { predictWithInterval } from '../../fitters/laws.js';
import { FitError, type FitResult } from '../../fitters/types.js';
import type { LadderFitConfig, StudyConfig } from '../config/index.js';
import type { Metric, Trial } from '../core/trial.js';
import { inSearch, ladderOrder } from '../orchestrator/ladder.js';

export interface LadderRun {
  trial: number;
  lr: number;
  batch: number | null;
  loss: number;
}

export interface ScaleSummary {
  name: string;
  /** non-embedding parameters: declared, or the runs' `params` metric */
  N: number | null;
  D: number;
  runs: LadderRun[];
  /** trials of the scale's search in every state, and its budget (null: until the grid ends) */
  trials: number;
  budget: number | null;
  done: boolean;
  failed: number;
  best: LadderRun | null;
  /** the interpolated optimum (quadratic vertex), else the best run's */
  optimum: { lr: number; batch: number | null; loss: number; method: 'interpolated' | 'best-run'; note?: string } | null;
}

export interface LawSummary {
  /** what it predicts */
  y: 'lr' | 'batch' | 'loss';
  law: 'power' | 'power-offset' | 'chinchilla';
  /** inputs (N, D) */
  x: string[];
  formula: string;
  chosen: 'declared' | 'auto';
  why: string;
  params: Record<string, number>;
  intervals: Record<string, [number, number]>;
  residuals: FitResult['residuals'];
  /** bootstrap or t draws of the parameters (kept out of JSON reports) */
  samples?: Record<string, number>[];
}

export interface Predicted {
  value: number;
  interval: [number, number] | null;
}

export interface LadderBacktest {
  scale: string;
  N: number;
  D: number;
  lr: { predicted: Predicted; measured: number } | null;
  batch: { predicted: Predicted; measured: number } | null;
  loss: { predicted: Predicted; measured: number } | null;
  /** loss of the run nearest the predicted hyperparameters against the scale's best run */
  lossGap: { run: number; loss: number; gap: number } | null;
}

export interface LadderSummary {
  metric: string;
  lrParam: string;
  batchParam: string | null;
  scales: ScaleSummary[];
  target: { name: string; N: number; D: number } | null;
  laws: { lr: LawSummary | null; batch: LawSummary | null; loss: LawSummary | null };
  prediction: { lr: Predicted | null; batch: Predicted | null; loss: Predicted | null } | null;
  backtest: LadderBacktest | null;
  notes: string[];
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** The optimum of one scale's runs. */
export function scaleOptimum(runs: readonly LadderRun[], twoD: boolean): ScaleSummary['optimum'] {
  if (runs.length === 0) return null;
  const best = argmin(runs);
  const fallback = (note: string): ScaleSummary['optimum'] => ({ lr: best.lr, batch: best.batch, loss: best.loss, method: 'best-run', note });
  const k = twoD ? 8 : 4;
  if (runs.length < 5) return fallback(`${runs.length} runs; an interpolated optimum needs at least 5`);
  // the better part of the runs: the basin, not the cliffs around it
  const sorted = [...runs].sort((a, b) => a.loss - b.loss);
  const used = sorted.slice(0, Math.max(k + 2, Math.ceil(0.6 * runs.length)));
  const grid = new Set(runs.map((r) => r.lr)).size * (twoD ? new Set(runs.map((r) => r.batch)).size : 1) <= runs.length;
  const pts = (rs: readonly LadderRun[]) => rs.map((r) => ({ lr: r.lr, loss: r.loss, ...(twoD ? { batch: r.batch! } : {}) }));
  try {
    // a grid has its own bracketing rules; scattered runs get a least-squares cubic over the best 60%
    const q = grid ? quadraticOptimum(pts(runs)) : cubicOptimum(pts(used));
    return { lr: q.lr, batch: twoD ? q.batch! : best.batch, loss: q.loss, method: 'interpolated' };
  } catch (e) {
    if (!(e instanceof FitError)) throw e;
    if (twoD) {
      // the batch size may be what failed (e.g. not bracketed): the lr optimum at the best run's batch
      const same = runs.filter((r) => r.batch === best.batch);
      const one = same.length >= 3 ? scaleOptimum(same, false) : null;
      if (one?.method === 'interpolated') return { ...one, batch: best.batch, note: `${e.message}; lr interpolated at the best run's batch size` };
    }
    return fallback(e.message);
  }
}

/** Is log D a straight line of log N across these scales (so their effects cannot be told apart)? */
function collinear(rows: readonly { N: number; D: number }[]): boolean {
  const x = rows.map((r) => Math.log(r.N));
  const y = rows.map((r) => Math.log(r.D));
  const mx = x.reduce((s, v) => s + v, 0) / x.length;
  const my = y.reduce((s, v) => s + v, 0) / y.length;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  x.forEach((xi, i) => {
    sxy += (xi - mx) * (y[i]! - my);
    sxx += (xi - mx) ** 2;
    syy += (y[i]! - my) ** 2;
  });
  if (sxx < 1e-12 || syy < 1e-12) return true;
  return (sxy * sxy) / (sxx * syy) > 0.999;
}

interface Row {
  N: number;
  D: number;
  lr: number;
  batch: number | null;
  loss: number;
}

/** Which inputs a hyperparameter law can use on these rows, and why. */
function chooseInputs(rows: readonly Row[], declared: LadderFitConfig['lr'], y: 'lr' | 'batch'): { x: ('N' | 'D')[]; chosen: 'declared' | 'auto'; why: string } | null {
  if (declared === 'none') return null;
  if (declared !== 'auto') return { x: declared, chosen: 'declared', why: 'declared in fit:' };
  const nN = new Set(rows.map((r) => r.N)).size;
  const nD = new Set(rows.map((r) => r.D)).size;
  if (y === 'batch') {
    if (nD >= 2) return { x: ['D'], chosen: 'auto', why: "Step Law's B*(D): the optimal batch follows the data size" };
    return null;
  }
  if (nN >= 2 && nD >= 2 && rows.length >= 4 && !collinear(rows)) return { x: ['N', 'D'], chosen: 'auto', why: "Step Law's form: the scales vary N and D apart" };
  if (nN >= 2) return { x: ['N'], chosen: 'auto', why: nD >= 2 ? 'N and D grow together across the scales, so one exponent carries both: the law holds at the same tokens per parameter' : 'only N varies across the scales' };
  if (nD >= 2) return { x: ['D'], chosen: 'auto', why: 'only D varies across the scales' };
  return null;
}

function chooseLossLaw(rows: readonly Row[], declared: LadderFitConfig['loss']): { law: 'chinchilla' | 'power-offset'; chosen: 'declared' | 'auto'; why: string } | null {
  if (declared === 'none') return null;
  if (declared !== 'auto') return { law: declared, chosen: 'declared', why: 'declared in fit:' };
  if (rows.length >= 6 && !collinear(rows)) return { law: 'chinchilla', chosen: 'auto', why: 'six or more scales that vary N and D apart' };
  if (new Set(rows.map((r) => r.N)).size >= 3) return { law: 'power-offset', chosen: 'auto', why: rows.length >= 6 ? 'N and D grow together, so Chinchilla’s two terms cannot be told apart; loss as E + A·N^−α' : 'fewer than six scales: E + A·N^−α (Chinchilla’s five constants need more)' };
  return null;
}

interface FittedLaw {
  summary: LawSummary;
  predict: (N: number, D: number) => number;
  fit: FitResult;
}

function fitHpLaw(rows: readonly Row[], y: 'lr' | 'batch', choice: { x: ('N' | 'D')[]; chosen: 'declared' | 'auto'; why: string }, seed: number): FittedLaw {
  const data = rows.map((r) => ({ x: { N: r.N, D: r.D }, y: y === 'lr' ? r.lr : r.batch! }));
  const fit = fitPower(data, choice.x, { intervals: 'ols', bootstrap: { seed, count: 1000 } });
  return {
    fit,
    predict: (N, D) => predictPower(fit.params, { N, D }, choice.x),
    summary: { y, law: 'power', x: choice.x, formula: `${y}* = a·${choice.x.map((k) => `${k}^${k}`).join('·')} (each exponent named after its input)`, chosen: choice.chosen, why: choice.why, params: fit.params, intervals: fit.intervals, residuals: fit.residuals, ...(fit.samples ? { samples: fit.samples } : {}) },
  };
}

function fitLossLaw(rows: readonly Row[], choice: { law: 'chinchilla' | 'power-offset'; chosen: 'declared' | 'auto'; why: string }, seed: number, quick = false): FittedLaw {
  if (choice.law === 'chinchilla') {
    const fit = fitChinchilla(rows.map((r) => ({ N: r.N, D: r.D, loss: r.loss })), { bootstrap: { seed, count: quick ? 10 : 100 }, holdOut: null });
    return {
      fit,
      predict: (N, D) => predictChinchilla(fit.params as ChinchillaParams, N, D),
      summary: { y: 'loss', law: 'chinchilla', x: ['N', 'D'], formula: 'loss = E + A/N^alpha + B/D^beta', chosen: choice.chosen, why: choice.why, params: fit.params, intervals: fit.intervals, residuals: fit.residuals, ...(fit.samples ? { samples: fit.samples } : {}) },
    };
  }
  const fit = fitPowerOffset(rows.map((r) => ({ x: { N: r.N }, y: r.loss })), 'N', { bootstrap: { seed, count: quick ? 20 : 200 } });
  return {
    fit,
    predict: (N) => predictPowerOffset(fit.params, N),
    summary: { y: 'loss', law: 'power-offset', x: ['N'], formula: 'loss = E + A·N^-alpha', chosen: choice.chosen, why: choice.why, params: fit.params, intervals: fit.intervals, residuals: fit.residuals, ...(fit.samples ? { samples: fit.samples } : {}) },
  };
}

function predictAt(law: FittedLaw, N: number, D: number): Predicted {
  const s = law.summary;
  if (s.law === 'chinchilla') {
    const p = predictWithInterval('chinchilla', law.fit, { N, D }, {});
    return { value: p.value.loss!, interval: p.interval.loss ?? null };
  }
  const lawName = s.law === 'power' ? 'power' : 'power-offset';
  const p = predictWithInterval(lawName, law.fit, { N, D }, { x: s.x, y: s.y });
  return { value: p.value[s.y]!, interval: p.interval[s.y] ?? null };
}

interface LawSet {
  lr: FittedLaw | null;
  batch: FittedLaw | null;
  loss: FittedLaw | null;
}

function fitLaws(rows: readonly Row[], fitCfg: LadderFitConfig, twoD: boolean, seed: number, notes: string[] | null, quick = false): LawSet {
  const out: LawSet = { lr: null, batch: null, loss: null };
  const attempt = <T>(what: string, f: () => T): T | null => {
    try {
      return f();
    } catch (e) {
      if (!(e instanceof FitError) && !(e instanceof RangeError)) throw e;
      notes?.push(`${what}: not fitted: ${e.message}`);
      return null;
    }
  };
  const lrChoice = chooseInputs(rows, fitCfg.lr, 'lr');
  if (lrChoice) out.lr = attempt('lr*', () => fitHpLaw(rows, 'lr', lrChoice, seed));
  else if (fitCfg.lr !== 'none') notes?.push('lr*: not fitted: the scales do not vary N or D');
  if (twoD) {
    const bChoice = chooseInputs(rows, fitCfg.batch, 'batch');
    if (bChoice) out.batch = attempt('B*', () => fitHpLaw(rows, 'batch', bChoice, seed + 1));
    else if (fitCfg.batch !== 'none') notes?.push('B*: not fitted: the scales do not vary D');
  }
  const lossChoice = chooseLossLaw(rows, fitCfg.loss);
  if (lossChoice) out.loss = attempt('loss', () => fitLossLaw(rows, lossChoice, seed + 2, quick));
  else if (fitCfg.loss !== 'none') notes?.push('loss: not fitted: a loss law needs three or more model sizes');
  return out;
}

export interface LadderInput {
  config: StudyConfig;
  trials: readonly Trial[];
  /** the runs' metrics (only `params` is read, for scales that do not declare N) */
  metrics?: readonly Metric[];
  seed?: number;
  /** for live views: no backtest, fewer resamples behind the intervals */
  quick?: boolean;
}

export function summarizeLadder(input: LadderInput): LadderSummary {
  const cfg = input.config;
  const fitCfg: LadderFitConfig = cfg.fit ?? { lr: 'auto', batch: 'auto', loss: 'auto', lrParam: 'lr', batchParam: 'batch_size' };
  const seed = input.seed ?? 0;
  const notes: string[] = [];
  const lrParam = fitCfg.lrParam;
  const batchDist = cfg.parameters[fitCfg.batchParam];
  const batchParam = batchDist ? fitCfg.batchParam : null;

  const reportedN = new Map<number, number>();
  for (const m of input.metrics ?? []) if (m.name === 'params' && m.value !== null) reportedN.set(m.trialId, m.value);

  const scales: ScaleSummary[] = ladderOrder(cfg).map(({ scale }) => {
    const all = input.trials.filter((t) => inSearch(t, scale.name));
    const counted = all.filter((t) => t.state !== 'STALE');
    const runs: LadderRun[] = [];
    for (const t of counted) {
      const lr = num(t.params[lrParam]);
      const v = num(t.value);
      if (t.state !== 'COMPLETE' || lr === null || v === null) continue;
      runs.push({ trial: t.number, lr, batch: batchParam ? num(t.params[batchParam]) : null, loss: v });
    }
    const Ns = counted.map((t) => reportedN.get(t.id)).filter((v): v is number => v !== undefined);
    const N = scale.params ?? (Ns.length ? Ns.sort((a, b) => a - b)[Math.floor(Ns.length / 2)]! : null);
    const budget = scale.runCap ?? cfg.runCap ?? null;
    const finished = counted.filter((t) => t.state === 'COMPLETE' || t.state === 'FAIL' || t.state === 'PRUNED').length;
    const twoD = batchParam !== null && new Set(runs.map((r) => r.batch)).size >= 2;
    return {
      name: scale.name,
      N,
      D: scale.tokens,
      runs,
      trials: counted.length,
      budget,
      done: budget !== null ? finished >= budget : finished > 0 && finished === counted.length,
      failed: counted.filter((t) => t.state === 'FAIL').length,
      best: runs.length ? argmin(runs) : null,
      optimum: scaleOptimum(runs, twoD),
    };
  });
  for (const s of scales) {
    if (s.optimum?.method === 'best-run' && s.optimum.note) notes.push(`${s.name}: the best run stands for the optimum (${s.optimum.note})`);
    if (s.N === null && s.runs.length) notes.push(`${s.name}: N unknown: declare params on the scale, or have the trainer report a params metric`);
  }

  const twoD = batchParam !== null && scales.some((s) => s.optimum && s.optimum.batch !== null && s.runs.some((r) => r.batch !== s.runs[0]!.batch));
  const rowOf = (s: ScaleSummary): Row | null => (s.optimum && s.N !== null ? { N: s.N, D: s.D, lr: s.optimum.lr, batch: s.optimum.batch, loss: s.optimum.loss } : null);
  const usable = scales.filter((s) => rowOf(s) !== null);
  const rows = usable.map((s) => rowOf(s)!);
  const laws = rows.length >= 2 ? fitLaws(rows, fitCfg, twoD, seed, notes, input.quick) : { lr: null, batch: null, loss: null };
  if (rows.length < 2) notes.push(`${rows.length} scale${rows.length === 1 ? '' : 's'} with an optimum; laws need two or more`);

  const target = cfg.target ? { name: cfg.target.name, N: cfg.target.params, D: cfg.target.tokens } : null;
  let prediction: LadderSummary['prediction'] = null;
  if (target) {
    prediction = {
      lr: laws.lr ? predictAt(laws.lr, target.N, target.D) : null,
      batch: laws.batch ? predictAt(laws.batch, target.N, target.D) : null,
      loss: laws.loss ? predictAt(laws.loss, target.N, target.D) : null,
    };
    const ratios = rows.map((r) => r.D / r.N);
    const tr = target.D / target.N;
    const Ds = new Set(rows.map((r) => r.D));
    const nOnly = (law: LawSummary | null): boolean => law !== null && !law.x.includes('D');
    if (rows.length > 0 && (nOnly(laws.lr?.summary ?? null) || nOnly(laws.loss?.summary ?? null))) {
      if (Ds.size === 1 && !Ds.has(target.D)) {
        notes.push(`every scale trains on D = ${fmt([...Ds][0]!)} tokens and the target on ${fmt(target.D)}; a law in N alone does not see that difference: add scales at other D`);
      } else if (Ds.size > 1 && (tr > 2 * Math.max(...ratios) || tr < Math.min(...ratios) / 2)) {
        notes.push(`the target trains ${fmt(tr)} tokens per parameter, the scales ${fmt(Math.min(...ratios))} to ${fmt(Math.max(...ratios))}; a law in N alone does not see that difference: add scales at the target's tokens per parameter, or that vary N and D apart`);
      }
    }
  }

  // backtest: every law again without the largest scale, then compared with what that scale found
  let backtest: LadderBacktest | null = null;
  if (usable.length >= 3 && !input.quick) {
    const largest = usable.reduce((a, b) => (a.N! * a.D >= b.N! * b.D ? a : b));
    const rest = usable.filter((s) => s !== largest).map((s) => rowOf(s)!);
    const bl = fitLaws(rest, fitCfg, twoD, seed, null);
    const N = largest.N!;
    const D = largest.D;
    const lr = bl.lr ? { predicted: predictAt(bl.lr, N, D), measured: largest.optimum!.lr } : null;
    const batch = bl.batch && largest.optimum!.batch !== null ? { predicted: predictAt(bl.batch, N, D), measured: largest.optimum!.batch } : null;
    const loss = bl.loss ? { predicted: predictAt(bl.loss, N, D), measured: largest.optimum!.loss } : null;
    let lossGap: LadderBacktest['lossGap'] = null;
    if (lr && largest.best) {
      const d = (r: LadderRun): number => (Math.log(r.lr) - Math.log(lr.predicted.value)) ** 2 + (batch && r.batch !== null ? (Math.log(r.batch) - Math.log(batch.predicted.value)) ** 2 : 0);
      const nearest = largest.runs.reduce((a, b) => (d(b) < d(a) ? b : a));
      lossGap = { run: nearest.trial, loss: nearest.loss, gap: nearest.loss / largest.best.loss - 1 };
    }
    backtest = { scale: largest.name, N, D, lr, batch, loss, lossGap };
  } else if (rows.length >= 2) notes.push('backtest: needs three or more scales (two to fit, the largest held back)');

  const lawSummary = (l: FittedLaw | null): LawSummary | null => l?.summary ?? null;
  return {
    metric: cfg.metric?.name ?? 'loss',
    lrParam,
    batchParam,
    scales,
    target,
    laws: { lr: lawSummary(laws.lr), batch: lawSummary(laws.batch), loss: lawSummary(laws.loss) },
    prediction,
    backtest,
    notes,
  };
}

/** Predict the laws of a summary at any (N, D) — for verify runs and charts. */
export function predictLadder(summary: LadderSummary, N: number, D: number): { lr: Predicted | null; batch: Predicted | null; loss: Predicted | null } {
  const at = (l: LawSummary | null): Predicted | null => {
    if (!l) return null;
    const fit = { params: l.params, ...(l.samples ? { samples: l.samples } : {}) };
    if (l.law === 'chinchilla') {
      const p = predictWithInterval('chinchilla', fit, { N, D }, {});
      return { value: p.value.loss!, interval: p.interval.loss ?? null };
    }
    const p = predictWithInterval(l.law, fit, { N, D }, { x: l.x, y: l.y });
    return { value: p.value[l.y]!, interval: p.interval[l.y] ?? null };
  };
  return { lr: at(summary.laws.lr), batch: at(summary.laws.batch), loss: at(summary.laws.loss) };
}

function fmt(v: number): string {
  return Number(v.toPrecision(3)).toString();
}
