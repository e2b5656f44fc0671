/**
 * The report's charts as Vega-Lite specs (pure data), and their rendering to SVG through `vega` in Node,
 * without a browser. Each chart says what it shows in its title; the renderers place them.
 */
import type { ReportModel } from './model.js';
import { learningCurveChart } from './study-charts.js';
import { base, COUNT_AXIS, FLOPS_AXIS, HEIGHT, LOG, num, PAD, PALETTE, SMALL_AXIS, WIDTH } from './chart-style.js';

export interface Chart {
  id: string;
  title: string;
  /** a sentence under the chart: what to read from it */
  caption: string;
  spec: Record<string, unknown>;
}

/** Loss against learning rate, one panel per scale: the runs, the scale's optimum, and the lr law's band there. */
function sweepChart(m: ReportModel): Chart | null {
  const L = m.ladder;
  const lrParam = L?.lrParam ?? 'lr';
  const rows: Record<string, unknown>[] = [];
  if (L) {
    const lawBand = new Map<string, [number, number]>();
    for (const s of L.scales) {
      for (const r of s.runs) rows.push({ kind: 'run', scale: s.name, lr: r.lr, loss: r.loss, ...(num(r.batch) ? { batch: r.batch } : {}) });
      if (s.optimum) rows.push({ kind: 'optimum', scale: s.name, lr: s.optimum.lr });
    }
    for (const a of L.atScales) if (a.lr?.interval) lawBand.set(a.scale, a.lr.interval);
    for (const [scale, [lo, hi]] of lawBand) rows.push({ kind: 'band', scale, lo, hi });
  } else {
    for (const h of m.history) if (h.state === 'complete' && num(h.value) && num(h.params[lrParam])) rows.push({ kind: 'run', scale: m.study.name, lr: h.params[lrParam], loss: h.value });
  }
  if (!rows.some((r) => r.kind === 'run')) return null;
  const metric = m.study.metric ?? 'loss';
  // one x range for every panel, so that the optima can be compared across scales by eye
  const x = { field: 'lr', type: 'quantitative', scale: { ...LOG, padding: PAD, nice: false }, title: lrParam, axis: SMALL_AXIS };
  const batches = [...new Set(rows.filter((r) => r.kind === 'run' && num(r.batch)).map((r) => r.batch as number))];
  const batchColour = L?.batchParam && batches.length > 1 ? { color: { field: 'batch', type: 'quantitative', title: L.batchParam, scale: { type: 'log', scheme: 'viridis' } } } : {};
  const layer = [
    // layers without data would leave vega warning of an infinite extent
    ...(rows.some((r) => r.kind === 'band') ? [{ transform: [{ filter: "datum.kind === 'band'" }], mark: { type: 'rect', opacity: 0.15, color: '#4c78a8' }, encoding: { x: { ...x, field: 'lo' }, x2: { field: 'hi' } } }] : []),
    {
      // the basin, not the cliffs: runs more than 10% above their scale's best are left out
      transform: [{ filter: "datum.kind === 'run'" }, ...(L ? [{ joinaggregate: [{ op: 'min', field: 'loss', as: 'bestLoss' }], groupby: ['scale'] }, { filter: 'datum.loss <= 1.1 * datum.bestLoss' }] : [])],
      mark: { type: 'point', filled: true, size: 30 },
      encoding: { x, y: { field: 'loss', type: 'quantitative', scale: { zero: false, padding: PAD }, title: metric }, ...batchColour },
    },
    ...(rows.some((r) => r.kind === 'optimum') ? [{ transform: [{ filter: "datum.kind === 'optimum'" }], mark: { type: 'rule', color: '#e45756', strokeWidth: 2 }, encoding: { x } }] : []),
  ];
  return {
    id: 'sweep',
    title: `${metric} against ${lrParam}${L ? ' at each scale' : ''}`,
    caption: L
      ? `Each run of each scale's search within 10% of the scale's best ${metric}${Object.keys(batchColour).length ? `, coloured by ${L!.batchParam}` : ''}; the red rule is the scale's optimum, the shaded band the 95% interval of the ${lrParam} law at that scale. Every panel has the same ${lrParam} range.`
      : 'Each completed run.',
    // a study without scales is one panel as wide as the other charts, not a facet headed by its name
    spec: L
      ? {
          ...base(`${metric} against ${lrParam}, per scale`),
          data: { values: rows },
          facet: { field: 'scale', type: 'nominal', title: null, sort: L.scales.map((s) => s.name) },
          columns: 3,
          resolve: { scale: { y: 'independent', x: 'shared' } },
          spec: { width: 200, height: 150, layer },
        }
      : { ...base(`${metric} against ${lrParam}`), data: { values: rows }, width: WIDTH, height: HEIGHT, layer },
  };
}

