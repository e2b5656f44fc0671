/**
 * Validating a study config: the common fields here, each plugin's block through its registry entry
 * (src/registry/), the ladder in ./ladder.ts. Every problem is collected, each with the path of its
 * field, what was found and what is allowed; one ConfigError (exit code 2) lists them all.
 */
import { accessSync, constants as fsConstants, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { interpreterFor } from '../backends/command.js';
import { WANDB_MODES } from '../backends/wandb-stand-in.js';
import { parseLogMetrics } from '../backends/log-metrics-options.js';
import { parseConstraints, parseCost, parseObjectives } from './objectives.js';
import { contains, gridValues, type Params, type ParamValue, type SearchSpace } from '../core/distributions.js';
import { parseDuration } from '../core/duration.js';
import { ConfigError } from '../core/errors.js';
import { describe, isNum, isObj, Issues, type OptionContext } from '../core/options.js';
import type { MetricConfig } from '../core/trial.js';
import { BACKEND_TYPES, BACKENDS, EXECUTORS, EXECUTOR_TYPES, METHOD_NAMES, METHODS, methodEntry, methodsOwning, methodsWhere, PLANNED_BACKENDS, PLANNED_METHODS, stoppingOptions, type BackendConfig, type BackendType, type ExecutorType, type Method, type MethodEntry } from '../registry/index.js';
import { workdirOptions } from '../backends/workdir.js';
import { resourcesOptions } from '../orchestrator/gpus.js';
import { parseLadder } from './ladder.js';
import { describeDomain, parseSearchSpace, type Ctx } from './parameters.js';
import { DEFAULT_COMMAND, ENVVAR_MACRO, LIST_MACROS, MACROS, MAX_PARALLEL, PARALLEL_ALLOWED, STUDY_NAME, STUDY_NAME_ALLOWED, TOP_LEVEL_KEYS, type StudyConfig } from './study.js';

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

/** The option blocks that belong to some method (`bayes:`, `pbt:`, `llm:`). */
const OPTION_KEYS = [...new Set(METHOD_NAMES.map((m) => methodEntry(m).options?.key).filter((k): k is NonNullable<typeof k> => k !== undefined))];

/** Validate a config object (as parsed from YAML/JSON); throws ConfigError listing every problem. */
export function validateStudyConfig(raw: unknown, opts: ValidateOptions = {}): StudyConfig {
  const file = opts.file ?? '(config)';
  const ctx: Ctx = { issues: new Issues(), intPaths: opts.intPaths ?? null };
  if (!isObj(raw)) throw new ConfigError(file, [{ path: '', message: `found ${describe(raw)}; allowed: a mapping of study keys (${TOP_LEVEL_KEYS.join(', ')})` }]);
  const issues = ctx.issues;
  for (const k of Object.keys(raw)) if (!(TOP_LEVEL_KEYS as readonly string[]).includes(k)) issues.add(k, `unknown key; allowed: ${TOP_LEVEL_KEYS.join(', ')}`);

  refuseNul(issues, raw, '');
  const name = optionalString(issues, raw, 'name');
  if (name !== undefined && !STUDY_NAME.test(name)) issues.bad('name', name, STUDY_NAME_ALLOWED);
  const description = optionalString(issues, raw, 'description');
  const configDir = opts.configDir ?? '';
  const method = parseMethod(issues, raw.method);
  const entry = methodEntry(method);
  const { metric, objectives } = parseObjectives(issues, raw.metric);
  const constraints = parseConstraints(issues, raw.constraints, objectives ?? (metric ? [metric] : []));
  const cost = parseCost(issues, raw.cost, objectives ?? (metric ? [metric] : []));
  const { parameters, nested } = parseParameters(ctx, raw.parameters, entry);
  const rawBackendType = typeof raw.backend === 'string' ? raw.backend : isObj(raw.backend) ? raw.backend.type : 'command';
  const backendType = typeof rawBackendType === 'string' ? rawBackendType : 'command';
  const octx: OptionContext = { method, parameters, ...(metric ? { metric } : {}), backendType, configDir };
  const backend = parseBackend(issues, raw, octx);
  const { program, command } = parseProgram(issues, raw, octx, opts.forRun !== false);
  const metrics = parseMetricsSource(issues, raw, octx, backend);

  const runCap = optionalInt(issues, raw, 'run_cap', 1, Number.MAX_SAFE_INTEGER, 'a whole number of runs, at least 1');
  const parallel = optionalInt(issues, raw, 'parallel', 1, MAX_PARALLEL, PARALLEL_ALLOWED) ?? 1;
  const seed = optionalInt(issues, raw, 'seed', 0, 2 ** 53 - 1, 'a whole number, 0 or more');
  let timeoutMs: number | undefined;
  if (raw.timeout !== undefined) {
    const t = parseDuration(raw.timeout);
    if (t === null) issues.bad('timeout', raw.timeout, 'seconds (a positive number) or a duration such as 30s, 10m, 1h30m');
    else timeoutMs = t;
  }
  const env = parseEnv(issues, raw.env);
  const methodOptions = parseMethodOptions(issues, raw, octx);
  const executor = parseExecutor(issues, raw, octx);
  const workdir = raw.workdir === undefined ? undefined : workdirOptions.parse(raw.workdir, octx, issues);
  const resources = raw.resources === undefined ? undefined : resourcesOptions.parse(raw.resources, octx, issues);
  const initialPoints = raw.initial_points === undefined ? undefined : parseInitialPoints(issues, raw.initial_points, parameters);
  const earlyTerminate = isObj(raw.early_terminate) ? raw.early_terminate : undefined;
  const stopping = raw.early_terminate === undefined ? undefined : stoppingOptions.parse(raw.early_terminate, octx, issues);
  const ladder = parseLadder(ctx, raw, octx);
  const wandb = parseWandb(issues, raw.wandb, octx);
  refuseBeyondOneMetric(issues, raw, octx, { objectives, constraints, cost });

  // a path may be made of a key with a NUL in it: printed escaped, so that the message is text
  const printable = (t: string): string => t.replace(/\0/g, '\\u0000');
  if (issues.count > 0) throw new ConfigError(file, issues.list.map((i) => ({ path: printable(i.path), message: printable(i.message) })));
  return {
    ...(name !== undefined ? { name } : {}),
    ...(description !== undefined ? { description } : {}),
    ...(program !== undefined ? { program } : {}),
    command,
    method,
    ...(metric ? { metric } : {}),
    ...(objectives ? { objectives } : {}),
    ...(constraints ? { constraints } : {}),
    ...(cost ? { cost } : {}),
    parameters,
    ...(Object.keys(nested).length > 0 ? { nested } : {}),
    ...(runCap !== undefined ? { runCap } : {}),
    parallel,
    ...(seed !== undefined ? { seed } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    backend: backend ?? { type: 'command' },
    ...(metrics ? { metrics } : {}),
    env,
    ...(earlyTerminate ? { earlyTerminate } : {}),
    ...(stopping ? { stopping } : {}),
    ...methodOptions,
    ...(executor ? { executor } : {}),
    ...(workdir && workdir.type !== 'study' ? { workdir } : {}),
    ...(resources ? { resources } : {}),
    ...(initialPoints?.length ? { initialPoints } : {}),
    ...ladder,
    ...(wandb ? { wandb } : {}),
    configDir,
  };
}

/**
 * Strings of a config become trainers' arguments and environment, which cannot hold a NUL character
 * (spawn throws), and rows in PostgreSQL's jsonb, which cannot either: refused here, with the field,
 * rather than as a study that dies with its trial left running.
 */
function refuseNul(issues: Issues, v: unknown, at: string): void {
  const allowed = 'text without NUL characters';
  if (typeof v === 'string') {
    if (v.includes('\0')) issues.bad(at || '(document)', v, allowed);
  } else if (Array.isArray(v)) v.forEach((x, i) => refuseNul(issues, x, `${at}[${i}]`));
  else if (isObj(v)) {
    for (const [k, x] of Object.entries(v)) {
      if (k.includes('\0')) issues.bad(at || '(document)', k, `keys of ${allowed}`);
      refuseNul(issues, x, at ? `${at}.${k}` : k);
    }
  }
}

function parseMethod(issues: Issues, raw: unknown): Method {
  if (raw === undefined) issues.add('method', `missing; allowed: ${METHOD_NAMES.join(', ')}`);
  else if (typeof raw !== 'string' || !(raw in METHODS)) {
    const planned = typeof raw === 'string' && PLANNED_METHODS.includes(raw);
    issues.bad('method', raw, `${METHOD_NAMES.join(', ')}${planned ? ` (${raw} is not available in this version yet)` : ''}`);
  } else return raw as Method;
  return 'random';
}

function parseParameters(ctx: Ctx, raw: unknown, method: MethodEntry): { parameters: SearchSpace; nested: Record<string, string[]> } {
  let parameters: SearchSpace = {};
  let nested: Record<string, string[]> = {};
  const what = 'a mapping from parameter name to its values or distribution';
  if (raw === undefined) ctx.issues.add('parameters', `missing; allowed: ${what}`);
  else if (!isObj(raw)) ctx.issues.bad('parameters', raw, what);
  else if (Object.keys(raw).length === 0) ctx.issues.add('parameters', 'is empty; allowed: at least one parameter');
  else ({ space: parameters, nested } = parseSearchSpace(ctx, 'parameters', raw));
  if (method.capabilities.walksGrid) {
    for (const [pname, d] of Object.entries(parameters)) {
      if (gridValues(d) === null) {
        const at = nested[pname] ? `parameters.${nested[pname].join('.parameters.')}` : `parameters.${pname}`;
        ctx.issues.add(at, `distribution ${d.type} is continuous and cannot be walked by method grid; allowed for grid: value, values, int_uniform, q_uniform, q_log_uniform_values, q_beta (with at most 10000 points)`);
      }
    }
  }
  return { parameters, nested };
}

function parseBackend(issues: Issues, raw: Record<string, unknown>, ctx: OptionContext): BackendConfig | undefined {
  if (raw.backend === undefined) return undefined;
  const type = typeof raw.backend === 'string' ? raw.backend : isObj(raw.backend) ? raw.backend.type : undefined;
  if (typeof type !== 'string' || !(type in BACKENDS)) {
    const planned = typeof type === 'string' && PLANNED_BACKENDS.includes(type);
    return void issues.bad(typeof raw.backend === 'string' ? 'backend' : 'backend.type', type ?? raw.backend, `${BACKEND_TYPES.join(', ')}${planned ? ` (${type} is not available in this version yet)` : ''}`);
  }
  const entry = BACKENDS[type as BackendType];
  const method = methodEntry(ctx.method as Method);
  if (method.capabilities.needsCheckpoints && !entry.capabilities.checkpoints) {
    const allowed = methodsWhere((e) => !e.capabilities.needsCheckpoints);
    issues.add('method', `found ${ctx.method}; backend ${type} keeps no checkpoints, which population-based training needs; allowed with ${type}: ${allowed.join(', ')}`);
  }
  return entry.parse(isObj(raw.backend) ? raw.backend : { type }, ctx, issues);
}

/**
 * The top-level `metrics:`, or the command backend's own: the same setting in two places (the second
 * keeps a backend block self-contained), so giving both is refused rather than one silently winning.
 */
function parseMetricsSource(issues: Issues, raw: Record<string, unknown>, ctx: OptionContext, backend: BackendConfig | undefined): StudyConfig['metrics'] {
  const inBackend = isObj(raw.backend) && raw.backend.metrics !== undefined;
  if (raw.metrics !== undefined && inBackend) return void issues.add('backend.metrics', 'given both here and as the top-level metrics; allowed: one of the two');
  if (raw.metrics !== undefined && !launchesProgram(ctx.backendType)) return void issues.add('metrics', `not used by backend ${ctx.backendType}, which reports in-process; allowed: remove it, or use backend: command to launch a program`);
  if (inBackend) return backend?.type === 'command' ? backend.metrics : undefined;
  return parseLogMetrics(raw.metrics, 'metrics', issues);
}

/** Does the backend named in the file launch a program? (A name the registry does not know is treated as command's: it is refused elsewhere.) */
function launchesProgram(type: string): boolean {
  return type in BACKENDS ? BACKENDS[type as BackendType].capabilities.launchesProgram : true;
}

function parseProgram(issues: Issues, raw: Record<string, unknown>, ctx: OptionContext, forRun: boolean): { program?: string; command: string[] } {
  let program: string | undefined;
  if (raw.program !== undefined) {
    if (typeof raw.program !== 'string' || raw.program.trim() === '') issues.bad('program', raw.program, 'a path to the training program, relative to the config file');
    else program = ctx.configDir ? path.resolve(ctx.configDir, raw.program) : raw.program;
  }
  const command = raw.command === undefined ? DEFAULT_COMMAND : parseCommand(issues, raw.command);
  if (!launchesProgram(ctx.backendType)) {
    for (const k of ['program', 'command', 'workdir', 'resources'] as const) {
      if (raw[k] !== undefined) issues.add(k, `not used by backend ${ctx.backendType}, which runs its own training (no program of yours); allowed: remove it, or use backend: command to launch a program`);
    }
  } else if (forRun && commandNeedsProgram(command)) {
    if (raw.program === undefined) issues.add('program', 'missing; allowed: a path to the training program (command uses ${program})');
    else if (program && ctx.configDir && !program.includes('\0')) {
      const problem = programProblem(program, command);
      if (problem) issues.add('program', `found ${describe(raw.program)}, but ${program} ${problem}`);
    }
  }
  return { ...(program !== undefined ? { program } : {}), command };
}

/**
 * Why the trainer could not be started, found now rather than as a failed first trial: an
 * interpreter must be able to read the file, and a program without one (no known extension, the
 * command naming ${program} first) is executed itself, so it needs its execute bit.
 */
function programProblem(program: string, command: readonly string[]): string | null {
  const existing = 'allowed: a path to an existing file, relative to the config file';
  if (!existsSync(program)) return `does not exist; ${existing}`;
  if (statSync(program).isDirectory()) return `is a folder; ${existing}`;
  if (!canAccess(program, fsConstants.R_OK)) return 'cannot be read; allowed: a file this user may read (chmod +r)';
  const interpreter = interpreterFor(program);
  const argv = command.filter((c) => c !== '${env}' && !(c === '${interpreter}' && interpreter === null));
  if (argv[0] === '${program}' && !canAccess(program, fsConstants.X_OK)) {
    return `is run as the command itself (no interpreter is known for its extension) and is not executable; allowed: an executable file (chmod +x), or a command that names its interpreter, e.g. [bash, "\${program}", "\${args}"]`;
  }
  return null;
}

function canAccess(file: string, mode: number): boolean {
  try {
    accessSync(file, mode);
    return true;
  } catch {
    return false;
  }
}

function parseCommand(issues: Issues, raw: unknown): string[] {
  if (!Array.isArray(raw) || raw.length === 0) {
    issues.bad('command', raw, 'a non-empty list of arguments, e.g. [${env}, ${interpreter}, ${program}, ${args}]');
    return DEFAULT_COMMAND;
  }
  const command: string[] = [];
  raw.forEach((item: unknown, i: number) => {
    if (typeof item !== 'string' && !isNum(item) && typeof item !== 'boolean') return issues.bad(`command[${i}]`, item, 'a string (a literal argument or a macro such as ${args})');
    const s = String(item);
    for (const m of s.matchAll(/\$\{([^}]*)\}/g)) {
      const macro = m[1]!;
      if (macro.startsWith('envvar:')) {
        const name = macro.slice('envvar:'.length);
        if (!ENVVAR_MACRO.test(macro)) issues.add(`command[${i}]`, `found ${describe(s)}; \${envvar:NAME} needs an environment variable name (letters, digits and _, not starting with a digit), found ${describe(name)}`);
        continue;
      }
      if (!(MACROS as readonly string[]).includes(macro)) issues.add(`command[${i}]`, `unknown macro \${${macro}}; allowed: ${MACROS.map((x) => `\${${x}}`).join(' ')} \${envvar:NAME}`);
      else if (LIST_MACROS.includes(macro) && s !== `\${${macro}}`) issues.add(`command[${i}]`, `found ${describe(s)}; \${${macro}} expands to several arguments and must be an item of its own`);
    }
    command.push(s);
  });
  return command;
}

export function commandNeedsProgram(command: readonly string[]): boolean {
  return command.some((c) => c.includes('${program}') || c.includes('${interpreter}'));
}

function parseEnv(issues: Issues, raw: unknown): Record<string, string> {
  const env: Record<string, string> = {};
  if (raw === undefined) return env;
  if (!isObj(raw)) {
    issues.bad('env', raw, 'a mapping of environment variable names to values');
    return env;
  }
  for (const [k, v] of Object.entries(raw)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) issues.bad(`env.${k}`, k, 'an environment variable name (letters, digits, _)');
    else if (typeof v !== 'string' && !isNum(v) && typeof v !== 'boolean') issues.bad(`env.${k}`, v, 'a string, number or boolean');
    else env[k] = String(v);
  }
  return env;
}

