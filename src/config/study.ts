/**
 * Study configs: YAML or JSON, in the W&B sweep vocabulary plus scaletune's own keys. `loadStudyConfig`
 * reads and validates a file and returns a normalised `StudyConfig`; every problem found is reported at
 * once, each with the path of its field, what was found and what is allowed.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { ConfigError, type ConfigIssue } from '../core/errors.js';
import { contains, DISTRIBUTION_TYPES, gridValues, type Distribution, type DistributionType, type Params, type ParamValue, type SearchSpace } from '../core/distributions.js';
import { parseDuration } from '../core/duration.js';
import type { BayesOptions } from '../../searchers/bayes.js';
import { validateTfjsBackend, type TfjsBackendConfig } from '../backends/tfjs/settings.js';
import { ashaRungs, hyperbandBands, type StoppingRule } from '../../schedulers/stopping.js';
import type { PbtOptions } from '../../schedulers/pbt.js';
import { validateSimBackend, type SimBackendConfig } from '../backends/sim/settings.js';
import { SETTINGS as TFJS_SETTINGS } from '../backends/tfjs/settings.js';
import { parseLlmConfig, type LlmConfig } from '../llm/config.js';

/** `executor: {type: slurm, …}`: `scaletune run` submits worker jobs with sbatch and watches them. */
export interface SlurmExecutorConfig {
  type: 'slurm';
  /** extra sbatch arguments, e.g. [--partition=gpu, --gres=gpu:1, --time=2:00:00] */
  sbatch: string[];
  /** submit the workers as one job array (default true) */
  array: boolean;
  /** seconds of silence after which a worker's trial is re-queued (default 60) */
  staleAfterS: number;
  /** replacement jobs submitted at most, for workers that were cancelled, preempted or failed (default 10) */
  maxResubmits: number;
}

/** One proxy scale of a ladder: its model, its token budget, its own search budget. */
export interface ScaleConfig {
  name: string;
  /** non-embedding parameters N; when absent, the runs' reported `params` metric is used */
  params?: number;
  /** training tokens D */
  tokens: number;
  /** settings or arguments that make the model of this scale (tfjs settings, trainer arguments) */
  model: Params;
  /** the most runs at this scale (default: the study's run_cap) */
  runCap?: number;
  /** distributions that replace the study's at this scale */
  parameters: SearchSpace;
}

export interface TargetConfig {
  name: string;
  params: number;
  tokens: number;
  model: Params;
}

/** Which laws a ladder fits: the inputs of each hyperparameter law, or auto; the loss law, or auto. */
export interface LadderFitConfig {
  lr: 'auto' | 'none' | ('N' | 'D')[];
  batch: 'auto' | 'none' | ('N' | 'D')[];
  loss: 'auto' | 'none' | 'chinchilla' | 'power-offset';
  /** the parameter holding the learning rate, and the batch size (default lr, batch_size) */
  lrParam: string;
  batchParam: string;
}

export const METHODS = ['random', 'grid', 'sobol', 'bayes', 'pbt', 'pb2', 'llm'] as const;
export type Method = (typeof METHODS)[number];
/** Methods of the W&B vocabulary or our roadmap that are recognised but not built yet. */
const PLANNED_METHODS = ['hyperband'];
export const BACKENDS = ['command', 'tfjs', 'sim'] as const;
const PLANNED_BACKENDS: string[] = [];

export const MACROS = ['env', 'interpreter', 'program', 'args', 'args_no_hyphens', 'args_json', 'args_json_file'] as const;
/** Macros that expand to several arguments and so must stand alone as one item of `command`. */
export const LIST_MACROS = ['args', 'args_no_hyphens'];
export const DEFAULT_COMMAND = ['${env}', '${interpreter}', '${program}', '${args}'];

export interface MetricConfig {
  name: string;
  goal: 'minimize' | 'maximize';
  target?: number;
}

export interface StudyConfig {
  name?: string;
  description?: string;
  /** absolute path, resolved against the config's folder */
  program?: string;
  command: string[];
  method: Method;
  metric?: MetricConfig;
  parameters: SearchSpace;
  runCap?: number;
  parallel: number;
  seed?: number;
  /** per-run wall-clock limit */
  timeoutMs?: number;
  backend: { type: 'command' } | TfjsBackendConfig | SimBackendConfig;
  /** a scale ladder: the proxy scales, searched one by one, smallest first */
  scales?: ScaleConfig[];
  /** the scale the ladder predicts for */
  target?: TargetConfig;
  fit?: LadderFitConfig;
  /** after the ladder, one run with the predicted hyperparameters: at the largest proxy scale (fitted without it) or at the target */
  verify?: 'largest' | 'target';
  /** extra environment variables for the trainer */
  env: Record<string, string>;
  /** the early_terminate block as written */
  earlyTerminate?: Record<string, unknown>;
  /** the stopping rule it describes */
  stopping?: StoppingRule;
  /** options of method bayes */
  bayes?: BayesOptions;
  /** options of method pbt */
  pbt?: PbtOptions;
  /** options of method llm (LLAMBO) */
  llm?: LlmConfig;
  /** where runs execute: this process (default), or worker jobs submitted to Slurm */
  executor?: SlurmExecutorConfig;
  /** configurations to run first, in order (as Optuna's enqueue_trial), fixed parameters filled in */
  initialPoints?: Params[];
  /** folder the config was read from ('' for configs given as objects) */
  configDir: string;
}

export const TOP_LEVEL_KEYS = [
  'name',
  'description',
  'program',
  'command',
  'method',
  'metric',
  'parameters',
  'run_cap',
  'early_terminate',
  'parallel',
  'seed',
  'timeout',
  'backend',
  'env',
  'bayes',
  'pbt',
  'llm',
  'executor',
  'initial_points',
  'scales',
  'target',
  'fit',
  'verify',
  // W&B's own, accepted and ignored
  'project',
  'entity',
] as const;

const PARAM_KEYS = ['distribution', 'value', 'values', 'probabilities', 'min', 'max', 'q', 'mu', 'sigma'];

/** Which keys each distribution uses (besides `distribution`), required first. */
const DIST_KEYS: Record<DistributionType, { required: string[]; optional: string[] }> = {
  constant: { required: ['value'], optional: [] },
  categorical: { required: ['values'], optional: ['probabilities'] },
  int_uniform: { required: ['min', 'max'], optional: [] },
  uniform: { required: ['min', 'max'], optional: [] },
  q_uniform: { required: ['min', 'max'], optional: ['q'] },
  log_uniform_values: { required: ['min', 'max'], optional: [] },
  q_log_uniform_values: { required: ['min', 'max'], optional: ['q'] },
  log_uniform: { required: ['min', 'max'], optional: [] },
  q_log_uniform: { required: ['min', 'max'], optional: ['q'] },
  normal: { required: [], optional: ['mu', 'sigma'] },
  q_normal: { required: [], optional: ['mu', 'sigma', 'q'] },
  log_normal: { required: [], optional: ['mu', 'sigma'] },
  q_log_normal: { required: [], optional: ['mu', 'sigma', 'q'] },
};

