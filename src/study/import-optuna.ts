/**
 * `scaletune import optuna <storage>`: an Optuna study's history, read from its tables directly (SQLite
 * or PostgreSQL; no Python), recorded as a scaletune study — each parameter with its distribution,
 * objective values, states, intermediate values — so that fit, report, best and check work on it, and
 * ask/tell (method bayes) can continue it. Optuna's schema: studies, study_directions,
 * study_system_attributes (metric names), trials, trial_params (an internal value and the distribution
 * as JSON; a categorical's value is its index), trial_values, trial_intermediate_values.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import { STUDY_NAME, type StudyConfig } from '../config/index.js';
import type { Distribution, Params, ParamValue, SearchSpace } from '../core/distributions.js';
import { UsageError } from '../core/errors.js';
import { redactUrl } from '../core/hint.js';
import type { MetricConfig } from '../core/trial.js';
import type { Storage, StudyRecord } from '../storage/types.js';

type Row = Record<string, unknown>;

export interface OptunaTrial {
  trialId: number;
  number: number;
  state: string;
  start: string | null;
  complete: string | null;
  params: { name: string; value: number; distribution: Record<string, unknown> }[];
  /** objective index → value (null: not finite) */
  values: Map<number, number | null>;
  intermediate: { step: number; value: number | null }[];
}

export interface OptunaStudy {
  name: string;
  directions: ('minimize' | 'maximize')[];
  metricNames: string[] | null;
  trials: OptunaTrial[];
}

/** `sqlite:///path` (Optuna's URL), a file path, or a postgres:// URL. */
async function query(url: string): Promise<{ all: (sql: string) => Promise<Row[]>; close: () => Promise<void> }> {
  if (/^postgres(ql)?(\+\w+)?:\/\//.test(url)) {
    const client = new pg.Client({ connectionString: url.replace(/^postgres(ql)?\+\w+:/, 'postgresql:') });
    await client.connect();
    return { all: async (sql) => (await client.query(sql)).rows as Row[], close: () => client.end() };
  }
  const file = url.replace(/^sqlite:\/\/\//, '');
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
  } catch (e) {
    throw new UsageError(`import optuna: cannot open ${file} (${(e as Error).message}); allowed: an Optuna SQLite file (path or sqlite:///path) or a postgres:// URL`);
  }
  return {
    all: async (sql) => db.prepare(sql).all() as Row[],
    close: async () => {
      db.close();
    },
  };
}

const finite = (v: unknown, type: unknown): number | null => (type === undefined || type === 'FINITE') && typeof v === 'number' && Number.isFinite(v) ? v : null;

/** Every study of an Optuna storage, with its trials. */
export async function readOptuna(url: string): Promise<OptunaStudy[]> {
  const q = await query(url);
  try {
    let studies: Row[];
    try {
      studies = await q.all('SELECT study_id, study_name FROM studies ORDER BY study_id');
    } catch (e) {
      throw new UsageError(`import optuna: ${redactUrl(url)} has no Optuna tables (${(e as Error).message.split('\n')[0]}); allowed: a storage an Optuna study wrote`);
    }
    const dirs = await q.all('SELECT study_id, direction, objective FROM study_directions ORDER BY objective');
    const sys = await q.all("SELECT study_id, key, value_json FROM study_system_attributes WHERE key = 'study:metric_names'");
    const trials = await q.all('SELECT trial_id, number, study_id, state, datetime_start, datetime_complete FROM trials ORDER BY number');
    const params = await q.all('SELECT trial_id, param_name, param_value, distribution_json FROM trial_params ORDER BY param_id');
    const values = await q.all('SELECT trial_id, objective, value, value_type FROM trial_values');
    const inter = await q.all('SELECT trial_id, step, intermediate_value, intermediate_value_type FROM trial_intermediate_values ORDER BY step');
    const byTrial = new Map<number, OptunaTrial>();
    for (const t of trials) {
      byTrial.set(Number(t.trial_id), {
        trialId: Number(t.trial_id),
        number: Number(t.number),
        state: String(t.state),
        start: t.datetime_start === null ? null : String(t.datetime_start),
        complete: t.datetime_complete === null ? null : String(t.datetime_complete),
        params: [],
        values: new Map(),
        intermediate: [],
      });
    }
    for (const p of params) byTrial.get(Number(p.trial_id))?.params.push({ name: String(p.param_name), value: Number(p.param_value), distribution: JSON.parse(String(p.distribution_json)) as Record<string, unknown> });
    for (const v of values) byTrial.get(Number(v.trial_id))?.values.set(Number(v.objective), finite(v.value, v.value_type));
    for (const v of inter) byTrial.get(Number(v.trial_id))?.intermediate.push({ step: Number(v.step), value: finite(v.intermediate_value, v.intermediate_value_type) });
    return studies.map((s) => {
      const id = Number(s.study_id);
      const names = sys.find((r) => Number(r.study_id) === id);
      return {
        name: String(s.study_name),
        directions: dirs.filter((d) => Number(d.study_id) === id).map((d) => (String(d.direction) === 'MAXIMIZE' ? 'maximize' : 'minimize')),
        metricNames: names ? (JSON.parse(String(names.value_json)) as string[] | null) : null,
        trials: trials.filter((t) => Number(t.study_id) === id).map((t) => byTrial.get(Number(t.trial_id))!),
      };
    });
  } finally {
    await q.close();
  }
}

