/**
 * Markdown and HTML from one report model. Both are drawn from the same list of blocks (headings,
 * paragraphs, tables, charts), so the two formats never say different things.
 */
import { fmtNum, fmtValue } from './format.js';
import { coefficientName, fmtInterval, fmtPredicted, fmtSci, gapLine, optimumLabel, pct, undetermined, verdict } from './ladder-text.js';
import type { Chart } from './charts.js';
import type { ReportModel } from './model.js';
import { importanceProse, importanceTable } from './importance-text.js';

const capitalize = (t: string): string => t.charAt(0).toUpperCase() + t.slice(1);

export type Block =
  | { kind: 'h'; level: 1 | 2 | 3; text: string }
  | { kind: 'p'; text: string }
  | { kind: 'table'; header: string[]; rows: string[][] }
  | { kind: 'list'; items: string[] }
  | { kind: 'chart'; chart: Chart };

function paramsText(p: Record<string, unknown>): string {
  return Object.entries(p)
    .map(([k, v]) => `${k}=${typeof v === 'number' ? fmtSci(v) : fmtValue(v as never)}`)
    .join(' ');
}

export function reportBlocks(m: ReportModel, charts: readonly Chart[]): Block[] {
  const b: Block[] = [];
  const metric = m.study.metric ?? 'value';
  b.push({ kind: 'h', level: 1, text: `scaletune report: ${m.study.name}` });
  const counts = Object.entries(m.study.counts).map(([k, v]) => `${v} ${k}`).join(', ');
  const aims = m.front
    ? `objectives ${m.front.objectives.map((o) => `${o.name} (${o.goal})`).join(', ')}`
    : `metric ${m.study.metric ?? '(none)'}${m.study.goal ? ` (${m.study.goal})` : ''}`;
  const bounds = m.study.constraints?.length ? `, constraints ${m.study.constraints.map((c) => `${c.min !== undefined ? `${c.min} ≤ ` : ''}${c.name}${c.max !== undefined ? ` ≤ ${c.max}` : ''}`).join(', ')}` : '';
  b.push({ kind: 'p', text: `Method ${m.study.method}, backend ${m.study.backend}, ${aims}${bounds}, seed ${m.study.seed}. Trials: ${counts || 'none'}. Created ${m.study.created}; report generated ${m.generated}.` });
  if (m.study.note) b.push({ kind: 'p', text: `Note: ${m.study.note}` });
  if (m.study.constraints?.length && !m.front && m.best === null && (m.study.counts.complete ?? 0) > 0) b.push({ kind: 'p', text: `No completed trial kept the constraints: there is no best trial.` });

  const L = m.ladder;
  if (L) {
    if (L.target && L.prediction) {
      b.push({ kind: 'h', level: 2, text: `Prediction for ${L.target.name}` });
      b.push({ kind: 'p', text: `At N = ${fmtSci(L.target.N)} non-embedding parameters and D = ${fmtSci(L.target.D)} tokens, with 95% intervals:` });
      const rows = [[`${L.lrParam}*`, fmtPredicted(L.prediction.lr)]];
      if (L.batchParam && L.laws.batch) rows.push([`${L.batchParam}*`, fmtPredicted(L.prediction.batch)]);
      rows.push([metric, fmtPredicted(L.prediction.loss)]);
      b.push({ kind: 'table', header: ['quantity', 'predicted [95% interval]'], rows });
    }
    if (L.backtest) {
      const bt = L.backtest;
      b.push({ kind: 'h', level: 2, text: `Backtest on ${bt.scale}` });
      b.push({ kind: 'p', text: `Every law fitted again without the largest scale (N = ${fmtSci(bt.N)}, D = ${fmtSci(bt.D)}), and its prediction compared with what that scale's own search found.` });
      const rows: string[][] = [];
      if (bt.lr) rows.push([`${L.lrParam}*`, fmtPredicted(bt.lr.predicted), fmtSci(bt.lr.measured), verdict(bt.lr.predicted, bt.lr.measured, 'factor')]);
      if (bt.batch && L.batchParam) rows.push([`${L.batchParam}*`, fmtPredicted(bt.batch.predicted), fmtSci(bt.batch.measured), verdict(bt.batch.predicted, bt.batch.measured, 'factor')]);
      if (bt.loss) rows.push([metric, fmtPredicted(bt.loss.predicted), fmtNum(bt.loss.measured), `${verdict(bt.loss.predicted, bt.loss.measured, 'relative')}${bt.lossChosen ? ' (this backtest chose the loss law, so it does not test it)' : ''}`]);
      b.push({ kind: 'table', header: ['quantity', 'predicted', 'found', 'error'], rows });
      if (bt.lossGap) b.push({ kind: 'p', text: `${capitalize(gapLine(bt.lossGap, metric, L.lrParam))}.` });
    }
    for (const v of m.verify) {
      b.push({ kind: 'h', level: 2, text: `Verify at ${v.scale}` });
      const lines = [`Trial ${v.trial} trained ${v.heldBack ? 'at the largest proxy scale, with the hyperparameters the other scales predict' : 'at the target'}: ${paramsText(v.params)}.`];
      if (v.measured === null) lines.push(`It did not complete: ${v.error ?? v.state}.`);
      else {
        if (v.predicted) lines.push(`${metric}: predicted ${fmtPredicted(v.predicted)}, measured ${fmtNum(v.measured)}: ${verdict(v.predicted, v.measured, 'relative')}.`);
        if (v.bestAtScale !== null) lines.push(`Gap to the best run of the scale's search: ${pct(v.measured / v.bestAtScale - 1)}.`);
      }
      b.push({ kind: 'p', text: lines.join(' ') });
    }
    b.push({ kind: 'h', level: 2, text: 'Scales' });
    b.push({
      kind: 'table',
      header: ['scale', 'N', 'D', 'runs', 'failed', 'compute (FLOPs)', `best ${metric}`, `${L.lrParam}*`, ...(L.batchParam ? [`${L.batchParam}*`] : []), 'optimum'],
      rows: L.scales.map((s) => [s.name, fmtSci(s.N), fmtSci(s.D), String(s.runs.length), String(s.failed), s.compute === null || s.compute === undefined ? '-' : s.compute.toExponential(2), fmtNum(s.best?.loss ?? null), fmtSci(s.optimum?.lr ?? null), ...(L.batchParam ? [fmtSci(s.optimum?.batch ?? null)] : []), optimumLabel(s.optimum)]),
    });
    if (L.points?.length) {
      b.push({ kind: 'h', level: 2, text: 'Harvested budgets' });
      b.push({ kind: 'p', text: `Every run's ${metric} with its learning rate annealed at fractions of its tokens (harvest): each scale's optimum at every budget. The laws are fitted to these.` });
      b.push({
        kind: 'table',
        header: ['scale', 'budget', 'D', 'runs', `${metric} at the optimum`, `${L.lrParam}*`, 'optimum'],
        rows: L.points.map((p) => [p.harvest?.scale ?? p.name, String(p.harvest?.budget ?? 1), fmtSci(p.D), String(p.runs.length), fmtNum(p.optimum?.loss ?? null), fmtSci(p.optimum?.lr ?? null), optimumLabel(p.optimum)]),
      });
    }
    b.push({ kind: 'h', level: 2, text: 'Laws' });
    const laws = [L.laws.lr, L.laws.batch, L.laws.loss].filter((l): l is NonNullable<typeof l> => l !== null);
    if (laws.length === 0) b.push({ kind: 'p', text: 'No law could be fitted (see the notes).' });
    for (const l of laws) {
      b.push({ kind: 'p', text: `${l.formula} — ${l.chosen === 'auto' ? 'chosen automatically' : 'declared'}: ${l.why}. Residual rmse ${fmtNum(l.residuals.rmse, 3)}.` });
      b.push({ kind: 'table', header: ['parameter', 'value', '95% interval'], rows: Object.entries(l.params).map(([k, v]) => [coefficientName(l, k), undetermined(l, k) ? 'not determined by these scales' : fmtSci(v), fmtInterval(l, k) ?? '-']) });
    }
  } else if (m.front) {
    const f = m.front;
    const on = f.trials.filter((t) => t.onFront);
    b.push({ kind: 'h', level: 2, text: 'Pareto front' });
    b.push({
      kind: 'p',
      text: `${on.length} of ${f.trials.length} feasible completed trials are on the front of ${f.objectives.map((o) => `${o.name} (${o.goal})`).join(', ')}: no other trial is as good in every objective and better in one. Hypervolume ${fmtNum(f.hypervolume)} (in the objectives' units multiplied together) up to the reference point (${f.reference.map((r) => fmtNum(r)).join(', ')}: each objective's worst value among these trials plus a tenth of its range${f.objectives.some((o) => o.goal === 'maximize') ? ', each maximised objective negated' : ''}).${f.infeasible ? ` ${f.infeasible} completed trial${f.infeasible === 1 ? '' : 's'} broke a constraint and ${f.infeasible === 1 ? 'is' : 'are'} left out.` : ''}`,
    });
    const first = f.objectives[0]!;
    const rows = [...on].sort((a, z) => (first.goal === 'minimize' ? 1 : -1) * (a.values[first.name]! - z.values[first.name]!));
    b.push({ kind: 'table', header: ['trial', ...f.objectives.map((o) => o.name), 'parameters'], rows: rows.map((t) => [String(t.number), ...f.objectives.map((o) => fmtNum(t.values[o.name])), paramsText(t.params)]) });
  } else if (m.best) {
    b.push({ kind: 'h', level: 2, text: 'Best trial' });
    b.push({ kind: 'p', text: `Trial ${m.best.number}: ${metric} = ${fmtNum(m.best.value)} with ${paramsText(m.best.params)}.` });
  }

  if (m.importance) {
    const imp = m.importance;
    b.push({ kind: 'h', level: 2, text: 'Parameter importance' });
    b.push({ kind: 'p', text: importanceProse(imp, `${metric}${m.front ? ' (the first objective)' : ''}`) });
    b.push({ kind: 'table', ...importanceTable(imp) });
  }

  if (m.pbt) {
    b.push({ kind: 'h', level: 2, text: 'Population-based training' });
    if (m.pbt.winner) b.push({ kind: 'p', text: `Winner: member ${m.pbt.winner.member} at step ${m.pbt.winner.step}, ${metric} = ${fmtNum(m.pbt.winner.score)}; ${m.pbt.exploits.length} exploit${m.pbt.exploits.length === 1 ? '' : 's'} in all.` });
    if (m.pbt.schedule.length) b.push({ kind: 'table', header: ['steps', 'trained by member', 'hyperparameters'], rows: m.pbt.schedule.map((s) => [`${s.from}–${s.to}`, String(s.member), paramsText(s.params)]) });
  }

  if (charts.length) {
    b.push({ kind: 'h', level: 2, text: 'Charts' });
    for (const c of charts) {
      b.push({ kind: 'h', level: 3, text: c.title });
      b.push({ kind: 'chart', chart: c });
      b.push({ kind: 'p', text: c.caption });
    }
  }

  // a harvesting branch's loss is measured at a fraction of its run's tokens: no rival of the runs
  const ranked = m.front ? [] : m.history.filter((h) => h.state === 'complete' && h.value !== null && !h.infeasible && !h.scale?.startsWith('branch ')).sort((a, z) => (m.study.goal === 'maximize' ? z.value! - a.value! : a.value! - z.value!));
  if (ranked.length && L) {
    // across scales the largest always wins: each scale's own best run is what can be compared
    const order = L.scales.map((s) => s.name);
    const perScale = order.map((name) => ranked.find((h) => h.scale === name)).filter((h): h is (typeof ranked)[number] => h !== undefined);
    b.push({ kind: 'h', level: 2, text: 'Best run of each scale' });
    b.push({ kind: 'table', header: ['scale', 'trial', metric, 'parameters'], rows: perScale.map((h) => [h.scale ?? '-', String(h.number), fmtNum(h.value), paramsText(h.params)]) });
  } else if (ranked.length) {
    b.push({ kind: 'h', level: 2, text: ranked.length === 1 ? 'Best run' : `Best ${Math.min(10, ranked.length)} runs` });
    b.push({ kind: 'table', header: ['trial', metric, 'parameters'], rows: ranked.slice(0, 10).map((h) => [String(h.number), fmtNum(h.value), paramsText(h.params)]) });
  }
  if (L?.warnings?.length) {
    b.push({ kind: 'h', level: 2, text: 'Warnings' });
    b.push({ kind: 'list', items: L.warnings });
  }
  if (L?.notes.length) {
    b.push({ kind: 'h', level: 2, text: 'Notes' });
    b.push({ kind: 'list', items: L.notes });
  }
  return b;
}