/** A law along the path to the target: band, line, each scale's optimum, the target's prediction. */
function lawChart(m: ReportModel, which: 'lr' | 'batch' | 'loss'): Chart | null {
  const L = m.ladder;
  if (!L) return null;
  const law = L.laws[which];
  const curve = L.curves[which];
  if (!law || curve.length === 0) return null;
  const xField = which === 'loss' ? 'C' : which === 'batch' && !law.x.includes('N') ? 'D' : 'N';
  const xTitle = xField === 'C' ? 'compute C = 6·N·D (FLOPs)' : xField === 'D' ? 'training tokens D' : 'non-embedding parameters N';
  const yName = which === 'lr' ? `${L.lrParam}*` : which === 'batch' ? `${L.batchParam}*` : (m.study.metric ?? 'loss');
  const rows: Record<string, unknown>[] = [];
  for (const p of curve) rows.push({ kind: 'law', x: p[xField], y: p.value, lo: p.lo, hi: p.hi });
  for (const s of L.scales) {
    if (!s.optimum || s.N === null) continue;
    const y = which === 'lr' ? s.optimum.lr : which === 'batch' ? s.optimum.batch : s.optimum.loss;
    if (num(y)) rows.push({ kind: 'scale', x: xField === 'C' ? 6 * s.N * s.D : xField === 'D' ? s.D : s.N, y, label: s.name });
  }
  const pred = L.prediction?.[which];
  if (L.target && pred) rows.push({ kind: 'target', x: xField === 'C' ? 6 * L.target.N * L.target.D : xField === 'D' ? L.target.D : L.target.N, y: pred.value, lo: pred.interval?.[0] ?? pred.value, hi: pred.interval?.[1] ?? pred.value, label: L.target.name });
  const bt = L.backtest?.[which];
  if (L.backtest && bt) {
    const x = xField === 'C' ? 6 * L.backtest.N * L.backtest.D : xField === 'D' ? L.backtest.D : L.backtest.N;
    rows.push({ kind: 'backtest', x, y: bt.predicted.value, lo: bt.predicted.interval?.[0] ?? bt.predicted.value, hi: bt.predicted.interval?.[1] ?? bt.predicted.value, label: `backtest ${L.backtest.scale}` });
  }
  const X = { field: 'x', type: 'quantitative', scale: { ...LOG, padding: PAD, nice: false }, title: xTitle, axis: xField === 'C' ? FLOPS_AXIS : COUNT_AXIS };
  const Y = { field: 'y', type: 'quantitative', scale: which === 'loss' ? { zero: false, padding: PAD } : { ...LOG, padding: PAD, nice: false }, title: yName, ...(which === 'lr' ? { axis: SMALL_AXIS } : which === 'batch' ? { axis: COUNT_AXIS } : {}) };
  // one legend for everything drawn: the law's line and band as well as the points
  const legend = ['fitted law', '95% band of the law', "each scale's optimum", ...(L.target && pred ? ['prediction for the target'] : []), ...(bt ? ['backtest (law without the largest scale)'] : [])];
  const colours = ['#4c78a8', '#a6bddb', '#4c78a8', '#e45756', '#f58518'].slice(0, 3).concat(L.target && pred ? ['#e45756'] : [], bt ? ['#f58518'] : []);
  const kinds = { field: 'what', type: 'nominal', title: null, scale: { domain: legend, range: colours } };
  const named: Record<string, string> = { law: 'fitted law', scale: "each scale's optimum", target: 'prediction for the target', backtest: 'backtest (law without the largest scale)' };
  for (const r of rows) r.what = named[r.kind as string];
  const title = which === 'loss' ? `${yName} against compute` : `${yName} against ${xField === 'D' ? 'D' : 'N'}`;
  return {
    id: `law-${which}`,
    title,
    caption: `${law.formula}. The fitted law (line) and its 95% band from the smallest scale to ${L.target ? `the target ${L.target.name}` : 'twice the largest scale'}; dots are each scale's optimum${L.target ? ', red the prediction for the target' : ''}${bt ? ', orange the backtest: the prediction for the largest scale by the law fitted without it' : ''}.${law.x.length > 1 && xField !== 'C' ? ' The law depends on N and D; the path moves both from the smallest scale to the target.' : ''}`,
    spec: {
      ...base(title),
      width: WIDTH,
      height: HEIGHT,
      data: { values: rows },
      layer: [
        { transform: [{ filter: "datum.kind === 'law' && isValid(datum.lo)" }, { calculate: "'95% band of the law'", as: 'what' }], mark: { type: 'area', opacity: 0.5 }, encoding: { x: X, y: { ...Y, field: 'lo' }, y2: { field: 'hi' }, color: kinds } },
        { transform: [{ filter: "datum.kind === 'law'" }], mark: { type: 'line' }, encoding: { x: X, y: Y, color: kinds } },
        { transform: [{ filter: "datum.kind === 'target' || datum.kind === 'backtest'" }], mark: { type: 'rule', strokeWidth: 2 }, encoding: { x: X, y: { ...Y, field: 'lo' }, y2: { field: 'hi' }, color: kinds } },
        { transform: [{ filter: "datum.kind !== 'law'" }], mark: { type: 'point', filled: true, size: 60 }, encoding: { x: X, y: Y, color: kinds, tooltip: [{ field: 'label' }, { field: 'y', title: yName }] } },
      ],
    },
  };
}

