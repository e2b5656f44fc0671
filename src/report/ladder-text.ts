/** A ladder summary as plain text, for the terminal and CI logs. */
import { fmtNum } from './format.js';
import type { LadderSummary, LawSummary, Predicted, ScaleOptimum, VerifyResult } from '../../fitters/ladder/index.js';

export const fmtSci = (v: number | null | undefined): string => (v === null || v === undefined || !Number.isFinite(v) ? '-' : Math.abs(v) >= 1e5 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(2) : fmtNum(v, 4));

export function fmtPredicted(p: Predicted | null): string {
  if (!p) return '-';
  return `${fmtSci(p.value)}${p.interval && !degenerate(p.interval) ? ` [${fmtSci(p.interval[0])}, ${fmtSci(p.interval[1])}]` : ''}`;
}

/** An interval of no width: points a law fits exactly (as many scales as coefficients, or identical optima) leave no spread to estimate one from. */
function degenerate(iv: readonly [number, number]): boolean {
  return Math.abs(iv[1] - iv[0]) <= 1e-9 * Math.max(Math.abs(iv[0]), Math.abs(iv[1])) || Math.max(Math.abs(iv[0]), Math.abs(iv[1])) < 1e-100;
}

/** A prediction's line: its interval, or why it has none, so that an exact fit never reads as a measured certainty. */
function predictedLine(p: Predicted | null, law: LawSummary | null): string {
  if (!p) return `- (${law ? 'not predicted' : 'no law fitted: see the notes'})`;
  if (p.interval && !degenerate(p.interval)) {
    const [lo, hi] = p.interval;
    // printed all the same, but not as something to act on
    if (law?.y !== 'loss' && hi / lo > WIDE_FACTOR) return `${fmtPredicted(p)}: the interval spans ${fmtNum(hi / lo, 3)}x, too wide to act on (more scales, or more runs at the largest, narrow it)`;
    if (law?.y === 'loss' && Math.max(hi / p.value - 1, 1 - lo / p.value) > WIDE_RELATIVE) return `${fmtPredicted(p)}: the interval reaches ${pct(lo / p.value - 1)} to ${pct(hi / p.value - 1)}, too wide to act on`;
    return fmtPredicted(p);
  }
  const coefficients = law ? Object.keys(law.params).length : 0;
  return `${fmtSci(p.value)} (no interval: ${law && law.residuals.rmse < 1e-9 ? `the law's ${coefficients} coefficients fit its points exactly, so nothing measures its spread` : 'too few points for one'})`;
}

function pad(cells: string[], widths: number[]): string {
  return cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
}

/** How a scale's optimum was found, as the tables say it: an edge run is named so, since the true optimum lies beyond the sweep. */
export function optimumLabel(o: Pick<ScaleOptimum, 'method' | 'edge'> | null | undefined): string {
  if (!o) return '-';
  if (o.method === 'interpolated') return 'interpolated';
  return o.edge ? `edge run! (${o.edge} lr swept)` : 'best run!';
}

/** A coefficient's name as the formula writes it: a power law keeps each exponent under its input's name (N, D), printed alpha_N, alpha_D. */
export function coefficientName(l: Pick<LawSummary, 'law' | 'x'>, key: string): string {
  return l.law === 'power' && (l.x as string[]).includes(key) ? `alpha_${key}` : key;
}

/**
 * A coefficient's 95% interval as a reader can use it. A loss law's constants are fitted positive, so a
 * bootstrap that drives one to its bound returns numbers such as 1e-122: the scales do not determine
 * it, and the interval says that instead of the number.
 */
export function fmtInterval(l: Pick<LawSummary, 'law' | 'intervals' | 'undetermined'>, key: string): string | null {
  const iv = l.intervals[key];
  if (!iv) return null;
  if (undetermined(l, key)) return atBound(iv) ? '[every refit at its bound of 0]' : `[not determined by these scales (lower bound 0), up to ${fmtSci(iv[1])}]`;
  if (degenerate(iv)) return '(exact fit: no interval)';
  return `[${fmtSci(iv[0])}, ${fmtSci(iv[1])}]`;
}

