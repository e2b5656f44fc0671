/**
 * What each dashboard page shows, as JSON for its script: built from the report model every static
 * report draws (its blocks: the same sentences, tables and Vega-Lite charts) plus the charts only a
 * browser has room for. Pure: the server reads storage and passes the records in.
 */
import { redactUrl } from '../core/hint.js';
import type { Metric, LogLine, Trial } from '../core/trial.js';
import { paretoTrials } from '../core/pareto.js';
import { reportCharts, type Chart } from '../report/charts.js';
import { checkAgainst, type CheckResult } from '../report/check.js';
import { trialToJson, type TrialJson } from '../report/format.js';
import type { ReportModel } from '../report/model.js';
import { reportBlocks, type Block } from '../report/render.js';
import { compareChart, contourChart, learningCurveChart, lineageChart, parallelChart, sliceChart } from '../report/study-charts.js';
import type { Surface } from '../report/surface.js';
import { PAD } from '../report/chart-style.js';
import type { StudyRecord, StudySummary } from '../storage/types.js';

export interface StudyRow {
  name: string;
  method: string;
  backend: string;
  metric: string | null;
  goal: string | null;
  counts: Record<string, number>;
  best: number | null;
  /** ms since the epoch of the last trial start, heartbeat or finish */
  lastActivity: number | null;
  created: number;
  kind: 'ladder' | 'pbt' | 'multi-objective' | 'search';
  note: string | null;
}

function kindOf(cfg: StudyRecord['config']): StudyRow['kind'] {
  return cfg.scales?.length ? 'ladder' : cfg.pbt ? 'pbt' : cfg.objectives ? 'multi-objective' : 'search';
}

export function studyRows(studies: readonly StudySummary[], notes: ReadonlyMap<number, string>): StudyRow[] {
  return studies.map((s) => ({
    name: s.name,
    method: s.config.method,
    backend: s.config.backend.type,
    metric: s.config.objectives ? s.config.objectives.map((o) => o.name).join(', ') : (s.config.metric?.name ?? null),
    goal: s.config.objectives ? null : (s.config.metric?.goal ?? null),
    counts: Object.fromEntries(Object.entries(s.counts).filter(([, n]) => n > 0).map(([k, n]) => [k.toLowerCase(), n])),
    best: s.config.objectives ? null : s.best,
    lastActivity: s.lastActivity,
    created: s.createdAt,
    kind: kindOf(s.config),
    note: notes.get(s.id) ?? null,
  }));
}

/** Keys whose values a page must never show, wherever they sit in a config. */
const SECRET_KEY = /(api[_-]?key(?!_env)|token|password|passwd|secret|authorization|credential)/i;

/** A config as the page shows it: secrets' values replaced, passwords cut out of URLs. */
export function redact(v: unknown, key = ''): unknown {
  if (SECRET_KEY.test(key) && v !== null && typeof v !== 'object') return '[hidden]';
  if (typeof v === 'string') return /^[a-z][\w+.-]*:\/\/[^/\s]*@/i.test(v) ? redactUrl(v) : v;
  if (Array.isArray(v)) return v.map((x) => redact(x));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, redact(x, k)]));
  return v;
}

export interface StudyPage {
  study: StudyRow;
  config: unknown;
  trials: TrialJson[];
  /** the report's blocks, with the dashboard's charts in its chart section */
  blocks: Block[];
  /** whether a trial is running (the page then refreshes while it stays open) */
  running: boolean;
}

/** The charts a study page draws: the report's, every learning curve, and the search's own views. */
export function studyCharts(m: ReportModel, cfg: StudyRecord['config'], surface: Surface | null): Chart[] {
  // every curve, not the report's best few; a search's sweep chart is the slice plot's lr panel again
  const charts = reportCharts(m).filter((c) => c.id !== 'learning-curves' && !(c.id === 'sweep' && !cfg.scales?.length));
  const extra: (Chart | null)[] = [learningCurveChart(m, null)];
  // a ladder's scales are searched apart: its sweep chart is the slice plot that compares like with like
  if (!cfg.scales?.length && !cfg.pbt && !cfg.objectives) extra.push(sliceChart(m, cfg.parameters), parallelChart(m, cfg.parameters), contourChart(m, surface));
  if (cfg.pbt) extra.push(lineageChart(m));
  return [...charts, ...extra.filter((c): c is Chart => c !== null)];
}

export function studyPage(row: StudyRow, record: StudyRecord, model: ReportModel, trials: readonly Trial[], surface: Surface | null): StudyPage {
  const cfg = record.config;
  const front = cfg.objectives ? new Set(paretoTrials(trials.filter((t) => t.state === 'COMPLETE' && !t.infeasible), cfg.objectives).map((t) => t.number)) : undefined;
  return {
    study: row,
    config: redact(cfg),
    trials: trials.map((t) => trialToJson(t, trials, {}, front)),
    blocks: reportBlocks(model, studyCharts(model, cfg, surface)),
    running: trials.some((t) => t.state === 'RUNNING'),
  };
}

export interface TrialPage {
  study: string;
  /** the study's metric, which the trial's value is of */
  metric: string | null;
  trial: TrialJson;
  /** every metric the trial reported, by name: [step, value] */
  metrics: Record<string, [number, number | null][]>;
  /** its last lines of output */
  logs: { stream: string; line: string }[];
  chart: Chart | null;
}

export const TRIAL_LOG_LINES = 200;

export function trialPage(study: StudyRecord, trial: Trial, all: readonly Trial[], metrics: readonly Metric[], logs: readonly LogLine[]): TrialPage {
  const byName: Record<string, [number, number | null][]> = {};
  for (const m of metrics) (byName[m.name] ??= []).push([m.step, m.value]);
  const rows = metrics.filter((m) => m.value !== null && Number.isFinite(m.value)).map((m) => ({ metric: m.name, step: m.step, value: m.value }));
  const chart: Chart | null = rows.length
    ? {
        id: 'trial-metrics',
        title: `trial ${trial.number}: every metric against step`,
        caption: `Each metric trial ${trial.number} reported, one panel per metric${trial.state === 'RUNNING' ? '; it is running, and the curves grow as it reports' : ''}.`,
        spec: {
          $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
          background: 'white',
          data: { values: rows },
          facet: { field: 'metric', type: 'nominal', title: null },
          columns: 2,
          resolve: { scale: { y: 'independent' } },
          spec: { width: 300, height: 160, mark: { type: 'line', point: rows.length < 60 }, encoding: { x: { field: 'step', type: 'quantitative', scale: { padding: PAD } }, y: { field: 'value', type: 'quantitative', scale: { zero: false, padding: PAD }, title: 'reported value' } } },
        },
      }
    : null;
  return {
    study: study.name,
    metric: study.config.metric?.name ?? null,
    trial: trialToJson(trial, all),
    metrics: byName,
    logs: logs.slice(-TRIAL_LOG_LINES).map((l) => ({ stream: l.stream, line: l.line })),
    chart,
  };
}

export interface ComparePage {
  a: StudyRow;
  b: StudyRow;
  check: CheckResult;
  charts: Chart[];
}

export function comparePage(a: StudyRow, b: StudyRow, ma: ReportModel, mb: ReportModel): ComparePage {
  const chart = compareChart(ma, mb);
  return { a, b, check: checkAgainst(ma, mb, 0.01, b.name), charts: chart ? [chart] : [] };
}