/** An Optuna distribution (its JSON in trial_params, of Optuna 2, 3 or 4) as scaletune's. */
export function toDistribution(json: Record<string, unknown>): Distribution {
  const a = (json.attributes ?? {}) as Record<string, unknown>;
  const low = Number(a.low);
  const high = Number(a.high);
  const step = a.step === null || a.step === undefined ? null : Number(a.step);
  switch (json.name) {
    case 'FloatDistribution':
      if (a.log) return { type: 'log_uniform_values', min: low, max: high };
      return step !== null ? { type: 'q_uniform', min: low, max: high, q: step, qFloat: true } : { type: 'uniform', min: low, max: high };
    case 'IntDistribution':
      if (a.log) return { type: 'q_log_uniform_values', min: low, max: high, q: 1 };
      return step !== null && step !== 1 ? { type: 'q_uniform', min: low, max: high, q: step } : { type: 'int_uniform', min: low, max: high };
    case 'UniformDistribution':
      return { type: 'uniform', min: low, max: high };
    case 'LogUniformDistribution':
      return { type: 'log_uniform_values', min: low, max: high };
    case 'DiscreteUniformDistribution':
      return { type: 'q_uniform', min: low, max: high, q: Number(a.q), qFloat: true };
    case 'IntUniformDistribution':
      return step !== null && step !== 1 ? { type: 'q_uniform', min: low, max: high, q: step } : { type: 'int_uniform', min: low, max: high };
    case 'IntLogUniformDistribution':
      return { type: 'q_log_uniform_values', min: low, max: high, q: 1 };
    case 'CategoricalDistribution':
      return { type: 'categorical', values: (a.choices as ParamValue[]) ?? [] };
    default:
      throw new UsageError(`import optuna: distribution ${String(json.name)} is not known; allowed: Optuna's Float, Int and Categorical distributions (and their Optuna 2 forms)`);
  }
}

/** A trial parameter's value as the trainer saw it: a categorical's choice, an integer as an integer. */
function valueOf(internal: number, d: Distribution): ParamValue {
  if (d.type === 'categorical') return d.values[internal] ?? null;
  if (d.type === 'int_uniform' || (d.type === 'q_log_uniform_values' && d.q === 1)) return Math.round(internal);
  return internal;
}

export interface ImportResult {
  study: StudyRecord;
  imported: number;
  /** trials left out, by Optuna state (RUNNING, WAITING: not finished) */
  skipped: Record<string, number>;
}

/** Records one Optuna study as a scaletune study named `name` (the Optuna name, made valid, by default). */
export async function importOptunaStudy(storage: Storage, from: OptunaStudy, o: { name?: string; cwd: string; runsDir: string }): Promise<ImportResult> {
  const name = o.name ?? (from.name.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '') || 'optuna');
  if (!STUDY_NAME.test(name)) throw new UsageError(`--name: found "${name}"; allowed: letters, digits, \`_\`, \`.\` and \`-\`, starting with a letter or digit, at most 128 characters`);
  const names = from.directions.map((_, i) => from.metricNames?.[i] ?? (from.directions.length === 1 ? 'value' : `value_${i}`));
  const objectives: MetricConfig[] = from.directions.map((goal, i) => ({ name: names[i]!, goal }));
  const space: SearchSpace = {};
  for (const t of from.trials) for (const p of t.params) space[p.name] ??= toDistribution(p.distribution);
  const config: StudyConfig = {
    description: `imported from Optuna study '${from.name}'`,
    command: [],
    method: 'bayes',
    metric: objectives[0]!,
    ...(objectives.length > 1 ? { objectives } : {}),
    parameters: space,
    parallel: 1,
    backend: { type: 'command' },
    env: {},
    configDir: o.cwd,
  };
  const study = await storage.createStudy({ name, config, seed: 0, cwd: o.cwd, artifactsDir: `${o.runsDir}/${name}` });
  const skipped: Record<string, number> = {};
  let imported = 0;
  for (const t of from.trials) {
    if (!['COMPLETE', 'PRUNED', 'FAIL'].includes(t.state)) {
      skipped[t.state] = (skipped[t.state] ?? 0) + 1;
      continue;
    }
    const params: Params = {};
    for (const p of t.params) params[p.name] = valueOf(p.value, space[p.name]!);
    const trial = (await storage.createRunning(study.id, { params, worker: 'import:optuna' }))!;
    const metric = objectives[0]!.name;
    if (t.intermediate.length) await storage.addMetrics(trial.id, t.intermediate.map((m) => ({ step: m.step, name: metric, value: m.value })));
    await storage.setTrialAttr(trial.id, 'optuna', { trial_id: t.trialId, number: t.number, datetime_start: t.start, datetime_complete: t.complete });
    const lastIntermediate = t.intermediate.filter((m) => m.value !== null).at(-1)?.value ?? null;
    const value = t.values.get(0) ?? (t.state === 'PRUNED' ? lastIntermediate : null);
    const values = objectives.length > 1 ? Object.fromEntries(objectives.map((ob, i) => [ob.name, t.values.get(i) ?? null])) : null;
    await storage.finishTrial(trial.id, {
      state: t.state as 'COMPLETE' | 'PRUNED' | 'FAIL',
      value: t.state === 'FAIL' ? null : value,
      error: t.state === 'FAIL' ? 'failed in Optuna (imported)' : null,
      ...(values && t.state === 'COMPLETE' ? { values, infeasible: null } : {}),
    });
    imported++;
  }
  await storage.logEvent(study.id, null, 'import:optuna', 'study_imported', { from: from.name, trials: imported, skipped });
  return { study, imported, skipped };
}