/** The study's method reads its own block; a block of another method is a mistake worth naming. */
function parseMethodOptions(issues: Issues, raw: Record<string, unknown>, ctx: OptionContext): Pick<StudyConfig, 'bayes' | 'pbt' | 'llm'> {
  const entry = methodEntry(ctx.method as Method);
  for (const key of OPTION_KEYS) {
    if (raw[key] === undefined || entry.options?.key === key) continue;
    const owners = methodsOwning(key);
    issues.add(key, `options for method${owners.length > 1 ? 's' : ''} ${owners.join(' and ')}, but method is ${ctx.method}; allowed: remove ${key}, or method: ${owners.join(' or ')}`);
  }
  const need = entry.capabilities.needsMetric;
  // a metric that is there but wrong has its own message already
  if (need && !ctx.metric && raw.metric === undefined) issues.add('metric', `missing; method ${ctx.method} ${need}: add metric: {name, goal}`);
  const o = entry.options;
  if (!o || (raw[o.key] === undefined && !o.required)) return {};
  const value = o.spec.parse(raw[o.key], ctx, issues);
  return value === undefined ? {} : { [o.key]: value };
}

function parseExecutor(issues: Issues, raw: Record<string, unknown>, ctx: OptionContext): StudyConfig['executor'] {
  const e = raw.executor;
  if (e === undefined) return undefined;
  if (!isObj(e) || typeof e.type !== 'string' || !(e.type in EXECUTORS)) {
    return void issues.bad(isObj(e) ? 'executor.type' : 'executor', isObj(e) ? e.type : e, EXECUTOR_TYPES.map((t) => `${t} (${EXECUTORS[t].summary})`).join(', '));
  }
  const entry = EXECUTORS[e.type as ExecutorType];
  const parsed = entry.parse(e, ctx, issues);
  if (entry.capabilities.workers && methodEntry(ctx.method as Method).capabilities.oneController) {
    issues.add('executor', `method ${ctx.method} decides exploits in one controller and is not run by Slurm workers in this version; allowed: remove executor`);
  }
  if (entry.capabilities.launchesPrograms && raw.backend !== undefined && !launchesProgram(ctx.backendType)) {
    issues.add('executor', `Slurm workers launch trainer programs: allowed with backend ${BACKEND_TYPES.filter(launchesProgram).join(', ')} only`);
  }
  return parsed;
}

