/**
 * Charts of a study's trials beyond the report's own: learning curves (in reports too), and for the
 * dashboard slice plots, parallel coordinates, the GP's mean over two parameters, the PBT lineage and
 * two studies side by side. Pure Vega-Lite specs from the report model and the search space.
 */
import { fromUnit, isFixed, isLogScale, toUnit, valueBounds, type SearchSpace } from '../core/distributions.js';
import type { Chart } from './charts.js';
import { base, COUNT_AXIS, HEIGHT, LOG, num, PAD, PALETTE, SMALL_AXIS, WIDTH } from './chart-style.js';
import type { ReportModel } from './model.js';
import type { Surface } from './surface.js';

/** A report draws at most this many finished curves (the best ones); running ones always. */
export const REPORT_CURVES = 60;

const STATE_COLOURS: Record<string, string> = { complete: '#4c78a8', running: '#f58518', pruned: '#e45756', fail: '#7f7f7f', stale: '#bab0ac', waiting: '#bab0ac' };

/** A positive range wider than this factor reads better on a log axis (a loss falling from 10 to 2). */
const LOG_SPAN = 3;

/** The q-quantile of `v` (0 ≤ q ≤ 1), by the nearest rank. */
function quantile(v: readonly number[], q: number): number {
  const sorted = [...v].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/**
 * The metric's axis: log when it falls by more than LOG_SPAN, and topped at the 98th percentile so that
 * one diverging run does not flatten every other curve against the floor (its line is clipped).
 */
function yScale(values: readonly number[]): { scale: Record<string, unknown>; clipped: boolean } {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const top = quantile(values, 0.98);
  const clipped = top < hi && top > lo;
  const domain = clipped ? { domain: [lo, top] } : {};
  return { scale: lo > 0 && (clipped ? top : hi) / lo > LOG_SPAN ? { ...LOG, nice: false, ...domain } : { zero: false, ...(clipped ? domain : { padding: PAD }) }, clipped };
}

/**
 * Each trial's metric against its step: running trials in orange, pruned ones ending in a cross, a
 * ladder's coloured by scale. `limit` keeps the best finished curves; null draws them all.
 */
export function learningCurveChart(m: ReportModel, limit: number | null = REPORT_CURVES): Chart | null {
  const curves = (m.learningCurves ?? []).filter((c) => c.points.length >= 2);
  if (curves.length === 0) return null;
  const sign = m.study.goal === 'maximize' ? -1 : 1;
  const last = (c: (typeof curves)[number]): number => c.points[c.points.length - 1]!.value;
  const running = curves.filter((c) => c.state === 'running');
  const finished = curves.filter((c) => c.state !== 'running').sort((a, z) => sign * (last(a) - last(z)));
  const shown = [...running, ...(limit === null ? finished : finished.slice(0, limit))];
  const metric = m.study.metric ?? 'value';
  const ladder = m.ladder !== null;
  // scales of a ladder train for steps orders of magnitude apart: on a linear axis the small ones vanish
  const lastSteps = shown.map((c) => c.points[c.points.length - 1]!.step).filter((v) => v > 0);
  const logSteps = lastSteps.length > 1 && Math.max(...lastSteps) / Math.min(...lastSteps) > 10;
  const rows = shown.flatMap((c) => c.points.filter((p) => !logSteps || p.step > 0).map((p) => ({ trial: c.number, step: p.step, value: p.value, state: c.state, scale: c.scale ?? m.study.name })));
  const y = yScale(rows.map((r) => r.value));
  const ends = shown.filter((c) => c.state === 'pruned').map((c) => ({ trial: c.number, step: c.points[c.points.length - 1]!.step, value: last(c), state: c.state, scale: c.scale ?? m.study.name }));
  const scales = m.ladder ? [...m.ladder.scales.map((s) => s.name), ...new Set(rows.map((r) => r.scale).filter((s) => !m.ladder!.scales.some((x) => x.name === s)))] : [];
  const states = [...new Set(rows.map((r) => r.state))];
  const colour = ladder
    ? { field: 'scale', type: 'nominal', title: 'scale', scale: { domain: scales, range: scales.map((_, i) => PALETTE[i % PALETTE.length]!) } }
    : { field: 'state', type: 'nominal', title: null, scale: { domain: states, range: states.map((s) => STATE_COLOURS[s] ?? '#333333') } };
  const left = curves.length - shown.length;
  return {
    id: 'learning-curves',
    title: `learning curves: ${metric} against step`,
    caption: `${metric} as each trial reported it${ladder ? ', by scale' : ''}${running.length ? '; running trials included' : ''}${ends.length ? '; a cross ends each pruned trial' : ''}.${left > 0 ? ` The best ${limit} finished curves of ${curves.length - running.length} are drawn.` : ''}${logSteps ? ' Steps on a log axis: the runs are of very different lengths.' : ''}${y.clipped ? ` The ${metric} axis stops at the 98th percentile of the values reported; higher ones run off the top.` : ''}`,
    spec: {
      ...base(`learning curves: ${metric}`),
      width: WIDTH,
      height: HEIGHT,
      layer: [
        {
          data: { values: rows },
          mark: { type: 'line', opacity: 0.6, strokeWidth: 1.2, clip: true },
          encoding: {
            // steps are whole: 1 2 … 10, or 20k, never 1.0 2.0
            x: { field: 'step', type: 'quantitative', title: 'step', ...(logSteps ? { scale: { ...LOG, nice: false }, axis: COUNT_AXIS } : { axis: { ...COUNT_AXIS, tickMinStep: 1 } }) },
            y: { field: 'value', type: 'quantitative', title: metric, scale: y.scale },
            detail: { field: 'trial', type: 'nominal' },
            color: colour,
            tooltip: [{ field: 'trial' }, { field: 'state' }, { field: 'step' }, { field: 'value', title: metric }],
          },
        },
        ...(ends.length
          ? [{ data: { values: ends }, mark: { type: 'point', shape: 'cross', size: 60, filled: true, color: '#e45756', clip: true }, encoding: { x: { field: 'step', type: 'quantitative' }, y: { field: 'value', type: 'quantitative' }, tooltip: [{ field: 'trial' }, { field: 'state' }] } }]
          : []),
      ],
    },
  };
}

/** The searched parameters a chart can place on an axis: not fixed, with a value in at least one trial. */
function searched(space: SearchSpace, m: ReportModel): string[] {
  return Object.entries(space)
    .filter(([k, d]) => !isFixed(d) && m.history.some((h) => h.params[k] !== undefined && h.params[k] !== null))
    .map(([k]) => k);
}

/** Completed, feasible trials of the search: a ladder's verify runs and branches ('verify 70B', 'branch s1') are outside it. */
function completed(m: ReportModel) {
  return m.history.filter((h) => h.state === 'complete' && num(h.value) && !h.infeasible && !h.scale?.includes(' '));
}

/** One panel per searched parameter: the metric against its value, later trials darker (Optuna's slice plot). */
export function sliceChart(m: ReportModel, space: SearchSpace): Chart | null {
  const done = completed(m);
  const params = searched(space, m);
  if (done.length === 0 || params.length === 0) return null;
  const metric = m.study.metric ?? 'value';
  const y = { field: 'value', type: 'quantitative', title: metric, scale: { zero: false, padding: PAD } };
  const panels = params.map((p) => {
    const d = space[p]!;
    const numeric = done.every((h) => typeof h.params[p] === 'number');
    const rows = done.filter((h) => h.params[p] !== undefined).map((h) => ({ trial: h.number, x: numeric || typeof h.params[p] === 'string' ? h.params[p] : JSON.stringify(h.params[p]), value: h.value }));
    return {
      width: 200,
      height: 150,
      data: { values: rows },
      mark: { type: 'point', filled: true, size: 30 },
      encoding: {
        // a categorical's values are places, evenly apart in their order (16 … 256 would crowd on a linear axis)
        x:
          d.type === 'categorical'
            ? { field: 'x', type: 'ordinal', title: p, sort: numeric ? [...d.values].sort((u, v) => Number(u) - Number(v)) : d.values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))), axis: { labelAngle: 0 } }
            : numeric
              ? { field: 'x', type: 'quantitative', title: p, scale: isLogScale(d) ? { ...LOG, padding: PAD, nice: false } : { zero: false, padding: PAD }, ...(isLogScale(d) ? { axis: SMALL_AXIS } : {}) }
              : { field: 'x', type: 'nominal', title: p },
        y,
        color: { field: 'trial', type: 'quantitative', title: 'trial', scale: { scheme: 'blues' } },
        tooltip: [{ field: 'trial' }, { field: 'x', title: p }, { field: 'value', title: metric }],
      },
    };
  });
  return {
    id: 'slice',
    title: `${metric} against each parameter`,
    caption: `Every completed trial, once per searched parameter; darker dots are later trials, so a search that converged shows its dark dots bunched.`,
    spec: { ...base(`${metric} against each parameter`), concat: panels, columns: 3, resolve: { scale: { color: 'shared' } } },
  };
}