/** A short description of a found value, for messages: `"abc" (a string)`. */
export function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return `a list of ${v.length}`;
  if (typeof v === 'object') return 'a mapping';
  const s = typeof v === 'string' ? JSON.stringify(v) : String(v);
  const shown = s.length > 60 ? `${s.slice(0, 57)}...` : s;
  return `${shown} (a ${typeof v === 'number' ? 'number' : typeof v})`;
}

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

interface Ctx {
  issues: ConfigIssue[];
  /** paths whose value was written as an integer literal (so `min: 0.0` is not mistaken for an integer) */
  intPaths: Set<string> | null;
}

function issue(ctx: Ctx, p: string, found: unknown, allowed: string): void {
  ctx.issues.push({ path: p, message: `found ${describe(found)}; allowed: ${allowed}` });
}

function isIntLiteral(ctx: Ctx, p: string, v: unknown): boolean {
  if (!Number.isInteger(v)) return false;
  return ctx.intPaths ? ctx.intPaths.has(p) : true;
}

/** Parse YAML (JSON is YAML) keeping track of which numbers were written as integers. */
export function parseConfigText(text: string, file: string): { raw: unknown; intPaths: Set<string> } {
  const doc = YAML.parseDocument(text, { intAsBigInt: true, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map((e) => {
        const hint = /flow/.test(e.message) && text.includes('${') ? ' (in a [flow, list], quote macros: "${args}")' : '';
        return { path: '', message: `not valid YAML or JSON: ${e.message.split('\n')[0]!.replace(/:$/, '')}${hint}` };
      }),
    );
  }
  const intPaths = new Set<string>();
  const walk = (v: unknown, p: string): unknown => {
    if (typeof v === 'bigint') {
      intPaths.add(p);
      return Number(v);
    }
    if (Array.isArray(v)) return v.map((x, i) => walk(x, `${p}[${i}]`));
    if (v instanceof Date) return v.toISOString();
    if (isObj(v)) {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = walk(x, p ? `${p}.${k}` : k);
      return out;
    }
    return v;
  };
  return { raw: walk(doc.toJS({ maxAliasCount: 1000 }), ''), intPaths };
}

/** Read and validate a study config file. Throws ConfigError (exit code 2) naming every problem. */
export function loadStudyConfig(file: string, opts: Pick<ValidateOptions, 'forRun'> = {}): StudyConfig {
  const abs = path.resolve(file);
  if (!existsSync(abs)) throw new ConfigError(file, [{ path: '', message: 'file not found' }]);
  if (statSync(abs).isDirectory()) throw new ConfigError(file, [{ path: '', message: 'is a folder; allowed: a .yaml, .yml or .json file' }]);
  const text = readFileSync(abs, 'utf8');
  if (text.trim() === '') throw new ConfigError(file, [{ path: '', message: 'the file is empty; allowed: a mapping with at least `parameters`' }]);
  const { raw, intPaths } = parseConfigText(text, file);
  return validateStudyConfig(raw, { file, configDir: path.dirname(abs), intPaths, ...opts });
}

export interface ValidateOptions {
  file?: string;
  configDir?: string;
  intPaths?: Set<string> | null;
  /**
   * the study will launch trainers (default true): `program` is then required when the command uses
   * it, and must exist. Studies driven only by ask/tell need neither.
   */
  forRun?: boolean;
}