const mdCell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** Markdown; `chartRef` gives each chart's image reference (a file next to the report), or null to leave charts out. */
export function renderMarkdown(blocks: readonly Block[], chartRef: (c: Chart) => string | null): string {
  const out: string[] = [];
  for (const b of blocks) {
    if (b.kind === 'h') out.push(`${'#'.repeat(b.level)} ${b.text}`, '');
    else if (b.kind === 'p') out.push(b.text, '');
    else if (b.kind === 'list') out.push(...b.items.map((i) => `- ${i}`), '');
    else if (b.kind === 'table') {
      out.push(`| ${b.header.map(mdCell).join(' | ')} |`, `| ${b.header.map(() => '---').join(' | ')} |`, ...b.rows.map((r) => `| ${r.map(mdCell).join(' | ')} |`), '');
    } else {
      const ref = chartRef(b.chart);
      out.push(ref ? `![${b.chart.title}](${ref})` : `(chart left out: write the report to a file with --out to get its SVG)`, '');
    }
  }
  return `${out.join('\n').trimEnd()}\n`;
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const CSS = `body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.6em;border-bottom:2px solid #4c78a8;padding-bottom:.2em}h2{margin-top:1.8em;font-size:1.25em}h3{font-size:1.05em;margin-bottom:.3em}
table{border-collapse:collapse;margin:.6em 0;font-size:.92em}th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left}th{background:#f2f5f9}
td{font-variant-numeric:tabular-nums}figure{margin:.4em 0 1.2em}figure svg{max-width:100%;height:auto}figcaption,.caption{color:#555;font-size:.9em}`;

/** One self-contained HTML file: inline CSS, charts inlined as SVG, no script and nothing fetched. */
export function renderHtml(blocks: readonly Block[], svgOf: (c: Chart) => string): string {
  const body: string[] = [];
  let title = 'scaletune report';
  for (let i = 0; i < blocks.length; i++) {
    const b = blocks[i]!;
    if (b.kind === 'h') {
      if (b.level === 1) title = b.text;
      body.push(`<h${b.level}>${esc(b.text)}</h${b.level}>`);
    } else if (b.kind === 'p') body.push(`<p>${esc(b.text)}</p>`);
    else if (b.kind === 'list') body.push(`<ul>${b.items.map((x) => `<li>${esc(x)}</li>`).join('')}</ul>`);
    else if (b.kind === 'table') body.push(`<table><thead><tr>${b.header.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${b.rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`);
    else {
      const next = blocks[i + 1];
      const caption = next?.kind === 'p' ? next.text : '';
      if (caption) i++;
      body.push(`<figure class="chart" id="chart-${esc(b.chart.id)}" data-chart="${esc(b.chart.id)}">${svgOf(b.chart)}${caption ? `<figcaption>${esc(caption)}</figcaption>` : ''}</figure>`);
    }
  }
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="scaletune"><title>${esc(title)}</title><style>${CSS}</style></head>
<body>
${body.join('\n')}
</body></html>
`;
}