/** Each completed trial as a line across its parameters (in the unit of the search: log-warped where searched so) and its metric. */
export function parallelChart(m: ReportModel, space: SearchSpace): Chart | null {
  const done = completed(m);
  const params = searched(space, m);
  if (done.length < 2 || params.length === 0) return null;
  const metric = m.study.metric ?? 'value';
  const values = done.map((h) => h.value!);
  const lo = Math.min(...values);
  const span = Math.max(...values) - lo || 1;
  const axes = [...params, metric];
  const rows = done.flatMap((h) => [
    ...params.map((p) => ({ trial: h.number, axis: p, at: toUnit(space[p]!, h.params[p] ?? null), shown: typeof h.params[p] === 'string' ? h.params[p] : JSON.stringify(h.params[p]), value: h.value })),
    { trial: h.number, axis: metric, at: (h.value! - lo) / span, shown: String(h.value), value: h.value },
  ]);
  // each axis says what its ends (and a categorical's places) stand for, since the shared 0–1 scale cannot
  const short = (v: unknown): string => (typeof v === 'number' ? (Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-2 && v !== 0) ? v.toExponential(1) : String(Number(v.toPrecision(3)))) : String(v));
  const labels = params.flatMap((p) => {
    const d = space[p]!;
    if (d.type === 'categorical') return d.values.map((v) => ({ axis: p, at: toUnit(d, v), label: short(v) }));
    const b = valueBounds(d) ?? [Number(fromUnit(d, 0.001)), Number(fromUnit(d, 0.999))];
    return [{ axis: p, at: 0, label: short(b[0]) }, { axis: p, at: 1, label: short(b[1]) }];
  });
  labels.push({ axis: metric, at: 0, label: short(lo) }, { axis: metric, at: 1, label: short(lo + span) });
  return {
    id: 'parallel',
    title: 'parallel coordinates',
    caption: `Each completed trial as a line through its parameters, each axis its search range from low (0) to high (1), log-scaled where the search is, with its ends (a categorical parameter: its values) written beside it, and last its ${metric} from the lowest to the highest seen; colour is ${metric}.`,
    spec: {
      ...base('parallel coordinates'),
      width: Math.max(WIDTH, 110 * axes.length),
      height: HEIGHT,
      layer: [
        {
          data: { values: rows },
          mark: { type: 'line', opacity: 0.55 },
          encoding: {
            x: { field: 'axis', type: 'nominal', sort: axes, title: null, axis: { labelAngle: 0, orient: 'bottom' } },
            y: { field: 'at', type: 'quantitative', title: 'position in its range', scale: { domain: [0, 1], padding: PAD } },
            detail: { field: 'trial', type: 'nominal' },
            color: { field: 'value', type: 'quantitative', title: metric, scale: { scheme: 'viridis', reverse: m.study.goal !== 'maximize' } },
            tooltip: [{ field: 'trial' }, { field: 'axis' }, { field: 'shown', title: 'value' }],
          },
        },
        {
          data: { values: labels },
          mark: { type: 'text', align: 'left', dx: 4, fontSize: 10, color: '#333' },
          encoding: { x: { field: 'axis', type: 'nominal', sort: axes }, y: { field: 'at', type: 'quantitative' }, text: { field: 'label' } },
        },
      ],
    },
  };
}