/** An interval that collapsed onto the bound itself: the fit and its refits all put the constant at 0. */
const atBound = (iv: readonly [number, number]): boolean => iv[1] < 1e-6 || (degenerate(iv) && Math.abs(iv[1]) < 1e-6);

/** A loss law's constant the scales do not determine (at, or with an interval reaching, its bound of 0): the fit says so, older reports by their interval. */
export function undetermined(l: Pick<LawSummary, 'law' | 'intervals' | 'undetermined'>, key: string): boolean {
  if (l.undetermined) return l.undetermined.includes(key);
  const iv = l.intervals[key];
  return Boolean(iv && !degenerate(iv) && l.law !== 'power' && iv[0] >= 0 && iv[0] < 1e-6 * Math.abs(iv[1]));
}

/** A coefficient as the law's line gives it: its value and interval, or, not determined, no value at all (a number would be read as a measurement). */
export function fmtCoefficient(l: Pick<LawSummary, 'law' | 'x' | 'intervals' | 'undetermined'>, key: string, value: number): string {
  if (undetermined(l, key)) {
    const iv = l.intervals[key];
    return `${coefficientName(l, key)} not determined by these scales (${iv && !atBound(iv) ? `its 95% interval runs from 0 to ${fmtSci(iv[1])}` : 'the fit and every refit put it at its bound of 0'})`;
  }
  const iv = fmtInterval(l, key);
  return `${coefficientName(l, key)}=${fmtSci(value)}${iv ? ` ${iv}` : ''}`;
}

function lawLine(l: LawSummary): string {
  const params = Object.entries(l.params)
    .map(([k, v]) => fmtCoefficient(l, k, v))
    .join(', ');
  return `  ${l.formula}\n    ${params}\n    ${l.chosen === 'auto' ? 'chosen automatically' : 'declared'}: ${l.why}; residual rmse ${fmtNum(l.residuals.rmse, 3)}`;
}