function historyChart(m: ReportModel): Chart | null {
  const order = m.ladder ? m.ladder.scales.map((s) => s.name) : [m.study.name];
  const rows = m.history.filter((h) => num(h.value)).map((h) => ({ number: h.number, value: h.value, best: h.best, scale: h.scale ?? m.study.name, kept: h.infeasible ? 'broke a constraint' : 'kept the constraints', role: order.includes(h.scale ?? m.study.name) ? 'search' : 'outside the search' }));
  const constrained = rows.some((r) => r.kept === 'broke a constraint');
  // scales in the ladder's order (by size), each its own colour; verify runs and branches after them, marked apart
  const others = [...new Set(rows.map((r) => r.scale))].filter((s) => !order.includes(s)).sort();
  const colour = { field: 'scale', type: 'nominal', title: m.ladder ? 'scale' : null, sort: [...order, ...others], scale: { domain: [...order, ...others], range: [...order.map((_, i) => PALETTE[i % PALETTE.length]!), ...others.map(() => '#333333')] }, ...(m.ladder ? {} : { legend: null }) };
  if (rows.length === 0) return null;
  const metric = m.study.metric ?? 'value';
  return {
    id: 'history',
    title: 'optimization history',
    caption: `${m.ladder ? "Every completed run in order, by scale; the line is each scale's best so far." : 'Every completed run in order; the line is the best so far.'}${others.length ? ` Diamonds (dark): ${others.join(', ')} — outside the scales' searches.` : ''}${constrained ? ' Crosses: runs that broke a constraint, which are never the best.' : ''}`,
    spec: {
      ...base('optimization history'),
      width: WIDTH,
      height: HEIGHT,
      data: { values: rows },
      layer: [
        {
          mark: { type: 'point', filled: true, size: 25, opacity: 0.7 },
          encoding: {
            // room at the edges without a nice domain, whose ticks would start at trial −5
            x: { field: 'number', type: 'quantitative', title: 'trial', scale: { padding: PAD, nice: false }, axis: { tickMinStep: 1, format: 'd' } },
            y: { field: 'value', type: 'quantitative', scale: { zero: false, padding: PAD }, title: metric },
            color: colour,
            ...(constrained ? { shape: { field: 'kept', type: 'nominal', title: null, scale: { domain: ['kept the constraints', 'broke a constraint'], range: ['circle', 'cross'] } } } : others.length ? { shape: { field: 'role', type: 'nominal', title: null, scale: { domain: ['search', 'outside the search'], range: ['circle', 'diamond'] } } } : {}),
          },
        },
        { mark: { type: 'line', interpolate: 'step-after' }, encoding: { x: { field: 'number', type: 'quantitative' }, y: { field: 'best', type: 'quantitative' }, color: colour } },
      ],
    },
  };
}