/** Validate a config object (as parsed from YAML/JSON); throws ConfigError listing every problem. */
export function validateStudyConfig(raw: unknown, opts: ValidateOptions = {}): StudyConfig {
  const file = opts.file ?? '(config)';
  const ctx: Ctx = { issues: [], intPaths: opts.intPaths ?? null };
  if (!isObj(raw)) throw new ConfigError(file, [{ path: '', message: `found ${describe(raw)}; allowed: a mapping of study keys (${TOP_LEVEL_KEYS.join(', ')})` }]);

  for (const k of Object.keys(raw)) {
    if (!(TOP_LEVEL_KEYS as readonly string[]).includes(k)) {
      ctx.issues.push({ path: k, message: `unknown key; allowed: ${TOP_LEVEL_KEYS.join(', ')}` });
    }
  }

  const name = optionalString(ctx, raw, 'name');
  if (name !== undefined && !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/.test(name)) {
    issue(ctx, 'name', name, 'letters, digits, `_`, `.` and `-`, starting with a letter or digit, at most 128 characters');
  }
  const description = optionalString(ctx, raw, 'description');
  const configDir = opts.configDir ?? '';

  // method
  let method: Method = 'random';
  if (raw.method === undefined) {
    ctx.issues.push({ path: 'method', message: `missing; allowed: ${METHODS.join(', ')}` });
  } else if (typeof raw.method !== 'string' || !(METHODS as readonly string[]).includes(raw.method)) {
    const planned = typeof raw.method === 'string' && PLANNED_METHODS.includes(raw.method);
    issue(ctx, 'method', raw.method, `${METHODS.join(', ')}${planned ? ` (${raw.method} is not available in this version yet)` : ''}`);
  } else {
    method = raw.method as Method;
  }

  // metric
  let metric: MetricConfig | undefined;
  if (raw.metric !== undefined) {
    if (!isObj(raw.metric)) issue(ctx, 'metric', raw.metric, 'a mapping {name, goal: minimize|maximize, target?}');
    else {
      for (const k of Object.keys(raw.metric)) {
        if (!['name', 'goal', 'target'].includes(k)) ctx.issues.push({ path: `metric.${k}`, message: 'unknown key; allowed: name, goal, target' });
      }
      const m = raw.metric;
      if (typeof m.name !== 'string' || m.name.trim() === '') issue(ctx, 'metric.name', m.name, 'the name of a metric the trainer prints, e.g. val_loss');
      let goal: 'minimize' | 'maximize' = 'minimize';
      if (m.goal !== undefined) {
        if (m.goal !== 'minimize' && m.goal !== 'maximize') issue(ctx, 'metric.goal', m.goal, 'minimize, maximize');
        else goal = m.goal;
      }
      if (m.target !== undefined && !isNum(m.target)) issue(ctx, 'metric.target', m.target, 'a finite number');
      if (typeof m.name === 'string' && m.name.trim() !== '') {
        metric = { name: m.name, goal, ...(isNum(m.target) ? { target: m.target } : {}) };
      }
    }
  }

  // parameters
  const parameters: SearchSpace = {};
  if (raw.parameters === undefined) {
    ctx.issues.push({ path: 'parameters', message: 'missing; allowed: a mapping from parameter name to its values or distribution' });
  } else if (!isObj(raw.parameters)) {
    issue(ctx, 'parameters', raw.parameters, 'a mapping from parameter name to its values or distribution');
  } else if (Object.keys(raw.parameters).length === 0) {
    ctx.issues.push({ path: 'parameters', message: 'is empty; allowed: at least one parameter' });
  } else {
    for (const [pname, spec] of Object.entries(raw.parameters)) {
      if (!/^[A-Za-z_][A-Za-z0-9_.\-/]*$/.test(pname)) {
        issue(ctx, `parameters.${pname}`, pname, 'a name of letters, digits, `_`, `-`, `/` and `.` (dotted names such as model.lr are fine)');
        continue;
      }
      const d = parseParameter(ctx, `parameters.${pname}`, spec);
      if (d) parameters[pname] = d;
    }
  }

  if (method === 'grid') {
    for (const [pname, d] of Object.entries(parameters)) {
      if (gridValues(d) === null) {
        ctx.issues.push({
          path: `parameters.${pname}`,
          message: `distribution ${d.type} is continuous and cannot be walked by method grid; allowed for grid: value, values, int_uniform, q_uniform, q_log_uniform_values (with at most 10000 points)`,
        });
      }
    }
  }

  let backend: StudyConfig['backend'] = { type: 'command' };
  if (raw.backend !== undefined) {
    const type = typeof raw.backend === 'string' ? raw.backend : isObj(raw.backend) ? raw.backend.type : undefined;
    const p = typeof raw.backend === 'string' ? 'backend' : 'backend.type';
    if (typeof type !== 'string' || !(BACKENDS as readonly string[]).includes(type)) {
      const planned = typeof type === 'string' && PLANNED_BACKENDS.includes(type);
      issue(ctx, p, type ?? raw.backend, `${BACKENDS.join(', ')}${planned ? ` (${type} is not available in this version yet)` : ''}`);
    } else if (type === 'tfjs') {
      const v = validateTfjsBackend(isObj(raw.backend) ? raw.backend : { type }, parameters, configDir);
      ctx.issues.push(...v.issues);
      if (v.config) backend = v.config;
    } else if (type === 'sim') {
      const v = validateSimBackend(isObj(raw.backend) ? raw.backend : { type }, parameters, describe);
      ctx.issues.push(...v.issues);
      if (v.config) backend = v.config;
      if (method === 'pbt' || method === 'pb2') ctx.issues.push({ path: 'method', message: `found ${method}; backend sim keeps no checkpoints, which population-based training needs; allowed with sim: random, grid, sobol, bayes` });
    } else if (isObj(raw.backend)) {
      for (const k of Object.keys(raw.backend)) if (k !== 'type') ctx.issues.push({ path: `backend.${k}`, message: 'unknown key; allowed for backend command: type' });
    }
  }

  // program and command
  let program: string | undefined;
  if (raw.program !== undefined) {
    if (typeof raw.program !== 'string' || raw.program.trim() === '') issue(ctx, 'program', raw.program, 'a path to the training program, relative to the config file');
    else program = configDir ? path.resolve(configDir, raw.program) : raw.program;
  }
  let command = DEFAULT_COMMAND;
  if (raw.command !== undefined) {
    if (!Array.isArray(raw.command) || raw.command.length === 0) {
      issue(ctx, 'command', raw.command, 'a non-empty list of arguments, e.g. [${env}, ${interpreter}, ${program}, ${args}]');
    } else {
      command = [];
      raw.command.forEach((item: unknown, i: number) => {
        if (typeof item !== 'string' && !isNum(item) && typeof item !== 'boolean') {
          issue(ctx, `command[${i}]`, item, 'a string (a literal argument or a macro such as ${args})');
          return;
        }
        const s = String(item);
        for (const m of s.matchAll(/\$\{([^}]*)\}/g)) {
          const macro = m[1]!;
          if (!(MACROS as readonly string[]).includes(macro)) {
            ctx.issues.push({ path: `command[${i}]`, message: `unknown macro \${${macro}}; allowed: ${MACROS.map((x) => `\${${x}}`).join(' ')}` });
          } else if (LIST_MACROS.includes(macro) && s !== `\${${macro}}`) {
            ctx.issues.push({ path: `command[${i}]`, message: `found ${describe(s)}; \${${macro}} expands to several arguments and must be an item of its own` });
          }
        }
        command.push(s);
      });
    }
  }
  const rawBackendType = typeof raw.backend === 'string' ? raw.backend : isObj(raw.backend) ? raw.backend.type : 'command';
  if (rawBackendType === 'tfjs' || rawBackendType === 'sim') {
    for (const k of ['program', 'command'] as const) {
      if (raw[k] !== undefined) ctx.issues.push({ path: k, message: `not used by backend ${rawBackendType}, which runs in-process; allowed: remove it, or use backend: command to launch a program` });
    }
  }
  // a tfjs or sim block with mistakes is still such a study: it needs no program
  if (opts.forRun !== false && backend.type === 'command' && rawBackendType !== 'tfjs' && rawBackendType !== 'sim' && commandNeedsProgram(command)) {
    if (raw.program === undefined) {
      ctx.issues.push({ path: 'program', message: 'missing; allowed: a path to the training program (command uses ${program})' });
    } else if (program && configDir && !existsSync(program)) {
      ctx.issues.push({ path: 'program', message: `found ${describe(raw.program)}, but ${program} does not exist; allowed: a path to an existing file, relative to the config file` });
    }
  }

  const runCap = optionalInt(ctx, raw, 'run_cap', 1, Number.MAX_SAFE_INTEGER, 'a whole number of runs, at least 1');
  const parallel = optionalInt(ctx, raw, 'parallel', 1, 256, 'a whole number from 1 to 256') ?? 1;
  const seed = optionalInt(ctx, raw, 'seed', 0, 2 ** 53 - 1, 'a whole number, 0 or more');

  let timeoutMs: number | undefined;
  if (raw.timeout !== undefined) {
    const t = parseDuration(raw.timeout);
    if (t === null) issue(ctx, 'timeout', raw.timeout, 'seconds (a positive number) or a duration such as 30s, 10m, 1h30m');
    else timeoutMs = t;
  }

  const env: Record<string, string> = {};
  if (raw.env !== undefined) {
    if (!isObj(raw.env)) issue(ctx, 'env', raw.env, 'a mapping of environment variable names to values');
    else
      for (const [k, v] of Object.entries(raw.env)) {
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) issue(ctx, `env.${k}`, k, 'an environment variable name (letters, digits, _)');
        else if (typeof v !== 'string' && !isNum(v) && typeof v !== 'boolean') issue(ctx, `env.${k}`, v, 'a string, number or boolean');
        else env[k] = String(v);
      }
  }

  let bayes: BayesOptions | undefined;
  if (raw.bayes !== undefined) {
    const b = raw.bayes;
    if (!isObj(b)) issue(ctx, 'bayes', b, 'a mapping {acquisition, beta, initial, transform, candidates, max_observations}');
    else {
      if (method !== 'bayes') ctx.issues.push({ path: 'bayes', message: `options for method bayes, but method is ${method}` });
      bayes = {};
      for (const [k, v] of Object.entries(b)) {
        const p = `bayes.${k}`;
        if (k === 'acquisition') v === 'logei' || v === 'ucb' ? (bayes.acquisition = v) : issue(ctx, p, v, 'logei, ucb');
        else if (k === 'transform') v === 'none' || v === 'log' || v === 'rank' || v === 'power' ? (bayes.transform = v) : issue(ctx, p, v, 'power, none, log, rank');
        else if (k === 'beta') isNum(v) && v > 0 ? (bayes.beta = v) : issue(ctx, p, v, 'a positive number');
        else if (k === 'initial') Number.isInteger(v) && (v as number) >= 1 ? (bayes.initial = v as number) : issue(ctx, p, v, 'a whole number, at least 1');
        else if (k === 'candidates') Number.isInteger(v) && (v as number) >= 16 && (v as number) <= 100_000 ? (bayes.candidates = v as number) : issue(ctx, p, v, 'a whole number from 16 to 100000');
        else if (k === 'max_observations') Number.isInteger(v) && (v as number) >= 10 ? (bayes.maxObservations = v as number) : issue(ctx, p, v, 'a whole number, at least 10');
        else if (k === 'warm_start') typeof v === 'string' && v !== '' ? (bayes.warmStart = v) : issue(ctx, p, v, 'the name of another study in the same database');
        else ctx.issues.push({ path: p, message: 'unknown key; allowed: acquisition, beta, initial, transform, candidates, max_observations, warm_start' });
      }
    }
  }

  let pbt: PbtOptions | undefined;
  const populationBased = method === 'pbt' || method === 'pb2';
  if (populationBased || raw.pbt !== undefined) {
    if (!populationBased) ctx.issues.push({ path: 'pbt', message: `options for methods pbt and pb2, but method is ${method}` });
    else pbt = parsePbt(ctx, raw.pbt, parameters);
    if (populationBased && !metric) ctx.issues.push({ path: 'metric', message: `missing; method ${method} ranks members by a metric: add metric: {name, goal}` });
  }

  let llm: LlmConfig | undefined;
  if (method === 'llm' || raw.llm !== undefined) {
    if (method !== 'llm') ctx.issues.push({ path: 'llm', message: `options for method llm, but method is ${method}` });
    else if (raw.llm === undefined) ctx.issues.push({ path: 'llm', message: 'missing; method llm needs at least {base_url, model} (and api_key_env for a hosted API)' });
    else {
      const v = parseLlmConfig(raw.llm, describe, configDir);
      ctx.issues.push(...v.issues);
      if (v.config) llm = v.config;
    }
    if (method === 'llm' && !metric) ctx.issues.push({ path: 'metric', message: 'missing; method llm aims proposals at a target score of a metric: add metric: {name, goal}' });
  }

  let executor: SlurmExecutorConfig | undefined;
  if (raw.executor !== undefined) {
    const e = raw.executor;
    const EX = ['type', 'sbatch', 'array', 'stale_after', 'max_resubmits'];
    if (!isObj(e) || (e.type !== 'slurm' && e.type !== 'local')) issue(ctx, isObj(e) ? 'executor.type' : 'executor', isObj(e) ? e.type : e, 'local (this process, the default), slurm (worker jobs through sbatch)');
    else if (e.type === 'slurm') {
      for (const k of Object.keys(e)) if (!EX.includes(k)) ctx.issues.push({ path: `executor.${k}`, message: `unknown key; allowed: ${EX.join(', ')}` });
      const x: SlurmExecutorConfig = { type: 'slurm', sbatch: [], array: true, staleAfterS: 60, maxResubmits: 10 };
      if (e.sbatch !== undefined) {
        if (Array.isArray(e.sbatch) && e.sbatch.every((a) => typeof a === 'string' && a.startsWith('-'))) x.sbatch = e.sbatch as string[];
        else issue(ctx, 'executor.sbatch', e.sbatch, 'a list of sbatch options, each starting with -, e.g. [--partition=gpu, --gres=gpu:1]');
      }
      if (e.array !== undefined) typeof e.array === 'boolean' ? (x.array = e.array) : issue(ctx, 'executor.array', e.array, 'true (one job array of workers) or false (one job per worker)');
      if (e.stale_after !== undefined) isNum(e.stale_after) && e.stale_after >= 1 ? (x.staleAfterS = e.stale_after) : issue(ctx, 'executor.stale_after', e.stale_after, 'seconds, at least 1');
      if (e.max_resubmits !== undefined) Number.isInteger(e.max_resubmits) && (e.max_resubmits as number) >= 0 ? (x.maxResubmits = e.max_resubmits as number) : issue(ctx, 'executor.max_resubmits', e.max_resubmits, 'a whole number, 0 or more');
      if (method === 'pbt' || method === 'pb2') ctx.issues.push({ path: 'executor', message: `method ${method} decides exploits in one controller and is not run by Slurm workers in this version; allowed: remove executor` });
      if (raw.backend !== undefined && (isObj(raw.backend) ? raw.backend.type : raw.backend) !== 'command') ctx.issues.push({ path: 'executor', message: 'Slurm workers launch trainer programs: allowed with backend command only' });
      executor = x;
    }
  }

  let initialPoints: Params[] | undefined;
  if (raw.initial_points !== undefined) {
    if (!Array.isArray(raw.initial_points)) issue(ctx, 'initial_points', raw.initial_points, 'a list of mappings from parameter name to value');
    else {
      initialPoints = [];
      raw.initial_points.forEach((pt: unknown, i: number) => {
        const at = `initial_points[${i}]`;
        if (!isObj(pt)) return issue(ctx, at, pt, 'a mapping from parameter name to value');
        const full: Params = {};
        for (const k of Object.keys(pt)) if (!(k in parameters)) ctx.issues.push({ path: `${at}.${k}`, message: `not a parameter of this study; parameters: ${Object.keys(parameters).join(', ')}` });
        for (const [name, d] of Object.entries(parameters)) {
          const v = pt[name];
          if (v === undefined) {
            if (d.type === 'constant') full[name] = d.value;
            else if (d.type === 'categorical' && d.values.length === 1) full[name] = d.values[0]!;
            else ctx.issues.push({ path: `${at}.${name}`, message: 'missing; an initial point gives every searched parameter' });
          } else if (!contains(d, v as ParamValue)) {
            issue(ctx, `${at}.${name}`, v, `a value of the parameter's domain (${describeDomain(d)})`);
          } else full[name] = v as ParamValue;
        }
        initialPoints!.push(full);
      });
    }
  }

  let earlyTerminate: Record<string, unknown> | undefined;
  let stopping: StoppingRule | undefined;
  if (raw.early_terminate !== undefined) {
    if (!isObj(raw.early_terminate)) issue(ctx, 'early_terminate', raw.early_terminate, 'a mapping such as {type: hyperband, min_iter: 3}');
    else {
      earlyTerminate = raw.early_terminate;
      stopping = parseEarlyTerminate(ctx, raw.early_terminate);
      if (stopping && !metric) ctx.issues.push({ path: 'early_terminate', message: 'stopping rules compare a metric, and the study names none; allowed: add metric: {name, goal}' });
    }
  }

  const ladder = parseLadder(ctx, raw, parameters, typeof rawBackendType === 'string' ? rawBackendType : 'command', method, metric);

  if (ctx.issues.length > 0) throw new ConfigError(file, ctx.issues);
  return {
    ...(name !== undefined ? { name } : {}),
    ...(description !== undefined ? { description } : {}),
    ...(program !== undefined ? { program } : {}),
    command,
    method,
    ...(metric ? { metric } : {}),
    parameters,
    ...(runCap !== undefined ? { runCap } : {}),
    parallel,
    ...(seed !== undefined ? { seed } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    backend,
    env,
    ...(earlyTerminate ? { earlyTerminate } : {}),
    ...(stopping ? { stopping } : {}),
    ...(bayes ? { bayes } : {}),
    ...(pbt ? { pbt } : {}),
    ...(llm ? { llm } : {}),
    ...(executor ? { executor } : {}),
    ...(initialPoints?.length ? { initialPoints } : {}),
    ...ladder,
    configDir,
  };
}