/**
 * Several objectives, constraints and a cost belong to the methods that can honour them, and not to
 * what ranks runs by one number: a ladder's per-scale best, a stopping rule's comparison of curves.
 */
function refuseBeyondOneMetric(issues: Issues, raw: Record<string, unknown>, ctx: OptionContext, got: { objectives?: unknown; constraints?: unknown; cost?: unknown }): void {
  const caps = methodEntry(ctx.method as Method).capabilities;
  const what = [got.objectives ? ['metric', 'a list of objectives'] : null, got.constraints ? ['constraints', 'constraints'] : null].filter((x): x is string[] => x !== null);
  for (const [key, name] of what) {
    if (caps.refusesObjectives) issues.add(key!, `method ${ctx.method} ${caps.refusesObjectives}: ${name} do${name === 'constraints' ? '' : 'es'} not fit it; allowed with ${name}: ${methodsWhere((e) => e.capabilities.refusesObjectives === null).join(', ')}`);
    if (raw.scales !== undefined) issues.add(key!, `a ladder finds one best run per scale to fit its laws: ${name} do${name === 'constraints' ? '' : 'es'} not fit it (a ladder is single-objective); allowed: one metric: {name: loss, goal: minimize}${name === 'constraints' ? ', no constraints' : ''}`);
  }
  if (got.objectives && raw.early_terminate !== undefined) issues.add('early_terminate', 'stopping rules compare the curves of one metric, and this study has a list of objectives; allowed: remove early_terminate, or one metric');
  if (got.objectives && isObj(raw.bayes) && raw.bayes.warm_start !== undefined) issues.add('bayes.warm_start', 'warm starts read one metric of another study; allowed with a list of objectives: remove it');
  if (got.cost) {
    if (!caps.costAware) issues.add('cost', `steers the proposals of a model of the objective; method ${ctx.method} does not model it; allowed with cost: ${methodsWhere((e) => e.capabilities.costAware).join(', ')}`);
    if (raw.scales !== undefined) issues.add('cost', "a ladder plans its compute by each scale's 6·N·D (budget:); allowed: remove cost");
    if (got.objectives) issues.add('cost', 'cost-aware proposals seek improvement of one objective per unit of cost; allowed with a list of objectives: remove cost (add the cost as an objective instead)');
  }
}