/** The GP's posterior mean over two parameters (the others held at the best trial's values), with the trials on it. */
export function contourChart(m: ReportModel, surface: Surface | null): Chart | null {
  if (!surface) return null;
  const metric = m.study.metric ?? 'value';
  const [a, b] = surface.params;
  const axis = (name: string, log: boolean, field: string) => ({ field, type: 'quantitative', title: name, scale: log ? { ...LOG, nice: false } : { zero: false, nice: false }, ...(log ? { axis: SMALL_AXIS } : {}) });
  return {
    id: 'contour',
    title: `GP mean of ${metric} over ${a} and ${b}`,
    caption: `The posterior mean of a Gaussian process fitted to the ${surface.trials} completed trials, over ${a} and ${b}${surface.heldAt ? ` with the other parameters at the best trial's values (${surface.heldAt})` : ''}; dots are the trials, the white one the best.`,
    spec: {
      ...base(`GP mean of ${metric} over ${a} and ${b}`),
      width: 420,
      height: 340,
      layer: [
        {
          data: { values: surface.cells },
          mark: { type: 'rect' },
          encoding: {
            x: axis(a, surface.log[0], 'x0'),
            x2: { field: 'x1' },
            y: axis(b, surface.log[1], 'y0'),
            y2: { field: 'y1' },
            color: { field: 'mean', type: 'quantitative', title: `${metric} (GP mean)`, scale: { scheme: 'viridis', reverse: m.study.goal !== 'maximize' } },
            tooltip: [{ field: 'mean', title: `${metric} (GP mean)`, format: '.4g' }],
          },
        },
        {
          data: { values: surface.points },
          mark: { type: 'point', filled: true, size: 28, stroke: 'black', strokeWidth: 0.5 },
          encoding: {
            x: { field: 'x', type: 'quantitative' },
            y: { field: 'y', type: 'quantitative' },
            color: { condition: { test: 'datum.best', value: 'white' }, value: '#333333' },
            tooltip: [{ field: 'trial' }, { field: 'value', title: metric }],
          },
        },
      ],
    },
  };
}