const SCALE_KEYS = ['name', 'params', 'tokens', 'model', 'run_cap', 'parameters'];
const TARGET_KEYS = ['name', 'params', 'tokens', 'model'];
const FIT_KEYS = ['lr', 'batch', 'loss', 'lr_param', 'batch_param'];

/** `scales:`, `target:`, `fit:` and `verify:` — a scale ladder. */
function parseLadder(
  ctx: Ctx,
  raw: Record<string, unknown>,
  parameters: SearchSpace,
  backendType: string,
  method: Method,
  metric: MetricConfig | undefined,
): Pick<StudyConfig, 'scales' | 'target' | 'fit' | 'verify'> {
  const out: Pick<StudyConfig, 'scales' | 'target' | 'fit' | 'verify'> = {};
  if (raw.scales === undefined) {
    for (const k of ['target', 'fit', 'verify']) if (raw[k] !== undefined) ctx.issues.push({ path: k, message: 'belongs to a scale ladder, and this study has no scales; allowed: add scales: [{params, tokens, model}, …] or remove it' });
    return out;
  }
  const positive = (p: string, v: unknown, required: boolean, what: string): number | undefined => {
    if (v === undefined) {
      if (required) ctx.issues.push({ path: p, message: `missing; allowed: ${what}` });
      return undefined;
    }
    if (!isNum(v) || v <= 0) return void issue(ctx, p, v, what);
    return v;
  };
  const model = (p: string, v: unknown): Params => {
    if (v === undefined) return {};
    if (!isObj(v)) {
      issue(ctx, p, v, 'a mapping of model settings, e.g. {width: 32, depth: 2}');
      return {};
    }
    const m: Params = {};
    for (const [k, x] of Object.entries(v)) {
      if (backendType === 'tfjs' && !TFJS_SETTINGS[k]) ctx.issues.push({ path: `${p}.${k}`, message: `not a setting of the tfjs backend; allowed: ${Object.keys(TFJS_SETTINGS).join(', ')}` });
      else if (backendType === 'sim') ctx.issues.push({ path: `${p}.${k}`, message: 'backend sim models a scale by its params and tokens only; allowed: remove model' });
      else if (k in parameters && parameters[k]!.type !== 'constant') ctx.issues.push({ path: `${p}.${k}`, message: `${k} is also a searched parameter; allowed: one of the two` });
      else if (k === 'tokens') ctx.issues.push({ path: `${p}.${k}`, message: "a scale's tokens are its own key: write tokens next to model, not inside it" });
      else m[k] = x as ParamValue;
    }
    return m;
  };
  const paramsWhat = 'the number of non-embedding parameters N, a positive number such as 2e4';
  const paramsRequired = backendType === 'sim';
  if (method === 'pbt' || method === 'pb2' || method === 'llm') ctx.issues.push({ path: 'scales', message: `a ladder searches each scale with its own budget; method ${method} is not available for ladders in this version; allowed: random, grid, sobol, bayes` });
  if (!metric) ctx.issues.push({ path: 'metric', message: 'missing; a ladder finds the best run at each scale by a metric: add metric: {name: loss, goal: minimize}' });
  else if (metric.goal !== 'minimize') ctx.issues.push({ path: 'metric.goal', message: `found ${metric.goal}; a ladder fits loss laws, so allowed: minimize` });
  if (!Array.isArray(raw.scales) || raw.scales.length === 0) {
    issue(ctx, 'scales', raw.scales, 'a non-empty list of scales, each {name?, params, tokens, model?, run_cap?, parameters?}');
    return out;
  }
  const names = new Set<string>();
  const scales: ScaleConfig[] = [];
  raw.scales.forEach((s: unknown, i: number) => {
    const at = `scales[${i}]`;
    if (!isObj(s)) return issue(ctx, at, s, 'a mapping {name?, params, tokens, model?, run_cap?, parameters?}');
    for (const k of Object.keys(s)) if (!SCALE_KEYS.includes(k)) ctx.issues.push({ path: `${at}.${k}`, message: `unknown key; allowed: ${SCALE_KEYS.join(', ')}` });
    let name = `s${i + 1}`;
    if (s.name !== undefined) {
      if (typeof s.name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(s.name)) issue(ctx, `${at}.name`, s.name, 'letters, digits, `_`, `.` and `-`, at most 64 characters');
      else name = s.name;
    }
    if (names.has(name)) ctx.issues.push({ path: `${at}.name`, message: `found "${name}" twice; allowed: a name of its own for each scale` });
    names.add(name);
    const params = positive(`${at}.params`, s.params, paramsRequired, paramsRequired ? `${paramsWhat} (backend sim needs it)` : paramsWhat);
    const tokens = positive(`${at}.tokens`, s.tokens, true, 'the number of training tokens D, a positive number such as 4e5');
    let runCap: number | undefined;
    if (s.run_cap !== undefined) {
      if (!Number.isInteger(s.run_cap) || (s.run_cap as number) < 1) issue(ctx, `${at}.run_cap`, s.run_cap, 'a whole number of runs, at least 1');
      else runCap = s.run_cap as number;
    }
    const space: SearchSpace = {};
    if (s.parameters !== undefined) {
      if (!isObj(s.parameters)) issue(ctx, `${at}.parameters`, s.parameters, 'a mapping from a parameter of the study to its values or distribution at this scale');
      else
        for (const [k, spec] of Object.entries(s.parameters)) {
          if (!(k in parameters)) ctx.issues.push({ path: `${at}.parameters.${k}`, message: `not a parameter of this study; allowed: ${Object.keys(parameters).join(', ')}` });
          else {
            const d = parseParameter(ctx, `${at}.parameters.${k}`, spec);
            if (d && method === 'grid' && gridValues(d) === null) ctx.issues.push({ path: `${at}.parameters.${k}`, message: `distribution ${d.type} is continuous and cannot be walked by method grid` });
            if (d) space[k] = d;
          }
        }
    }
    const m = model(`${at}.model`, s.model);
    if (tokens !== undefined) scales.push({ name, ...(params !== undefined ? { params } : {}), tokens, model: m, ...(runCap !== undefined ? { runCap } : {}), parameters: space });
  });
  if (method !== 'grid' && raw.run_cap === undefined && scales.some((s) => s.runCap === undefined)) {
    ctx.issues.push({ path: 'run_cap', message: `missing; method ${method} needs a budget at each scale: set run_cap (runs per scale) or run_cap on every scale` });
  }
  out.scales = scales;

  if (raw.target !== undefined) {
    const t = raw.target;
    if (!isObj(t)) issue(ctx, 'target', t, 'a mapping {params, tokens, name?, model?}: the scale to predict for');
    else {
      for (const k of Object.keys(t)) if (!TARGET_KEYS.includes(k)) ctx.issues.push({ path: `target.${k}`, message: `unknown key; allowed: ${TARGET_KEYS.join(', ')}` });
      const params = positive('target.params', t.params, true, paramsWhat);
      const tokens = positive('target.tokens', t.tokens, true, 'the number of training tokens D, a positive number such as 2e12');
      const name = typeof t.name === 'string' && t.name !== '' ? t.name : 'target';
      if (params !== undefined && tokens !== undefined) out.target = { name, params, tokens, model: model('target.model', t.model) };
    }
  }

  const fit: LadderFitConfig = { lr: 'auto', batch: 'auto', loss: 'auto', lrParam: 'lr', batchParam: 'batch_size' };
  if (raw.fit !== undefined) {
    if (!isObj(raw.fit)) issue(ctx, 'fit', raw.fit, 'a mapping {lr, batch, loss, lr_param, batch_param}');
    else
      for (const [k, v] of Object.entries(raw.fit)) {
        const p = `fit.${k}`;
        if (k === 'lr' || k === 'batch') {
          const cols = typeof v === 'string' && v !== 'auto' && v !== 'none' ? [v] : v;
          if (v === 'auto' || v === 'none') fit[k] = v;
          else if (Array.isArray(cols) && cols.length > 0 && cols.every((c) => c === 'N' || c === 'D') && new Set(cols).size === cols.length) fit[k] = cols as ('N' | 'D')[];
          else issue(ctx, p, v, `auto, none, or the inputs of the power law ${k}* = a·N^α·D^β: [N, D], [N] or [D]`);
        } else if (k === 'loss') {
          if (v === 'auto' || v === 'none' || v === 'chinchilla' || v === 'power-offset') fit.loss = v;
          else issue(ctx, p, v, 'auto, none, chinchilla (E + A/N^α + B/D^β), power-offset (E + A·N^−α)');
        } else if (k === 'lr_param' || k === 'batch_param') {
          if (typeof v === 'string' && v in parameters) fit[k === 'lr_param' ? 'lrParam' : 'batchParam'] = v;
          else issue(ctx, p, v, `a parameter of this study (${Object.keys(parameters).join(', ')})`);
        } else ctx.issues.push({ path: p, message: `unknown key; allowed: ${FIT_KEYS.join(', ')}` });
      }
  }
  if (!(fit.lrParam in parameters)) ctx.issues.push({ path: 'parameters', message: `a ladder searches the learning rate, and there is no parameter ${fit.lrParam}; allowed: add it, or name yours with fit.lr_param` });
  out.fit = fit;

  if (raw.verify !== undefined && raw.verify !== false && raw.verify !== 'none') {
    if (raw.verify === 'largest' || raw.verify === 'target') out.verify = raw.verify;
    else issue(ctx, 'verify', raw.verify, 'largest (one run at the largest proxy scale with what the smaller ones predict), target (one run at the target: affordable with backend sim), none');
    if (raw.verify === 'target' && !out.target) ctx.issues.push({ path: 'verify', message: 'found target, but the study has no target: add target: {params, tokens}' });
    if (raw.verify === 'largest' && scales.length < 3) ctx.issues.push({ path: 'verify', message: `found largest with ${scales.length} scale${scales.length === 1 ? '' : 's'}; fitting without the largest needs at least 2 others, so allowed with 3 or more scales` });
  }
  return out;
}