/** `wandb:` — only for trainers scaletune launches: an in-process backend imports no Python. */
function parseWandb(issues: Issues, raw: unknown, ctx: OptionContext): StudyConfig['wandb'] {
  // YAML 1.1 readers, and people, write off as false
  if (raw === undefined || raw === 'off' || raw === false) return undefined;
  if (raw !== 'stand-in') return void issues.bad('wandb', raw, `${WANDB_MODES.join(', ')} (stand-in: programs that import wandb run unchanged, reporting through scaletune's stand-in)`);
  if (!launchesProgram(ctx.backendType)) return void issues.add('wandb', `found "stand-in", but backend ${ctx.backendType} runs its own training and launches no program of yours; allowed: off, or backend: command`);
  return 'stand-in';
}

function parseInitialPoints(issues: Issues, raw: unknown, parameters: SearchSpace): Params[] {
  if (!Array.isArray(raw)) {
    issues.bad('initial_points', raw, 'a list of mappings from parameter name to value');
    return [];
  }
  const points: Params[] = [];
  raw.forEach((pt: unknown, i: number) => {
    const at = `initial_points[${i}]`;
    if (!isObj(pt)) return issues.bad(at, pt, 'a mapping from parameter name to value');
    const full: Params = {};
    for (const k of Object.keys(pt)) if (!(k in parameters)) issues.add(`${at}.${k}`, `not a parameter of this study; parameters: ${Object.keys(parameters).join(', ')}`);
    for (const [name, d] of Object.entries(parameters)) {
      const v = pt[name];
      if (v === undefined) {
        if (d.type === 'constant') full[name] = d.value;
        else if (d.type === 'categorical' && d.values.length === 1) full[name] = d.values[0]!;
        else issues.add(`${at}.${name}`, 'missing; an initial point gives every searched parameter');
      } else if (!contains(d, v as ParamValue)) issues.bad(`${at}.${name}`, v, `a value of the parameter's domain (${describeDomain(d)})`);
      else full[name] = v as ParamValue;
    }
    points.push(full);
  });
  return points;
}

function optionalString(issues: Issues, raw: Record<string, unknown>, key: string): string | undefined {
  const v = raw[key];
  if (v === undefined) return undefined;
  if (typeof v === 'string') return v;
  issues.bad(key, v, 'a string');
  return undefined;
}

function optionalInt(issues: Issues, raw: Record<string, unknown>, key: string, min: number, max: number, allowed: string): number | undefined {
  const v = raw[key];
  if (v === undefined) return undefined;
  if (Number.isInteger(v) && (v as number) >= min && (v as number) <= max) return v as number;
  issues.bad(key, v, allowed);
  return undefined;
}