/** PBT's lineage as a tree over time: one line per member, an arrow wherever a member copied a donor's checkpoint. */
export function lineageChart(m: ReportModel): Chart | null {
  const p = m.pbt;
  if (!p || p.curves.length === 0) return null;
  const span = new Map<number, { from: number; to: number }>();
  for (const c of p.curves) {
    const s = span.get(c.member);
    span.set(c.member, s ? { from: Math.min(s.from, c.step), to: Math.max(s.to, c.step) } : { from: c.step, to: c.step });
  }
  const lives = [...span.entries()].map(([member, s]) => ({ member, from: s.from, to: s.to, winner: p.winner?.member === member }));
  const copies = p.exploits.filter((e) => e.donor !== null).map((e) => ({ member: e.member, donor: e.donor, step: e.step, kind: e.kind }));
  const y = { field: 'member', type: 'ordinal', title: 'member', sort: 'ascending' };
  return {
    id: 'pbt-lineage',
    title: 'lineage (PBT)',
    caption: `Each member's training over steps (the winner's line thick); each vertical segment is an exploit: at that step the member at the dot continued from the donor's checkpoint with perturbed hyperparameters. ${copies.length} exploit${copies.length === 1 ? '' : 's'}.`,
    spec: {
      ...base('lineage'),
      width: WIDTH,
      height: Math.max(120, 26 * lives.length),
      layer: [
        { data: { values: lives }, mark: { type: 'rule' }, encoding: { x: { field: 'from', type: 'quantitative', title: 'step' }, x2: { field: 'to' }, y, strokeWidth: { condition: { test: 'datum.winner', value: 4 }, value: 1.5 }, color: { condition: { test: 'datum.winner', value: '#e45756' }, value: '#4c78a8' } } },
        { data: { values: copies }, mark: { type: 'rule', color: '#f58518', strokeDash: [3, 2] }, encoding: { x: { field: 'step', type: 'quantitative' }, y: { field: 'donor', type: 'ordinal', sort: 'ascending' }, y2: { field: 'member' } } },
        { data: { values: copies }, mark: { type: 'point', filled: true, color: '#f58518', size: 50 }, encoding: { x: { field: 'step', type: 'quantitative' }, y, tooltip: [{ field: 'member' }, { field: 'donor' }, { field: 'step' }, { field: 'kind' }] } },
      ],
    },
  };
}

/** Two studies' histories on one axis: every completed trial and each study's best so far. */
export function compareChart(a: ReportModel, b: ReportModel): Chart | null {
  // values of different metrics on one axis would read as comparable
  if (a.study.metric !== b.study.metric) return null;
  const rows = [a, b].flatMap((m) => completed(m).map((h) => ({ study: m.study.name, number: h.number, value: h.value, best: h.best })));
  if (rows.length === 0) return null;
  const metric = a.study.metric ?? 'value';
  const colour = { field: 'study', type: 'nominal', title: null, scale: { domain: [a.study.name, b.study.name], range: [PALETTE[0], PALETTE[1]] } };
  return {
    id: 'compare-history',
    title: `${metric}: ${a.study.name} and ${b.study.name}`,
    caption: `Every completed trial of both studies by trial number; each line is that study's best so far.`,
    spec: {
      ...base(`${metric}: ${a.study.name} and ${b.study.name}`),
      width: WIDTH,
      height: HEIGHT,
      data: { values: rows },
      layer: [
        { mark: { type: 'point', filled: true, size: 25, opacity: 0.6 }, encoding: { x: { field: 'number', type: 'quantitative', title: 'trial' }, y: { field: 'value', type: 'quantitative', scale: { zero: false, padding: PAD }, title: metric }, color: colour } },
        { mark: { type: 'line', interpolate: 'step-after' }, encoding: { x: { field: 'number', type: 'quantitative' }, y: { field: 'best', type: 'quantitative' }, color: colour } },
      ],
    },
  };
}