const PBT_KEYS = ['population', 'perturbation_interval', 'quantile', 'resample_probability', 'perturbation_factors', 'hyperparam_mutations', 'burn_in', 'synch', 'max_steps', 'max_tokens', 'keep_checkpoints', 'max_retries'];

/** The `pbt:` block (Ray Tune's names); the searched parameters give the initial distributions. */
function parsePbt(ctx: Ctx, raw: unknown, parameters: SearchSpace): PbtOptions | undefined {
  if (raw === undefined) {
    ctx.issues.push({ path: 'pbt', message: 'missing; methods pbt and pb2 need at least {population, perturbation_interval, max_steps}' });
    return undefined;
  }
  if (!isObj(raw)) {
    issue(ctx, 'pbt', raw, 'a mapping {population, perturbation_interval, max_steps, quantile, resample_probability, perturbation_factors, hyperparam_mutations, burn_in, synch}');
    return undefined;
  }
  const before = ctx.issues.length;
  for (const k of Object.keys(raw)) if (!PBT_KEYS.includes(k)) ctx.issues.push({ path: `pbt.${k}`, message: `unknown key; allowed: ${PBT_KEYS.join(', ')}` });
  const int = (k: string, min: number, dflt?: number): number | undefined => {
    const v = raw[k];
    if (v === undefined) {
      if (dflt === undefined) ctx.issues.push({ path: `pbt.${k}`, message: `missing; allowed: a whole number, at least ${min}` });
      return dflt;
    }
    if (typeof v === 'number' && Number.isInteger(v) && v >= min) return v;
    issue(ctx, `pbt.${k}`, v, k === 'perturbation_interval' ? 'a whole number of steps, or {tokens: N}' : `a whole number, at least ${min}`);
    return dflt;
  };
  const frac = (k: string, dflt: number, lo: number, hi: number, text: string): number => {
    const v = raw[k];
    if (v === undefined) return dflt;
    if (isNum(v) && v >= lo && v <= hi && (k !== 'quantile' || v > 0)) return v;
    issue(ctx, `pbt.${k}`, v, text);
    return dflt;
  };
  const population = int('population', 2);
  // intervals in tokens (with max_tokens) keep members comparable when the batch size is searched
  const byTokens = isObj(raw.perturbation_interval);
  let interval: number | undefined;
  let maxSteps: number | undefined;
  if (byTokens) {
    const it = raw.perturbation_interval as Record<string, unknown>;
    if (Object.keys(it).join() !== 'tokens' || !isNum(it.tokens) || !Number.isInteger(it.tokens) || it.tokens < 1) issue(ctx, 'pbt.perturbation_interval', it, 'a whole number of steps, or {tokens: N} with N a whole number of tokens');
    else interval = it.tokens;
    if (raw.max_steps !== undefined) ctx.issues.push({ path: 'pbt.max_steps', message: 'the interval is in tokens, so the budget is too; allowed: max_tokens instead' });
    const mt = raw.max_tokens;
    if (mt === undefined) ctx.issues.push({ path: 'pbt.max_tokens', message: 'missing; allowed: the tokens each member trains on (the interval is in tokens)' });
    else if (!isNum(mt) || !Number.isInteger(mt) || mt < 1) issue(ctx, 'pbt.max_tokens', mt, 'a whole number of tokens');
    else maxSteps = mt;
  } else {
    interval = int('perturbation_interval', 1);
    maxSteps = int('max_steps', 1);
    if (raw.max_tokens !== undefined) ctx.issues.push({ path: 'pbt.max_tokens', message: 'the interval is in steps, so the budget is too; allowed: max_steps instead (or perturbation_interval: {tokens: N})' });
  }
  const quantile = frac('quantile', 0.25, 0, 0.5, 'a fraction above 0, at most 0.5');
  const resampleProbability = frac('resample_probability', 0.25, 0, 1, 'a probability from 0 to 1');
  let factors = [0.8, 1.2];
  if (raw.perturbation_factors !== undefined) {
    const f = raw.perturbation_factors;
    if (Array.isArray(f) && f.length > 0 && f.every((x) => isNum(x) && x > 0)) factors = f as number[];
    else issue(ctx, 'pbt.perturbation_factors', f, 'a non-empty list of positive numbers, e.g. [0.8, 1.2]');
  }
  const mutations: Record<string, Distribution> = {};
  const m = raw.hyperparam_mutations;
  if (m === undefined) {
    for (const [k, d] of Object.entries(parameters)) if (d.type !== 'constant' && !(d.type === 'categorical' && d.values.length === 1)) mutations[k] = d;
  } else if (Array.isArray(m)) {
    m.forEach((k: unknown, i: number) => {
      if (typeof k !== 'string' || !(k in parameters)) issue(ctx, `pbt.hyperparam_mutations[${i}]`, k, `a parameter of this study (${Object.keys(parameters).join(', ')})`);
      else mutations[k] = parameters[k]!;
    });
  } else issue(ctx, 'pbt.hyperparam_mutations', m, 'a list of parameter names that may change (default: every searched parameter)');
  if (Object.keys(mutations).length === 0 && ctx.issues.length === before) ctx.issues.push({ path: 'pbt.hyperparam_mutations', message: 'no parameter may change; allowed: at least one searched (not constant) parameter' });
  let synch = false;
  if (raw.synch !== undefined) {
    if (typeof raw.synch === 'boolean') synch = raw.synch;
    else issue(ctx, 'pbt.synch', raw.synch, 'true or false');
  }
  const burnIn = int('burn_in', 0, 0)!;
  const keepCheckpoints = int('keep_checkpoints', 1, 2)!;
  const maxRetries = int('max_retries', 0, 2)!;
  if (interval !== undefined && maxSteps !== undefined && interval > maxSteps) ctx.issues.push({ path: 'pbt.perturbation_interval', message: `found ${interval}; allowed: at most ${byTokens ? 'max_tokens' : 'max_steps'} (${maxSteps})` });
  if (ctx.issues.length > before) return undefined;
  return { population: population!, unit: byTokens ? 'tokens' : 'steps', interval: interval!, maxSteps: maxSteps!, quantile, resampleProbability, factors, mutations, synch, burnIn, keepCheckpoints, maxRetries };
}

