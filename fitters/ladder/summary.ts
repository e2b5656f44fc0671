/**
 * What a scale ladder says, as pure data for the terminal, the reports and the CI gate: per scale the
 * optimum of its search, the laws across scales, their prediction for the target with intervals, and
 * the backtest — each with notes on what could not be done and why.
 */
import type { LadderFitConfig, StudyConfig } from '../../src/config/index.js';
import { gridValues, valueBounds, type Distribution } from '../../src/core/distributions.js';
import type { Metric, Trial } from '../../src/core/trial.js';
import { argmin } from '../optimum.js';
import { backtestLadder, measuredAt } from './backtest.js';
import { branchOf, branchTokens, harvestedRuns } from './harvest.js';
import { withJointLr } from './joint.js';
import { fitLaws, lawRow, type LawRow } from './laws.js';
import { chooseLossRecipe } from './loss-choice.js';
import { scaleOptimum, type RunLayout } from './optimum.js';
import { predictLadder } from './predict.js';
import { inSearch, ladderOrder, lrContinuousEverywhere } from './scales.js';
import type { LadderRun, LadderSummary, LawSummary, ScaleSummary } from './types.js';

export interface LadderInput {
  config: StudyConfig;
  trials: readonly Trial[];
  /** the runs' metrics (only `params` is read, for scales that do not declare N) */
  metrics?: readonly Metric[];
  seed?: number;
  /** for live views: no backtest, fewer resamples behind the intervals */
  quick?: boolean;
  /** budgeted scales whose search settled before their share was spent (the study's scale_settled events) */
  settled?: readonly string[];
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function fmt(v: number): string {
  return Number(v.toPrecision(3)).toString();
}

/** A discrete learning rate puts runs on grid points (whatever the method); a continuous one scatters them over its range. */
function runLayout(d: Distribution | undefined, transferred: boolean): RunLayout {
  if (!d) return { grid: false, lrRange: null };
  // a transferred scale searched a box around a prediction, not the configured range
  return gridValues(d) !== null ? { grid: true } : { grid: false, lrRange: transferred ? null : valueBounds(d) };
}

/** Whether the scale at this place in the ladder's order searched around the smaller scales' prediction (fitters/ladder/transfer.ts). */
function transferred(cfg: StudyConfig, position: number): boolean {
  return (cfg.transfer ?? 'none') !== 'none' && position >= 2;
}

/** Each scale's search, in search order: its runs, progress and optimum. */
function summarizeScales(input: LadderInput, lrParam: string, batchParam: string | null): ScaleSummary[] {
  const cfg = input.config;
  const reportedN = new Map<number, number>();
  const reportedFlops = new Map<number, number>();
  for (const m of input.metrics ?? []) {
    if (m.value === null) continue;
    if (m.name === 'params') reportedN.set(m.trialId, m.value);
    // the last report is the run's total
    if (m.name === 'flops') reportedFlops.set(m.trialId, m.value);
  }
  return ladderOrder(cfg).map(({ scale }, position) => {
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
    const ran = counted.filter((t) => t.state === 'COMPLETE' || t.state === 'FAIL' || t.state === 'PRUNED');
    const branches = input.trials.filter((t) => t.scale?.name === scale.name && branchOf(t) && t.state !== 'STALE' && t.state !== 'WAITING' && t.state !== 'RUNNING');
    const compute =
      N === null
        ? null
        : ran.reduce((sum, t) => sum + (reportedFlops.get(t.id) ?? 6 * N * scale.tokens), 0) +
          // a branch reports the whole run's flops (resumed from its checkpoint): only its decay is its own
          branches.reduce((sum, t) => sum + 6 * N * branchTokens(branchOf(t)!), 0);
    const optimum = scaleOptimum(runs, twoD, runLayout({ ...cfg.parameters, ...scale.parameters }[lrParam], transferred(cfg, position)));
    const open = counted.some((t) => t.state === 'RUNNING' || t.state === 'WAITING');
    return {
      name: scale.name,
      N,
      D: scale.tokens,
      runs,
      trials: counted.length,
      budget,
      // a budgeted scale may settle before its share is spent (fitters/ladder/budget.ts)
      done: budget !== null ? finished >= budget || (!open && (input.settled ?? []).includes(scale.name)) : finished > 0 && finished === counted.length,
      compute,
      failed: counted.filter((t) => t.state === 'FAIL').length,
      best: runs.length ? argmin(runs) : null,
      optimum,
    };
  });
}

/** Which metrics the ladder summary reads: N and compute, and with WSD-S the harvest markers and the metric at them. */
export function ladderMetricNames(cfg: StudyConfig): Set<string> {
  return new Set(['params', 'flops', ...(cfg.harvest?.design === 'wsds' ? ['harvest', cfg.metric?.name ?? 'loss'] : [])]);
}

/**
 * A harvest that fell short: a scale whose completed runs gave their loss at fewer budgets than asked —
 * branches that failed or were never queued (no checkpoint there), or WSD-S runs without `harvest`
 * reports. The laws then see fewer D than the config promises.
 */
function harvestShortfall(cfg: StudyConfig, scales: readonly ScaleSummary[], points: readonly ScaleSummary[], trials: readonly Trial[]): string[] {
  const h = cfg.harvest!;
  const out: string[] = [];
  for (const s of scales) {
    if (s.runs.length === 0) continue;
    const short = h.budgets.filter((f) => (points.find((p) => p.harvest!.scale === s.name && p.harvest!.budget === f)?.runs.length ?? 0) < s.runs.length);
    if (short.length === 0) continue;
    const mine = trials.filter((t) => t.scale?.name === s.name && branchOf(t));
    const failed = mine.filter((t) => t.state === 'FAIL').length;
    const why = h.design === 'wsds' ? 'its runs did not report {"harvest": <tokens>} there' : [failed ? `${failed} branch${failed === 1 ? '' : 'es'} failed` : '', mine.length < s.runs.length * (h.budgets.length - 1) ? 'some runs announced no checkpoint where a branch starts' : ''].filter(Boolean).join('; ') || 'branches still to run';
    const got = (f: number): number => points.find((p) => p.harvest!.scale === s.name && p.harvest!.budget === f)?.runs.length ?? 0;
    out.push(`harvest: ${s.name} has its ${s.runs.length} runs' loss at ${short.map((f) => `budget ${f} for ${got(f)}`).join(', ')} (${why}; see the notes and docs/harvest.md): the laws see fewer points there than harvest asks`);
  }
  return out;
}

/** With `harvest`: each scale's optimum at every budget, the rows the laws are fitted to. */
function harvestPoints(input: LadderInput, scales: readonly ScaleSummary[], lrParam: string): ScaleSummary[] {
  const cfg = input.config;
  const h = cfg.harvest!;
  const out: ScaleSummary[] = [];
  ladderOrder(cfg).forEach(({ scale }, position) => {
    const s = scales.find((x) => x.name === scale.name)!;
    const twoD = new Set(s.runs.map((r) => r.batch)).size >= 2;
    const layout = runLayout({ ...cfg.parameters, ...scale.parameters }[lrParam], transferred(cfg, position));
    const byBudget = harvestedRuns(h, s.runs, input.trials.filter((t) => t.scale?.name === scale.name), input.metrics ?? [], cfg.metric?.name ?? 'loss');
    for (const f of h.budgets) {
      const runs = byBudget.get(f) ?? [];
      if (runs.length === 0) continue;
      out.push({ ...s, name: `${s.name}@${f}`, D: f * s.D, runs, trials: runs.length, failed: 0, compute: null, best: argmin(runs), optimum: f === 1 ? s.optimum : scaleOptimum(runs, twoD, layout), harvest: { scale: s.name, budget: f } });
    }
  });
  return out;
}

/** Whether lr* is fitted to every run at once: asked, or (auto) where no scale searches a discrete lr — a grid's quadratic already reads all of its points. */
function lrFromRuns(cfg: StudyConfig, fitCfg: LadderFitConfig): boolean {
  const from = fitCfg.lrFrom ?? 'auto';
  if (from !== 'auto') return from === 'runs';
  return lrContinuousEverywhere(cfg.parameters, cfg.scales ?? [], fitCfg.lrParam);
}

/** A law in N alone cannot see a target that leaves the scales' D, or their tokens per parameter. */
function targetNotes(rows: readonly LawRow[], laws: { lr: LawSummary | null; loss: LawSummary | null }, target: { N: number; D: number }): string[] {
  const ratios = rows.map((r) => r.D / r.N);
  const tr = target.D / target.N;
  const Ds = new Set(rows.map((r) => r.D));
  const nOnly = (law: LawSummary | null): boolean => law !== null && !law.x.includes('D');
  if (rows.length === 0 || !(nOnly(laws.lr) || nOnly(laws.loss))) return [];
  if (Ds.size === 1 && !Ds.has(target.D)) {
    return [`every scale trains on D = ${fmt([...Ds][0]!)} tokens and the target on ${fmt(target.D)}; a law in N alone does not see that difference: add scales at other D`];
  }
  if (Ds.size > 1 && (tr > 2 * Math.max(...ratios) || tr < Math.min(...ratios) / 2)) {
    return [`the target trains ${fmt(tr)} tokens per parameter, the scales ${fmt(Math.min(...ratios))} to ${fmt(Math.max(...ratios))}; a law in N alone does not see that difference: add scales at the target's tokens per parameter, or that vary N and D apart`];
  }
  return [];
}

export function summarizeLadder(input: LadderInput): LadderSummary {
  const cfg = input.config;
  const fitCfg: LadderFitConfig = cfg.fit ?? { lr: 'auto', batch: 'auto', loss: 'auto', lrParam: 'lr', batchParam: 'batch_size' };
  const seed = input.seed ?? 0;
  const notes: string[] = [];
  const warnings: string[] = [];
  const lrParam = fitCfg.lrParam;
  const batchParam = cfg.parameters[fitCfg.batchParam] ? fitCfg.batchParam : null;

  const scales = summarizeScales(input, lrParam, batchParam);
  for (const s of scales) {
    if (s.optimum?.method === 'best-run' && s.optimum.note) notes.push(`${s.name}: the best run stands for the optimum (${s.optimum.note})`);
    if (s.N === null && s.runs.length) notes.push(`${s.name}: N unknown: declare params on the scale, or have the trainer report a params metric`);
  }

  const twoD = batchParam !== null && scales.some((s) => s.optimum && s.optimum.batch !== null && s.runs.some((r) => r.batch !== s.runs[0]!.batch));
  const points = cfg.harvest ? harvestPoints(input, scales, lrParam) : null;
  if (points) warnings.push(...harvestShortfall(cfg, scales, points, input.trials));
  if (points) for (const p of points) if (p.harvest!.budget !== 1 && p.optimum?.method === 'best-run' && p.optimum.note) notes.push(`${p.name}: the best run stands for the optimum (${p.optimum.note})`);
  const usable = (points ?? scales).filter((s) => lawRow(s) !== null);
  const rows = usable.map((s) => lawRow(s)!);
  // live views keep the law the rows support: choosing one by its backtest fits every candidate twice
  const lossChoice = input.quick ? null : chooseLossRecipe(rows, fitCfg.loss);
  const recipe = lossChoice?.recipe ?? null;
  const laws = rows.length >= 2 ? fitLaws(rows, fitCfg, twoD, seed, notes, input.quick, recipe) : { lr: null, batch: null, loss: null };
  const joint = lrFromRuns(cfg, fitCfg);
  if (joint && rows.length >= 2) Object.assign(laws, withJointLr(usable, laws, seed, input.quick ? 30 : 200, notes));
  if (rows.length < 2) notes.push(`${rows.length} scale${rows.length === 1 ? '' : 's'} with an optimum; laws need two or more`);
  const edges = usable.filter((s) => s.optimum?.edge);
  if (laws.lr && edges.length) {
    const where = edges.map((s) => `${s.name} (the ${s.optimum!.edge} ${lrParam} swept)`).join(', ');
    warnings.push(`${lrParam}*: fitted from edge optima at ${where}: the true optimum lies beyond the sweep there, so the law and its prediction are biased that way; widen those sweeps (or, where the range already goes further, run more beyond the edge)`);
  }

  const target = cfg.target ? { name: cfg.target.name, N: cfg.target.params, D: cfg.target.tokens } : null;
  let prediction: LadderSummary['prediction'] = null;
  if (target) {
    prediction = predictLadder({ laws }, target.N, target.D);
    warnings.push(...targetNotes(rows, laws, target));
  }

  let backtest: LadderSummary['backtest'] = null;
  if (new Set(usable.map(measuredAt)).size >= 3 && !input.quick) {
    backtest = backtestLadder(usable, fitCfg, twoD, seed, joint, recipe);
    if (lossChoice) {
      backtest.lossChosen = true;
      notes.push(`backtest: the loss law was chosen by this backtest (the fit that erred least at ${backtest.scale} of ${lossChoice.tried.length} tried), so its loss line is no independent check of it`);
    }
    const held = backtest.scale;
    const position = ladderOrder(cfg).findIndex((x) => x.scale.name === held);
    if (transferred(cfg, position)) notes.push(`backtest: ${held} searched around what the smaller scales predicted (transfer), so its optimum is not independent of the laws the backtest refits from them: a prediction it confirms is partly one its search was steered to`);
  } else if (rows.length >= 2) notes.push('backtest: needs three or more scales (two to fit, the largest held back)');

  return { metric: cfg.metric?.name ?? 'loss', lrParam, batchParam, scales, target, laws, prediction, backtest, ...(points ? { points } : {}), notes, warnings };
}