function pbtCharts(m: ReportModel): Chart[] {
  const p = m.pbt;
  if (!p) return [];
  const out: Chart[] = [];
  const metric = m.study.metric ?? 'value';
  if (p.curves.length) {
    out.push({
      id: 'pbt-members',
      title: `${metric} of each member (PBT)`,
      caption: `Each member's ${metric} against its step; a jump is an exploit, where a member continued from a better member's checkpoint.`,
      spec: {
        ...base(`${metric} of each member`),
        width: WIDTH,
        height: HEIGHT,
        data: { values: p.curves.map((c) => ({ ...c, member: `member ${c.member}` })) },
        mark: { type: 'line', point: true },
        encoding: { x: { field: 'step', type: 'quantitative' }, y: { field: 'value', type: 'quantitative', scale: { zero: false }, title: metric }, color: { field: 'member', type: 'nominal', title: null } },
      },
    });
  }
  const rows: Record<string, unknown>[] = [];
  // a parameter no exploit ever changes (the run's steps) is no part of the schedule
  const varies = (k: string): boolean => new Set(p.schedule.map((piece) => piece.params[k])).size > 1 || p.exploits.some((e) => e.before[k] !== e.after[k]);
  for (const piece of p.schedule) for (const [k, v] of Object.entries(piece.params)) if (num(v) && varies(k)) rows.push({ param: k, step: piece.from, value: v }, { param: k, step: piece.to, value: v });
  if (rows.length) {
    out.push({
      id: 'pbt-schedule',
      title: 'the winning schedule (PBT)',
      caption: `The hyperparameters the winner trained with, followed back through every exploit${p.winner ? ` (member ${p.winner.member})` : ''}.`,
      spec: {
        ...base('the winning schedule'),
        data: { values: rows },
        facet: { row: { field: 'param', type: 'nominal', title: null } },
        resolve: { scale: { y: 'independent' } },
        spec: { width: WIDTH, height: 120, mark: { type: 'line', interpolate: 'step-after', point: true }, encoding: { x: { field: 'step', type: 'quantitative' }, y: { field: 'value', type: 'quantitative', scale: { zero: false } } } },
      },
    });
  }
  return out;
}

/**
 * A multi-objective study's trials: with two objectives a scatter, the front highlighted and joined as
 * the staircase it dominates; with more, parallel coordinates, each objective scaled to its range.
 */
function frontChart(m: ReportModel): Chart | null {
  const f = m.front;
  if (!f || f.trials.length === 0) return null;
  const names = f.objectives.map((o) => o.name);
  const standing = (on: boolean): string => (on ? 'on the Pareto front' : 'dominated');
  const colour = { field: 'standing', type: 'nominal', title: null, scale: { domain: [standing(true), standing(false)], range: ['#d62728', '#9e9e9e'] } };
  const goals = f.objectives.map((o) => `${o.name} (${o.goal})`).join(', ');
  const infeasible = f.infeasible ? ` ${f.infeasible} trial${f.infeasible === 1 ? '' : 's'} that broke a constraint are not drawn.` : '';
  if (names.length === 2) {
    const [a, b] = f.objectives as [{ name: string; goal: string }, { name: string; goal: string }];
    const rows = f.trials.map((t) => ({ number: t.number, x: t.values[a.name], y: t.values[b.name], standing: standing(t.onFront) }));
    const front = rows.filter((r) => r.standing === standing(true)).sort((p, q) => (p.x as number) - (q.x as number));
    const positive = (k: 'x' | 'y'): boolean => rows.every((r) => (r[k] as number) > 0);
    const spread = (k: 'x' | 'y'): boolean => {
      const v = rows.map((r) => r[k] as number);
      return positive(k) && Math.max(...v) / Math.min(...v) > 100;
    };
    const axis = (k: 'x' | 'y', title: string) => ({ field: k, type: 'quantitative', title, scale: spread(k) ? LOG : { zero: false, nice: true }, ...(spread(k) ? { axis: rows.every((r) => (r[k] as number) >= 1) ? COUNT_AXIS : SMALL_AXIS } : {}) });
    return {
      id: 'front',
      title: `Pareto front: ${a.name} and ${b.name}`,
      caption: `Every feasible completed trial by its two objectives (${goals}); red: the trials no other beats in both, joined by the boundary they dominate.${infeasible}`,
      spec: {
        ...base(`Pareto front: ${a.name} and ${b.name}`),
        width: WIDTH,
        height: HEIGHT,
        layer: [
          { data: { values: front }, mark: { type: 'line', interpolate: a.goal === b.goal ? (a.goal === 'minimize' ? 'step-after' : 'step-before') : 'linear', color: '#d62728', opacity: 0.6 }, encoding: { x: axis('x', a.name), y: axis('y', b.name) } },
          { data: { values: rows }, mark: { type: 'point', filled: true, size: 45 }, encoding: { x: axis('x', a.name), y: axis('y', b.name), color: colour, tooltip: [{ field: 'number', title: 'trial' }, { field: 'x', title: a.name }, { field: 'y', title: b.name }] } },
        ],
      },
    };
  }
  const range = names.map((n) => {
    const v = f.trials.map((t) => t.values[n]!);
    return { lo: Math.min(...v), hi: Math.max(...v) };
  });
  const rows = f.trials.flatMap((t) => names.map((n, i) => ({ number: t.number, objective: n, scaled: (t.values[n]! - range[i]!.lo) / (range[i]!.hi - range[i]!.lo || 1), value: t.values[n], standing: standing(t.onFront) })));
  return {
    id: 'front',
    title: `Pareto front: ${names.length} objectives`,
    caption: `Parallel coordinates: each line a feasible completed trial, each axis an objective (${goals}) from its lowest (0) to highest (1) value seen; red: on the Pareto front.${infeasible}`,
    spec: {
      ...base(`Pareto front: ${names.length} objectives`),
      width: WIDTH,
      height: HEIGHT,
      data: { values: rows },
      mark: { type: 'line', opacity: 0.7 },
      encoding: {
        x: { field: 'objective', type: 'nominal', sort: names, title: null },
        y: { field: 'scaled', type: 'quantitative', title: 'scaled to its range', scale: { domain: [0, 1] } },
        detail: { field: 'number', type: 'nominal' },
        color: colour,
        tooltip: [{ field: 'number', title: 'trial' }, { field: 'objective' }, { field: 'value' }],
      },
    },
  };
}