const STOPPING_KEYS: Record<string, string[]> = {
  hyperband: ['type', 'min_iter', 'max_iter', 's', 'eta', 'strict'],
  asha: ['type', 'grace', 'eta', 'max_t'],
  median: ['type', 'warmup_steps', 'startup_trials'],
};

/** early_terminate → a stopping rule (W&B's hyperband keys, and asha and median). */
function parseEarlyTerminate(ctx: Ctx, et: Record<string, unknown>): StoppingRule | undefined {
  const type = et.type;
  if (typeof type !== 'string' || !(type in STOPPING_KEYS)) {
    issue(ctx, 'early_terminate.type', type, Object.keys(STOPPING_KEYS).join(', '));
    return undefined;
  }
  const before = ctx.issues.length;
  for (const k of Object.keys(et)) if (!STOPPING_KEYS[type]!.includes(k)) ctx.issues.push({ path: `early_terminate.${k}`, message: `unknown key; allowed for ${type}: ${STOPPING_KEYS[type]!.join(', ')}` });
  const int = (k: string, min: number, dflt?: number): number | undefined => {
    const v = et[k];
    if (v === undefined) return dflt;
    if (typeof v === 'number' && Number.isInteger(v) && v >= min) return v;
    issue(ctx, `early_terminate.${k}`, v, `a whole number, at least ${min}`);
    return dflt;
  };
  const eta = (): number => {
    const v = et.eta;
    if (v === undefined) return 3;
    if (isNum(v) && v > 1) return v;
    issue(ctx, 'early_terminate.eta', v, 'a number above 1 (the reduction factor; default 3)');
    return 3;
  };
  let rule: StoppingRule | undefined;
  if (type === 'hyperband') {
    const e = eta();
    const minIter = int('min_iter', 1);
    const maxIter = int('max_iter', 1);
    const sv = int('s', 1);
    if (minIter === undefined && maxIter === undefined) ctx.issues.push({ path: 'early_terminate', message: 'hyperband needs min_iter, or max_iter and s (in reports of the metric, as in W&B)' });
    else if (minIter !== undefined && maxIter !== undefined) ctx.issues.push({ path: 'early_terminate', message: 'found both min_iter and max_iter; allowed: one of them' });
    else if (maxIter !== undefined && sv === undefined) ctx.issues.push({ path: 'early_terminate.s', message: 'missing; allowed: the number of brackets, with max_iter' });
    else {
      const bands = hyperbandBands({ ...(minIter !== undefined ? { minIter } : {}), ...(maxIter !== undefined ? { maxIter } : {}), ...(sv !== undefined ? { s: sv } : {}), eta: e });
      if (bands.length === 0) ctx.issues.push({ path: 'early_terminate', message: `max_iter ${maxIter} / eta ${e} is below 1: no band; allowed: a larger max_iter or a smaller eta` });
      else rule = { type: 'hyperband', bands, eta: e };
    }
  } else if (type === 'asha') {
    const e = eta();
    const grace = int('grace', 1, 1)!;
    const maxT = int('max_t', 1);
    if (maxT === undefined) ctx.issues.push({ path: 'early_terminate.max_t', message: 'missing; allowed: the most steps a trial trains (rungs lie below it)' });
    else if (maxT <= grace) ctx.issues.push({ path: 'early_terminate.max_t', message: `found ${maxT}; allowed: more than grace (${grace})` });
    else rule = { type: 'asha', rungs: ashaRungs(grace, e, maxT), eta: e };
  } else {
    rule = { type: 'median', warmupSteps: int('warmup_steps', 0, 0)!, startupTrials: int('startup_trials', 1, 5)! };
  }
  return ctx.issues.length > before ? undefined : rule;
}

