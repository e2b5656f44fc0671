/** Shapes and text for trials, shared by every command that prints them. Pure. */
import type { ParamValue } from '../core/distributions.js';
import type { Trial } from '../core/trial.js';

/** A trial as scripts see it (`trials --json`, `best --json`, `ask --json`): snake_case, state in lower case. */
export interface TrialJson {
  number: number;
  state: string;
  params: Record<string, ParamValue>;
  value: number | null;
  error: string | null;
  retry_of: number | null;
  started_at: string | null;
  finished_at: string | null;
  duration_s: number | null;
  checkpoint: string | null;
  /** PBT: the member this trial is a segment of, and the step it trains to (absent otherwise) */
  member?: number;
  stop_at?: number;
  /** scale ladders: the scale the trial ran at (`verify` runs say so in `role`) */
  scale?: Record<string, unknown>;
  /** the devices the trial ran on (CUDA_VISIBLE_DEVICES), for studies with `resources:` */
  gpus?: string[];
  /** studies with several objectives, constraints or a cost: the last value of each metric they name */
  values?: Record<string, number | null>;
  /** why the trial breaks a constraint (null when it keeps them; absent for studies of one metric) */
  infeasible?: string | null;
  /** multi-objective studies: whether the trial is on the Pareto front */
  on_front?: boolean;
}

/**
 * Keys whose values are maps named by the user or by a law (parameter names, law coefficients, trial
 * states, a config as written): their own keys are kept as they are.
 */
const VERBATIM = new Set(['params', 'values', 'before', 'after', 'params_before', 'params_after', 'intervals', 'counts', 'config', 'attrs', 'request', 'scores', 'model']);

const snake = (k: string): string => k.replace(/([a-z0-9])([A-Z])/g, (_m, a: string, b: string) => `${a}_${b.toLowerCase()}`);
const camel = (k: string): string => k.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());

function mapKeys(v: unknown, rename: (k: string) => string): unknown {
  if (Array.isArray(v)) return v.map((x) => mapKeys(x, rename));
  if (v === null || typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    const name = rename(k);
    out[name] = VERBATIM.has(k) || VERBATIM.has(name) ? x : mapKeys(x, rename);
  }
  return out;
}

/**
 * Machine output's one vocabulary: every key snake_case (`lrParam` → `lr_param`; `N` stays `N`), deeply,
 * except inside user-named maps. The TypeScript shapes stay camelCase; every JSON printer converts here.
 */
export function snakeKeys(v: unknown): unknown {
  return mapKeys(v, snake);
}

/** The inverse of snakeKeys, for reading machine output back into the TypeScript shapes (camelCase input passes unchanged). */
export function camelKeys(v: unknown): unknown {
  return mapKeys(v, camel);
}

const iso = (t: number | null): string | null => (t === null ? null : new Date(t).toISOString());

export function trialToJson(t: Trial, all: readonly Trial[] = [], attrs: Record<string, unknown> = {}, front?: ReadonlySet<number>): TrialJson {
  const retry = t.retryOf === null ? null : (all.find((x) => x.id === t.retryOf)?.number ?? null);
  return {
    number: t.number,
    state: t.state.toLowerCase(),
    params: t.params,
    value: t.value,
    error: t.error,
    retry_of: retry,
    started_at: iso(t.startedAt),
    finished_at: iso(t.finishedAt),
    duration_s: t.startedAt !== null && t.finishedAt !== null ? (t.finishedAt - t.startedAt) / 1000 : null,
    checkpoint: t.checkpoint,
    ...(t.member !== null ? { member: t.member } : {}),
    ...(t.stopAt !== null ? { stop_at: t.stopAt } : {}),
    ...(t.scale ? { scale: t.scale } : {}),
    ...(Array.isArray(attrs.gpus) ? { gpus: attrs.gpus as string[] } : {}),
    ...(t.values ? { values: t.values } : {}),
    // present (null when feasible) wherever the study names metrics beyond one, so scripts can test it
    ...(t.values || t.infeasible ? { infeasible: t.infeasible } : {}),
    ...(front ? { on_front: front.has(t.number) } : {}),
  };
}

/** A number in at most `digits` significant digits, without noise: 0.0031, 2.3412, 1.2e-05. */
export function fmtNum(v: number | null | undefined, digits = 5): string {
  if (v === null || v === undefined) return '-';
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(Math.max(0, digits - 2)).replace(/\.?0+e/, 'e');
  const rounded = v.toPrecision(digits);
  // a value that is not whole keeps its zeros (1.0000), so that rounding never reads as an exact 1
  return Number.isInteger(Number(rounded)) && !rounded.includes('e') ? rounded.replace(/(\.\d*?[1-9])0+$/, '$1') : String(Number(rounded));
}

export function fmtValue(v: ParamValue): string {
  if (typeof v === 'number') return fmtNum(v);
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

export function fmtParams(params: Record<string, ParamValue>): string {
  return Object.entries(params)
    .map(([k, v]) => `${k}=${fmtValue(v)}`)
    .join(' ');
}

/** Columns padded to their widest cell. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(header: string[], rows: unknown[][]): string {
  return [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\n') + '\n';
}

/** Trials as CSV: one column per parameter (`params_lr`), as Optuna's trials_dataframe names them. */
export function trialsCsv(trials: readonly Trial[]): string {
  const names = [...new Set(trials.flatMap((t) => Object.keys(t.params)))];
  const segments = trials.some((t) => t.member !== null);
  const scaled = trials.some((t) => t.scale !== null);
  const valueNames = [...new Set(trials.flatMap((t) => Object.keys(t.values ?? {})))];
  const constrained = trials.some((t) => t.infeasible !== null);
  const header = ['number', 'state', 'value', ...valueNames.map((n) => `values_${n}`), ...(constrained ? ['infeasible'] : []), ...names.map((n) => `params_${n}`), 'duration_s', 'started_at', 'finished_at', 'retry_of', ...(segments ? ['member', 'stop_at'] : []), ...(scaled ? ['scale', 'scale_params', 'scale_tokens', 'scale_role'] : []), 'error'];
  const rows = trials.map((t) => {
    const j = trialToJson(t, trials);
    const sc = scaled ? [t.scale?.name ?? null, t.scale?.params ?? null, t.scale?.tokens ?? null, t.scale?.role ?? null] : [];
    return [j.number, j.state, j.value, ...valueNames.map((n) => t.values?.[n] ?? null), ...(constrained ? [t.infeasible] : []), ...names.map((n) => t.params[n]), j.duration_s, j.started_at, j.finished_at, j.retry_of, ...(segments ? [t.member, t.stopAt] : []), ...sc, j.error];
  });
  return toCsv(header, rows);
}