/**
 * Parameter importance, largest first: by fANOVA each parameter's fraction of the variance alone with
 * its spread over the trees; by PED-ANOVA its share of the total divergence.
 */
function importanceChart(m: ReportModel): Chart | null {
  const imp = m.importance;
  if (!imp || imp.importances.length < 2) return null;
  const y = { field: 'param', type: 'nominal', sort: '-x', title: null };
  const height = Math.max(60, 28 * imp.importances.length);
  if (imp.method === 'fanova') {
    const values = imp.importances.map((x) => ({ param: x.param, fraction: x.score, lo: Math.max(0, x.score - (x.sd ?? 0)), hi: Math.min(1, x.score + (x.sd ?? 0)) }));
    return {
      id: 'importance',
      title: 'parameter importance',
      caption: `fANOVA over ${imp.trials} completed trials: the fraction of ${m.study.metric ?? 'the value'}'s variance each parameter explains on its own, the whisker ± one standard deviation over the forest's trees${imp.oobR2 === null ? '' : ` (out-of-bag R² ${imp.oobR2.toFixed(2)})`}.`,
      spec: {
        ...base('parameter importance'),
        width: WIDTH,
        height,
        data: { values },
        // the order given, not a sort by field, which Vega-Lite cannot union across the two layers
        encoding: { y: { ...y, sort: imp.importances.map((x) => x.param) } },
        layer: [
          { mark: { type: 'bar' }, encoding: { x: { field: 'fraction', type: 'quantitative', title: 'fraction of the variance explained alone', axis: { format: '.0%' }, scale: { domain: [0, 1] } } } },
          { mark: { type: 'rule', color: '#333' }, encoding: { x: { field: 'lo', type: 'quantitative' }, x2: { field: 'hi' } } },
        ],
      },
    };
  }
  return {
    id: 'importance',
    title: 'parameter importance',
    caption: `PED-ANOVA over ${imp.trials} completed trials (the best ${imp.top} against all): each parameter's share of the total divergence.`,
    spec: {
      ...base('parameter importance'),
      width: WIDTH,
      height,
      data: { values: imp.importances.map((x) => ({ param: x.param, share: x.share })) },
      mark: { type: 'bar' },
      encoding: {
        y,
        x: { field: 'share', type: 'quantitative', title: 'share of the importance', axis: { format: '.0%' }, scale: { domain: [0, 1] } },
      },
    },
  };
}

export function reportCharts(m: ReportModel): Chart[] {
  return [frontChart(m), importanceChart(m), sweepChart(m), lawChart(m, 'lr'), lawChart(m, 'batch'), lawChart(m, 'loss'), historyChart(m), learningCurveChart(m), ...pbtCharts(m)].filter((c): c is Chart => c !== null);
}

/** One chart to SVG, rendered headless by vega (text measured by estimate; no canvas, no browser). */
export async function renderSvg(spec: Record<string, unknown>): Promise<string> {
  const vl = await import('vega-lite');
  const vega = await import('vega');
  const compiled = vl.compile(spec as never).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