export function formatLadder(s: LadderSummary, verify: VerifyResult | null = null): string {
  const out: string[] = [''];
  const b = s.batchParam;
  const header = ['scale', 'N', 'D', 'runs', 'compute', `best ${s.metric}`, `${s.lrParam}*`, ...(b ? [`${b}*`] : []), 'optimum'];
  const rows = s.scales.map((z) => [
    z.name,
    fmtSci(z.N),
    fmtSci(z.D),
    `${z.runs.length}${z.failed ? ` (+${z.failed} failed)` : ''}`,
    z.compute === null || z.compute === undefined ? '-' : z.compute.toExponential(2),
    fmtNum(z.best?.loss ?? null),
    fmtSci(z.optimum?.lr ?? null),
    ...(b ? [fmtSci(z.optimum?.batch ?? null)] : []),
    optimumLabel(z.optimum),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  out.push(pad(header, widths), ...rows.map((r) => pad(r, widths)));
  const spent = s.scales.map((z) => z.compute).filter((c): c is number => typeof c === 'number');
  if (spent.length) out.push(`  compute spent on the search: ${spent.reduce((a, c) => a + c, 0).toExponential(2)} FLOPs (6·N·D per run, or what the trainer reported as flops)`);
  if (s.scales.some((z) => z.optimum?.method === 'best-run')) out.push('  ! the best run itself: its scale’s search gave no interpolated optimum (the notes say why)');
  if (s.points) out.push('', ...harvestTable(s));
  out.push('', s.points ? 'laws across scales and budgets:' : 'laws across scales:');
  for (const l of [s.laws.lr, s.laws.batch, s.laws.loss]) if (l) out.push(lawLine(l));
  if (!s.laws.lr && !s.laws.loss) out.push('  none fitted (see the notes)');
  if (s.target && s.prediction) {
    out.push('', `prediction for ${s.target.name} (N = ${fmtSci(s.target.N)}, D = ${fmtSci(s.target.D)}), 95% intervals:`);
    out.push(`  ${s.lrParam}* = ${predictedLine(s.prediction.lr, s.laws.lr)}`);
    if (b && s.laws.batch) out.push(`  ${b}* = ${predictedLine(s.prediction.batch, s.laws.batch)}`);
    out.push(`  ${s.metric} = ${predictedLine(s.prediction.loss, s.laws.loss)}`);
  }
  const bt = s.backtest;
  if (bt) {
    out.push('', `backtest: the laws fitted without ${bt.scale} (N = ${fmtSci(bt.N)}, D = ${fmtSci(bt.D)}), against what its search found:`);
    const held = s.scales.find((z) => z.name === bt.scale);
    const how = foundHow(held);
    const hp = (name: string, x: NonNullable<typeof bt.lr>): string => `  ${name}*: predicted ${fmtPredicted(x.predicted)}, found ${fmtSci(x.measured)}${how}: ${circular(held, x) ?? verdict(x.predicted, x.measured, 'factor')}`;
    if (bt.lr) out.push(hp(s.lrParam, bt.lr));
    if (bt.batch && b) out.push(hp(b, bt.batch));
    const atBest = held?.optimum?.method === 'interpolated' && held.best ? ` (at its interpolated optimum; its best run ${fmtNum(held.best.loss)})` : how;
    if (bt.loss) out.push(`  ${s.metric}: predicted ${fmtPredicted(bt.loss.predicted)}, found ${fmtNum(bt.loss.measured)}${atBest}: ${verdict(bt.loss.predicted, bt.loss.measured, 'relative')}${bt.lossChosen ? ' (this backtest chose the loss law among its candidates, so it does not test it)' : ''}`);
    if (bt.lossGap) out.push(`  ${gapLine(bt.lossGap, s.metric, s.lrParam)}`);
  }
  if (verify) out.push('', formatVerify(verify, s.metric, s.lrParam, b));
  for (const w of s.warnings ?? []) out.push(`warning: ${w}`);
  for (const n of s.notes) out.push(`note: ${n}`);
  return `${out.join('\n')}\n`;
}

/** With harvesting: each scale's optimum at every budget (the rows the laws are fitted to), a line per scale. */
function harvestTable(s: LadderSummary): string[] {
  const budgets = [...new Set(s.points!.map((p) => p.harvest!.budget))].sort((a, b) => a - b);
  const header = ['harvested', ...budgets.map((f) => `${f} of D`)];
  const cell = (p: LadderSummary['scales'][number] | undefined): string => (p?.optimum ? `${fmtNum(p.optimum.loss)} @ ${fmtSci(p.optimum.lr)}${p.optimum.method === 'best-run' ? ' (best run)' : ''}` : '-');
  const rows = s.scales.map((z) => [z.name, ...budgets.map((f) => cell(s.points!.find((p) => p.harvest!.scale === z.name && p.harvest!.budget === f)))]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [`each scale's optimum at every budget of its runs, ${s.metric} @ ${s.lrParam}* (the laws are fitted to these):`, pad(header, widths), ...rows.map((r) => pad(r, widths))];
}

/** Beyond these a prediction is a miss whatever its interval says: a hyperparameter off by more than 2x, a loss by more than 1%. */
export const MISS_FACTOR = 2;
export const MISS_RELATIVE = 0.01;
/** Intervals wider than these cannot test a law: a hyperparameter's spanning more than 10x, a loss's more than ±5%. */
const WIDE_FACTOR = 10;
const WIDE_RELATIVE = 0.05;

/**
 * A prediction against what was measured, called what it is (a hyperparameter as a factor, a loss as a
 * relative difference): outside its interval, or too far off to be any use, is a miss; inside an
 * interval too wide to test anything says so; without an interval, a miss once off by more than 10%.
 */
export function verdict(p: Predicted, measured: number, kind: 'factor' | 'relative'): string {
  const off = kind === 'factor' ? timesPredicted(p, measured) : fromPredicted(p, measured);
  const far = kind === 'factor' ? Math.abs(Math.log(measured / p.value)) > Math.log(MISS_FACTOR) : Math.abs(measured / p.value - 1) > MISS_RELATIVE;
  // with nothing to say how sure the prediction is, anything more than 10% off is called a miss
  if (!p.interval || degenerate(p.interval)) return `${off}, no interval to judge it by${Math.abs(Math.log(p.value / measured)) > Math.log(1.1) ? ': a miss (more than 10% off)' : ''}`;
  const [lo, hi] = p.interval;
  if (measured < lo || measured > hi) return `${off}, outside the interval: a miss`;
  const span = kind === 'factor' ? `spans ${fmtNum(hi / lo, 3)}x` : `spans ${pct(lo / p.value - 1)} to ${pct(hi / p.value - 1)}`;
  const wide = kind === 'factor' ? hi / lo > WIDE_FACTOR : Math.max(hi / p.value - 1, 1 - lo / p.value) > WIDE_RELATIVE;
  if (far) return `${off}: a miss (more than ${kind === 'factor' ? `${MISS_FACTOR}x` : `${100 * MISS_RELATIVE}%`} off), though inside the interval, which ${span}${wide ? ': too wide to test the law' : ''}`;
  return `${off}, inside the interval${wide ? `, which ${span}: too wide to test the law` : ''}`;
}

/** What the held-back scale's "found" is when it is not an interpolated optimum. */
function foundHow(held: LadderSummary['scales'][number] | undefined): string {
  return held?.optimum?.method === 'best-run' ? ` (its best of ${held.runs.length} run${held.runs.length === 1 ? '' : 's'}, not an interpolated optimum)` : '';
}

/**
 * A held-back scale whose best run stands for its optimum and sits at the prediction (transfer puts a
 * scale's first run there) checks the prediction against itself: said so rather than called a pass.
 */
function circular(held: LadderSummary['scales'][number] | undefined, x: { predicted: Predicted; measured: number }): string | null {
  if (held?.optimum?.method !== 'best-run' || Math.abs(Math.log(x.measured / x.predicted.value)) > Math.log(1.01)) return null;
  return `${timesPredicted(x.predicted, x.measured)}: its best run is the one placed at the prediction, so this checks nothing`;
}

/** The backtest's loss gap; when the nearest run is the scale's best, the gap is zero by construction and says nothing of the prediction. */
export function gapLine(g: NonNullable<LadderSummary['backtest']>['lossGap'] & object, metric: string, lrParam: string): string {
  const where = g.lrRatio === undefined ? '' : `, its ${lrParam} ${fmtNum(g.lrRatio, 3)}x the prediction`;
  if (g.isBest) return `no run lies nearer the predicted hyperparameters than the scale's best run (trial ${g.run}${where}), so this says nothing of them`;
  return `the run nearest the predicted hyperparameters (trial ${g.run}${where}) is ${pct(g.gap)} from the scale's best ${metric}`;
}

/**
 * What was found against what was predicted, always in that direction, in words, so that the
 * backtest and the verify run read alike: a hyperparameter as a factor, a loss as a relative difference.
 */
export function timesPredicted(p: Predicted, found: number): string {
  return `${fmtNum(found / p.value, 3)}x the prediction`;
}

export function fromPredicted(p: Predicted, found: number): string {
  return `${pct(found / p.value - 1)} from the prediction`;
}

export function pct(x: number): string {
  return `${x >= 0 ? '+' : ''}${(100 * x).toFixed(2)}%`;
}

export function formatVerify(v: VerifyResult, metric: string, lrParam: string, batchParam: string | null): string {
  const lines = [`verify at ${v.scale} (N = ${fmtSci(v.N)}, D = ${fmtSci(v.D)}): trial ${v.trial}, ${lrParam} = ${fmtSci(v.params[lrParam] as number)}${batchParam && v.params[batchParam] !== undefined ? `, ${batchParam} = ${String(v.params[batchParam])}` : ''}${v.heldBack ? ' (predicted by the laws fitted without this scale)' : ''}`];
  if (v.measured === null) lines.push(`  the run did not complete: ${v.error ?? v.state}`);
  else {
    lines.push(`  ${metric}: predicted ${v.predicted ? fmtPredicted(v.predicted) : `- (no loss law${v.heldBack ? ' from the scales left when this one is held back: it needs three or more model sizes' : ' was fitted: see the notes'})`}, measured ${fmtNum(v.measured)}${v.predicted ? `: ${verdict(v.predicted, v.measured, 'relative')}` : ''}`);
    if (v.bestAtScale !== null) lines.push(`  gap to the best run of the scale's search: ${pct(v.measured / v.bestAtScale - 1)} (best ${fmtNum(v.bestAtScale)})`);
  }
  return lines.join('\n');
}