function describeDomain(d: Distribution): string {
  if (d.type === 'categorical') return `one of ${d.values.map((v) => JSON.stringify(v)).join(', ')}`;
  if (d.type === 'constant') return JSON.stringify(d.value);
  if ('min' in d) return `${d.type} from ${d.min} to ${d.max}${'q' in d ? ` in steps of ${d.q}` : ''}`;
  return d.type;
}

export function commandNeedsProgram(command: readonly string[]): boolean {
  return command.some((c) => c.includes('${program}') || c.includes('${interpreter}'));
}

function optionalString(ctx: Ctx, raw: Record<string, unknown>, key: string): string | undefined {
  const v = raw[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') {
    issue(ctx, key, v, 'a string');
    return undefined;
  }
  return v;
}

function optionalInt(ctx: Ctx, raw: Record<string, unknown>, key: string, min: number, max: number, allowed: string): number | undefined {
  const v = raw[key];
  if (v === undefined) return undefined;
  if (!Number.isInteger(v) || (v as number) < min || (v as number) > max) {
    issue(ctx, key, v, allowed);
    return undefined;
  }
  return v as number;
}

function parseParameter(ctx: Ctx, p: string, spec: unknown): Distribution | null {
  if (!isObj(spec)) {
    issue(ctx, p, spec, 'a mapping with value, values, or min and max (e.g. {min: 0.0001, max: 0.1, distribution: log_uniform_values})');
    return null;
  }
  if ('parameters' in spec) {
    ctx.issues.push({ path: `${p}.parameters`, message: 'nested parameters are not supported; allowed: flat names, dotted for structure (e.g. optimizer.lr)' });
    return null;
  }
  const before = ctx.issues.length;
  for (const k of Object.keys(spec)) {
    if (!PARAM_KEYS.includes(k)) ctx.issues.push({ path: `${p}.${k}`, message: `unknown key; allowed: ${PARAM_KEYS.join(', ')}` });
  }
  let type: DistributionType;
  if (spec.distribution !== undefined) {
    if (typeof spec.distribution !== 'string' || !(DISTRIBUTION_TYPES as readonly string[]).includes(spec.distribution)) {
      issue(ctx, `${p}.distribution`, spec.distribution, DISTRIBUTION_TYPES.join(', '));
      return null;
    }
    type = spec.distribution as DistributionType;
  } else if ('value' in spec) type = 'constant';
  else if ('values' in spec) type = 'categorical';
  else if ('min' in spec && 'max' in spec) {
    type = isIntLiteral(ctx, `${p}.min`, spec.min) && isIntLiteral(ctx, `${p}.max`, spec.max) ? 'int_uniform' : 'uniform';
  } else if ('mu' in spec || 'sigma' in spec) type = 'normal';
  else {
    ctx.issues.push({
      path: p,
      message: `cannot tell the distribution from keys {${Object.keys(spec).join(', ')}}; allowed: value, values, min and max, or distribution (${DISTRIBUTION_TYPES.join(', ')})`,
    });
    return null;
  }
  const keys = DIST_KEYS[type];
  for (const k of Object.keys(spec)) {
    if (k === 'distribution' || !PARAM_KEYS.includes(k)) continue;
    if (!keys.required.includes(k) && !keys.optional.includes(k)) {
      ctx.issues.push({ path: `${p}.${k}`, message: `is not used by distribution ${type}; it takes ${[...keys.required, ...keys.optional].join(', ') || 'no other keys'}` });
    }
  }
  for (const k of keys.required) {
    if (!(k in spec)) ctx.issues.push({ path: `${p}.${k}`, message: `missing; distribution ${type} needs ${keys.required.join(' and ')}` });
  }
  if (ctx.issues.length > before) return null;

  const num = (k: string, allowed = 'a finite number'): number | null => {
    const v = spec[k];
    if (!isNum(v)) {
      issue(ctx, `${p}.${k}`, v, allowed);
      return null;
    }
    return v;
  };
  const q = (): number | null => {
    if (spec.q === undefined) return 1;
    const v = num('q', 'a positive number');
    if (v !== null && v <= 0) {
      issue(ctx, `${p}.q`, v, 'a positive number');
      return null;
    }
    return v;
  };
  const range = (positive: boolean, integer: boolean): [number, number] | null => {
    const allowed = integer ? 'a whole number' : positive ? 'a positive number' : 'a finite number';
    const lo = num('min', allowed);
    const hi = num('max', allowed);
    if (lo === null || hi === null) return null;
    let ok = true;
    if (integer && !Number.isInteger(lo)) (issue(ctx, `${p}.min`, lo, 'a whole number'), (ok = false));
    if (integer && !Number.isInteger(hi)) (issue(ctx, `${p}.max`, hi, 'a whole number'), (ok = false));
    if (positive && lo <= 0) (issue(ctx, `${p}.min`, lo, `a positive number (distribution ${type} is over values, not exponents)`), (ok = false));
    if (ok && (integer ? hi < lo : hi <= lo)) (issue(ctx, `${p}.max`, hi, `a number ${integer ? 'at least' : 'greater than'} min (${lo})`), (ok = false));
    return ok ? [lo, hi] : null;
  };
  const normalParams = (): [number, number] | null => {
    const mu = spec.mu === undefined ? 0 : num('mu');
    const sigma = spec.sigma === undefined ? 1 : num('sigma', 'a positive number');
    if (sigma !== null && sigma <= 0) (issue(ctx, `${p}.sigma`, sigma, 'a positive number'), null);
    return mu === null || sigma === null || sigma <= 0 ? null : [mu, sigma];
  };

  switch (type) {
    case 'constant':
      return checkValue(ctx, `${p}.value`, spec.value) ? { type, value: spec.value as ParamValue } : null;
    case 'categorical': {
      const values = spec.values;
      if (!Array.isArray(values) || values.length === 0) {
        issue(ctx, `${p}.values`, values, 'a non-empty list of values');
        return null;
      }
      if (!values.every((v, i) => checkValue(ctx, `${p}.values[${i}]`, v))) return null;
      if (spec.probabilities === undefined) return { type, values: values as ParamValue[] };
      const pr = spec.probabilities;
      if (!Array.isArray(pr) || pr.length !== values.length || !pr.every((x) => isNum(x) && x >= 0)) {
        issue(ctx, `${p}.probabilities`, pr, `a list of ${values.length} non-negative numbers, one per value`);
        return null;
      }
      const sum = (pr as number[]).reduce((s, x) => s + x, 0);
      if (Math.abs(sum - 1) > 1e-6) {
        ctx.issues.push({ path: `${p}.probabilities`, message: `found probabilities that sum to ${sum}; allowed: numbers that sum to 1` });
        return null;
      }
      return { type, values: values as ParamValue[], probabilities: pr as number[] };
    }
    case 'int_uniform': {
      const r = range(false, true);
      return r ? { type, min: r[0], max: r[1] } : null;
    }
    case 'uniform':
    case 'log_uniform': {
      const r = range(false, false);
      return r ? { type, min: r[0], max: r[1] } : null;
    }
    case 'log_uniform_values': {
      const r = range(true, false);
      return r ? { type, min: r[0], max: r[1] } : null;
    }
    case 'q_uniform':
    case 'q_log_uniform': {
      const r = range(false, false);
      const qq = q();
      return r && qq !== null ? { type, min: r[0], max: r[1], q: qq } : null;
    }
    case 'q_log_uniform_values': {
      const r = range(true, false);
      const qq = q();
      return r && qq !== null ? { type, min: r[0], max: r[1], q: qq } : null;
    }
    case 'normal':
    case 'log_normal': {
      const n = normalParams();
      return n ? { type, mu: n[0], sigma: n[1] } : null;
    }
    case 'q_normal':
    case 'q_log_normal': {
      const n = normalParams();
      const qq = q();
      return n && qq !== null ? { type, mu: n[0], sigma: n[1], q: qq } : null;
    }
  }
}

function checkValue(ctx: Ctx, p: string, v: unknown): boolean {
  if (v === undefined) {
    issue(ctx, p, v, 'a number, string, boolean, null or a list/mapping of those');
    return false;
  }
  if (typeof v === 'number' && !Number.isFinite(v)) {
    issue(ctx, p, v, 'a finite number');
    return false;
  }
  return true;
}
