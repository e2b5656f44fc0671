/**
 * The settings of an in-process training run: one table of every model and training setting (name, group,
 * default, what is allowed), used to validate `backend: {type: tfjs, …}` in a study config, to check that
 * the study's searched parameters name real settings with allowed domains, and to resolve the settings
 * of one trial (config values, then the trial's parameters on top).
 *
 * Pure: the corpus file is only checked for existence here; it is read by the run.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import type { ConfigIssue } from '../../core/errors.js';
import { isObj } from '../../core/options.js';
import { valueBounds, type Distribution, type Params, type ParamValue, type SearchSpace } from '../../core/distributions.js';
import { SCHEDULES } from './schedule.js';
import { MARKOV_DEFAULTS, MAX_TABLE } from './language.js';

export const TASKS = ['synthetic-lm', 'text-lm'] as const;
export type TaskName = (typeof TASKS)[number];
export const RUNTIMES = ['auto', 'tensorflow', 'wasm', 'cpu'] as const;
export type RuntimePreference = (typeof RUNTIMES)[number];
export const ARCHS = ['transformer', 'mlp'] as const;

type Kind = { kind: 'int'; min: number; max?: number } | { kind: 'number'; min?: number; max?: number; exclusiveMin?: boolean; below?: number } | { kind: 'bool' } | { kind: 'enum'; values: readonly string[] };

interface SettingSpec {
  group: 'model' | 'train';
  kind: Kind;
  default?: number | string | boolean;
  help: string;
}

/** Every setting a trial's parameters may set, by name. */
export const SETTINGS: Record<string, SettingSpec> = {
  arch: { group: 'model', kind: { kind: 'enum', values: ARCHS }, default: 'transformer', help: 'decoder-only transformer, or a windowed MLP (faster)' },
  width: { group: 'model', kind: { kind: 'int', min: 4, max: 8192 }, default: 64, help: 'model width (d_model)' },
  depth: { group: 'model', kind: { kind: 'int', min: 1, max: 64 }, default: 2, help: 'transformer blocks, or hidden layers of the MLP' },
  heads: { group: 'model', kind: { kind: 'int', min: 1, max: 128 }, default: 4, help: 'attention heads (width must be a multiple)' },
  seq_len: { group: 'model', kind: { kind: 'int', min: 2, max: 4096 }, default: 64, help: 'tokens per training sequence' },
  mlp_ratio: { group: 'model', kind: { kind: 'number', min: 0.25, max: 16 }, default: 4, help: 'hidden width of the feed-forward layers, as a multiple of width' },
  window: { group: 'model', kind: { kind: 'int', min: 1, max: 256 }, default: 8, help: 'tokens the MLP sees before each prediction' },
  mup: { group: 'model', kind: { kind: 'bool' }, default: false, help: 'muP parametrization (hyperparameters transfer across width)' },
  base_width: { group: 'model', kind: { kind: 'int', min: 4, max: 8192 }, default: 64, help: 'the width muP is tuned at' },
  init_std: { group: 'model', kind: { kind: 'number', min: 0, exclusiveMin: true, max: 100 }, default: 1, help: 'multiplier of the 1/sqrt(fan_in) initialisation of hidden matrices' },

  steps: { group: 'train', kind: { kind: 'int', min: 1, max: 1e9 }, default: 200, help: 'optimizer steps (ignored when tokens is set)' },
  tokens: { group: 'train', kind: { kind: 'number', min: 1 }, help: 'tokens to train on (steps = tokens / (batch_size · seq_len), rounded up)' },
  batch_size: { group: 'train', kind: { kind: 'int', min: 1, max: 1e6 }, default: 16, help: 'sequences per step' },
  lr: { group: 'train', kind: { kind: 'number', min: 0, exclusiveMin: true, max: 100 }, default: 3e-3, help: 'peak learning rate (lr_max for the power schedule)' },
  beta1: { group: 'train', kind: { kind: 'number', min: 0, below: 1 }, default: 0.9, help: 'AdamW β1' },
  beta2: { group: 'train', kind: { kind: 'number', min: 0, below: 1 }, default: 0.95, help: 'AdamW β2' },
  eps: { group: 'train', kind: { kind: 'number', min: 0, exclusiveMin: true, max: 1 }, default: 1e-8, help: 'AdamW ε' },
  weight_decay: { group: 'train', kind: { kind: 'number', min: 0, max: 10 }, default: 0.01, help: 'decoupled weight decay (matrices only)' },
  clip: { group: 'train', kind: { kind: 'number', min: 0 }, default: 1, help: 'gradient clipping by global norm (0: off)' },
  schedule: { group: 'train', kind: { kind: 'enum', values: SCHEDULES }, default: 'cosine', help: 'learning-rate schedule' },
  warmup: { group: 'train', kind: { kind: 'number', min: 0 }, default: 0.05, help: 'warmup: a fraction of the steps when below 1, else a number of steps' },
  decay: { group: 'train', kind: { kind: 'number', min: 0, max: 1 }, default: 0.2, help: 'fraction of steps of the final decay (wsd, power)' },
  min_lr_ratio: { group: 'train', kind: { kind: 'number', min: 0, max: 1 }, default: 0.1, help: 'final learning rate as a fraction of lr' },
  power_a: { group: 'train', kind: { kind: 'number', min: 0, exclusiveMin: true }, default: 4.6, help: 'Power scheduler a' },
  power_b: { group: 'train', kind: { kind: 'number', max: 0 }, default: -0.51, help: 'Power scheduler b' },
  init_seed: { group: 'train', kind: { kind: 'int', min: 0, max: 2 ** 31 - 1 }, default: 0, help: 'seed of the initial weights' },
  diverge_loss: { group: 'train', kind: { kind: 'number', min: 0, exclusiveMin: true }, help: 'a training loss above this ends the run as diverged (default: 2·ln(vocab))' },
  eval_every: { group: 'train', kind: { kind: 'int', min: 1 }, help: 'steps between held-out evaluations (default: a quarter of the steps)' },
  eval_batches: { group: 'train', kind: { kind: 'int', min: 1, max: 10_000 }, default: 4, help: 'held-out batches per evaluation (the same for every trial)' },
  log_every: { group: 'train', kind: { kind: 'int', min: 1 }, help: 'steps between training-loss reports (default: about 50 reports per run)' },
  checkpoint_every: { group: 'train', kind: { kind: 'int', min: 0 }, help: 'steps between checkpoints (default: at every evaluation; 0: only at the end)' },
  keep_checkpoints: { group: 'train', kind: { kind: 'int', min: 1, max: 1000 }, default: 2, help: 'checkpoints kept per run (older ones are deleted)' },
};

const DATA_KEYS_SYNTHETIC = ['vocab', 'order', 'branching', 'mix', 'seed'];
const DATA_KEYS_TEXT = ['corpus', 'val_fraction', 'seed'];
const BACKEND_KEYS = ['type', 'task', 'runtime', 'data', 'model', 'train'];

export type SettingValue = number | string | boolean;

export interface SyntheticData {
  vocab: number;
  order: number;
  branching: number;
  mix: number;
  seed: number;
}

export interface TextData {
  /** absolute path */
  corpus: string;
  valFraction: number;
  seed: number;
}

/** A validated `backend: {type: tfjs}` block. */
export interface TfjsBackendConfig {
  type: 'tfjs';
  task: TaskName;
  runtime: RuntimePreference;
  data: SyntheticData | TextData;
  /** model and train settings given in the config (defaults are applied per trial) */
  settings: Record<string, SettingValue>;
}

/** Everything one run needs, with defaults applied and the trial's parameters on top. */
export interface RunSettings {
  task: TaskName;
  runtime: RuntimePreference;
  data: SyntheticData | TextData;
  arch: 'transformer' | 'mlp';
  width: number;
  depth: number;
  heads: number;
  seqLen: number;
  mlpRatio: number;
  window: number;
  mup: boolean;
  baseWidth: number;
  initStd: number;
  steps: number;
  batchSize: number;
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  clip: number;
  schedule: (typeof SCHEDULES)[number] | 'wsds';
  /** wsds (harvesting): the steps each decay ends at */
  points?: number[];
  warmupSteps: number;
  decay: number;
  minLrRatio: number;
  powerA: number;
  powerB: number;
  initSeed: number;
  divergeLoss: number | null;
  evalEvery: number;
  evalBatches: number;
  logEvery: number;
  checkpointEvery: number;
  keepCheckpoints: number;
}

const describe = (v: unknown): string => (v === undefined ? 'nothing' : typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v) ?? String(v));

function allowedText(k: Kind): string {
  switch (k.kind) {
    case 'int':
      return `a whole number from ${k.min}${k.max !== undefined ? ` to ${k.max}` : ' up'}`;
    case 'number': {
      const lo = k.min !== undefined ? `${k.exclusiveMin ? 'above' : 'at least'} ${k.min}` : '';
      const hi = k.below !== undefined ? `below ${k.below}` : k.max !== undefined ? `at most ${k.max}` : '';
      return `a number${lo ? ` ${lo}` : ''}${lo && hi ? ' and' : ''}${hi ? ` ${hi}` : ''}`;
    }
    case 'bool':
      return 'true or false';
    case 'enum':
      return k.values.join(', ');
  }
}

/** Does `v` satisfy the setting? */
export function settingAccepts(name: string, v: unknown): boolean {
  const spec = SETTINGS[name];
  if (!spec) return false;
  const k = spec.kind;
  switch (k.kind) {
    case 'int':
      return typeof v === 'number' && Number.isInteger(v) && v >= k.min && (k.max === undefined || v <= k.max);
    case 'number':
      return (
        typeof v === 'number' &&
        Number.isFinite(v) &&
        (k.min === undefined || (k.exclusiveMin ? v > k.min : v >= k.min)) &&
        (k.max === undefined || v <= k.max) &&
        (k.below === undefined || v < k.below)
      );
    case 'bool':
      return typeof v === 'boolean';
    case 'enum':
      return typeof v === 'string' && k.values.includes(v);
  }
}

/** The JSON Schema of `backend: {type: tfjs, …}` (for `scaletune schema`), from the same table. */
export function tfjsBackendSchema(): Record<string, unknown> {
  const group = (g: 'model' | 'train'): Record<string, unknown> => ({
    type: 'object',
    additionalProperties: false,
    properties: Object.fromEntries(
      Object.entries(SETTINGS)
        .filter(([, spec]) => spec.group === g)
        .map(([name, spec]) => {
          const k = spec.kind;
          const base: Record<string, unknown> =
            k.kind === 'int'
              ? { type: 'integer', minimum: k.min, ...(k.max !== undefined ? { maximum: k.max } : {}) }
              : k.kind === 'number'
                ? { type: 'number', ...(k.min !== undefined ? (k.exclusiveMin ? { exclusiveMinimum: k.min } : { minimum: k.min }) : {}), ...(k.max !== undefined ? { maximum: k.max } : {}), ...(k.below !== undefined ? { exclusiveMaximum: k.below } : {}) }
                : k.kind === 'bool'
                  ? { type: 'boolean' }
                  : { enum: [...k.values] };
          return [name, { ...base, description: spec.help, ...(spec.default !== undefined ? { default: spec.default } : {}) }];
        }),
    ),
  });
  return {
    type: 'object',
    additionalProperties: false,
    required: ['type'],
    description: 'in-process training with TensorFlow.js; searched parameters must name model or train settings',
    properties: {
      type: { const: 'tfjs' },
      task: { enum: [...TASKS], default: 'synthetic-lm' },
      runtime: { enum: [...RUNTIMES], default: 'auto' },
      data: {
        type: 'object',
        additionalProperties: false,
        description: 'synthetic-lm: vocab, order, branching, mix, seed; text-lm: corpus, val_fraction, seed',
        properties: {
          vocab: { type: 'integer', minimum: 2, maximum: 65535 },
          order: { type: 'integer', minimum: 1, maximum: 8 },
          branching: { type: 'integer', minimum: 1 },
          mix: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 },
          seed: { type: 'integer', minimum: 0 },
          corpus: { type: 'string', description: 'UTF-8 text file, relative to the config' },
          val_fraction: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 0.5 },
        },
      },
      model: group('model'),
      train: group('train'),
    },
  };
}

export function settingAllowed(name: string): string {
  const spec = SETTINGS[name];
  return spec ? allowedText(spec.kind) : 'one of the settings';
}

const INT_DISTRIBUTIONS = new Set(['int_uniform']);

/** Problems with searching `name` over `d`, or none. */
function checkParameter(name: string, d: Distribution): string | null {
  const spec = SETTINGS[name];
  if (!spec) return null;
  const k = spec.kind;
  if (d.type === 'constant' || d.type === 'categorical') {
    const values = d.type === 'constant' ? [d.value] : d.values;
    const bad = values.find((v) => !settingAccepts(name, v));
    return bad === undefined ? null : `value ${describe(bad)} is not allowed for the tfjs setting ${name}; allowed: ${allowedText(k)}`;
  }
  if (k.kind === 'bool' || k.kind === 'enum') return `distribution ${d.type} gives numbers, but ${name} takes ${allowedText(k)}; use values: [...]`;
  if (k.kind === 'int' && !INT_DISTRIBUTIONS.has(d.type) && !('q' in d && Number.isInteger(d.q))) {
    return `distribution ${d.type} gives fractional numbers, but ${name} takes ${allowedText(k)}; use int_uniform, values: [...], or a whole-number q`;
  }
  const bounds = valueBounds(d);
  if (bounds) {
    const [lo, hi] = bounds;
    // only the bounds can be checked: a sampled value inside them is checked again by the run
    for (const v of [lo, hi]) {
      const probe = k.kind === 'int' ? Math.round(v) : v;
      if (!settingAccepts(name, probe)) return `range ${lo} to ${hi} leaves what ${name} allows (${allowedText(k)})`;
    }
  }
  return null;
}

export interface TfjsValidation {
  config: TfjsBackendConfig | null;
  issues: ConfigIssue[];
}

/**
 * Validate a `backend: {type: tfjs, …}` block and the study's parameters against it. Every searched
 * parameter must name a setting (there is no other way for it to reach the run).
 */
export function validateTfjsBackend(raw: Record<string, unknown>, parameters: SearchSpace, configDir: string): TfjsValidation {
  const issues: ConfigIssue[] = [];
  const bad = (p: string, found: unknown, allowed: string): void => void issues.push({ path: p, message: `found ${describe(found)}; allowed: ${allowed}` });
  for (const k of Object.keys(raw)) if (!BACKEND_KEYS.includes(k)) issues.push({ path: `backend.${k}`, message: `unknown key; allowed for backend tfjs: ${BACKEND_KEYS.join(', ')}` });

  let task: TaskName = 'synthetic-lm';
  if (raw.task !== undefined) {
    if (typeof raw.task === 'string' && (TASKS as readonly string[]).includes(raw.task)) task = raw.task as TaskName;
    else bad('backend.task', raw.task, TASKS.join(', '));
  }
  let runtime: RuntimePreference = 'auto';
  if (raw.runtime !== undefined) {
    if (typeof raw.runtime === 'string' && (RUNTIMES as readonly string[]).includes(raw.runtime)) runtime = raw.runtime as RuntimePreference;
    else bad('backend.runtime', raw.runtime, `${RUNTIMES.join(', ')} (auto: tensorflow when @tensorflow/tfjs-node loads, else wasm, else cpu)`);
  }

  // data
  const rawData = raw.data ?? {};
  let data: SyntheticData | TextData | null = null;
  if (!isObj(rawData)) bad('backend.data', rawData, task === 'text-lm' ? 'a mapping {corpus, val_fraction, seed}' : 'a mapping {vocab, order, branching, mix, seed}');
  else if (task === 'synthetic-lm') {
    for (const k of Object.keys(rawData)) if (!DATA_KEYS_SYNTHETIC.includes(k)) issues.push({ path: `backend.data.${k}`, message: `unknown key; allowed for synthetic-lm: ${DATA_KEYS_SYNTHETIC.join(', ')}` });
    const d = { ...MARKOV_DEFAULTS, seed: 0 };
    const int = (k: 'vocab' | 'order' | 'branching' | 'seed', lo: number, hi: number): void => {
      const v = rawData[k];
      if (v === undefined) return;
      if (typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi) d[k] = v;
      else bad(`backend.data.${k}`, v, `a whole number from ${lo} to ${hi}`);
    };
    int('vocab', 2, 65535);
    int('order', 1, 8);
    int('branching', 1, 65535);
    int('seed', 0, 2 ** 31 - 1);
    if (rawData.mix !== undefined) {
      if (typeof rawData.mix === 'number' && rawData.mix > 0 && rawData.mix < 1) d.mix = rawData.mix;
      else bad('backend.data.mix', rawData.mix, 'a number between 0 and 1, both excluded');
    }
    if (d.branching > d.vocab) issues.push({ path: 'backend.data.branching', message: `found ${d.branching}; allowed: at most vocab (${d.vocab})` });
    if (d.vocab ** (d.order + 1) > MAX_TABLE) issues.push({ path: 'backend.data', message: `vocab^(order+1) = ${d.vocab}^${d.order + 1} is over ${MAX_TABLE}; allowed: a smaller vocab or order` });
    data = d;
  } else {
    for (const k of Object.keys(rawData)) if (!DATA_KEYS_TEXT.includes(k)) issues.push({ path: `backend.data.${k}`, message: `unknown key; allowed for text-lm: ${DATA_KEYS_TEXT.join(', ')}` });
    const t: TextData = { corpus: '', valFraction: 0.1, seed: 0 };
    if (typeof rawData.corpus !== 'string' || rawData.corpus === '') {
      issues.push({ path: 'backend.data.corpus', message: `${rawData.corpus === undefined ? 'missing' : `found ${describe(rawData.corpus)}`}; allowed: the path of a UTF-8 text file, relative to the config file` });
    } else {
      t.corpus = path.resolve(configDir || '.', rawData.corpus);
      if (!existsSync(t.corpus)) issues.push({ path: 'backend.data.corpus', message: `found ${describe(rawData.corpus)}, but ${t.corpus} does not exist; allowed: a UTF-8 text file, relative to the config file` });
      else if (statSync(t.corpus).isDirectory()) issues.push({ path: 'backend.data.corpus', message: `${t.corpus} is a folder; allowed: a UTF-8 text file` });
    }
    if (rawData.val_fraction !== undefined) {
      const v = rawData.val_fraction;
      if (typeof v === 'number' && v > 0 && v < 0.5) t.valFraction = v;
      else bad('backend.data.val_fraction', v, 'a number between 0 and 0.5, both excluded');
    }
    if (rawData.seed !== undefined) {
      const v = rawData.seed;
      if (typeof v === 'number' && Number.isInteger(v) && v >= 0) t.seed = v;
      else bad('backend.data.seed', v, 'a whole number, 0 or more');
    }
    data = t;
  }

  // model and train groups
  const settings: Record<string, SettingValue> = {};
  for (const group of ['model', 'train'] as const) {
    const g = raw[group];
    if (g === undefined) continue;
    if (!isObj(g)) {
      bad(`backend.${group}`, g, `a mapping of ${group} settings (${namesOf(group).join(', ')})`);
      continue;
    }
    for (const [k, v] of Object.entries(g)) {
      const spec = SETTINGS[k];
      if (!spec || spec.group !== group) {
        const elsewhere = spec ? ` (${k} belongs under backend.${spec.group})` : '';
        issues.push({ path: `backend.${group}.${k}`, message: `unknown ${group} setting${elsewhere}; allowed: ${namesOf(group).join(', ')}` });
      } else if (!settingAccepts(k, v)) bad(`backend.${group}.${k}`, v, allowedText(spec.kind));
      else settings[k] = v as SettingValue;
    }
  }

  // the searched parameters must be settings
  for (const [name, d] of Object.entries(parameters)) {
    if (!SETTINGS[name]) {
      issues.push({ path: `parameters.${name}`, message: `not a setting of the tfjs backend; allowed parameter names: ${Object.keys(SETTINGS).join(', ')}` });
      continue;
    }
    const problem = checkParameter(name, d);
    if (problem) issues.push({ path: `parameters.${name}`, message: problem });
    if (name in settings) issues.push({ path: `parameters.${name}`, message: `also set in backend.${SETTINGS[name]!.group}.${name}; allowed: one of the two (the parameter would always win)` });
  }

  if (issues.length === 0 && data) {
    // settings that fit together can only be checked with the constants; searched ones are checked per trial
    const fixed: Params = { ...settings };
    for (const [name, d] of Object.entries(parameters)) if (d.type === 'constant') fixed[name] = d.value;
    const cross = crossCheck(fixed);
    if (cross) issues.push({ path: 'backend', message: cross });
  }
  return { config: issues.length ? null : { type: 'tfjs', task, runtime, data: data!, settings }, issues };
}

function namesOf(group: 'model' | 'train'): string[] {
  return Object.entries(SETTINGS)
    .filter(([, s]) => s.group === group)
    .map(([k]) => k);
}

/** Settings that must agree with each other, checked only where both are known. */
function crossCheck(v: Params): string | null {
  const width = v.width ?? SETTINGS.width!.default;
  const heads = v.heads ?? SETTINGS.heads!.default;
  const arch = v.arch ?? SETTINGS.arch!.default;
  if (arch === 'transformer' && typeof width === 'number' && typeof heads === 'number' && width % heads !== 0) {
    return `width ${width} is not a multiple of heads ${heads}; allowed: a width divisible by the number of heads`;
  }
  return null;
}

/** The settings of one trial: defaults, then the config's values, then the trial's parameters. */
export function resolveRunSettings(cfg: TfjsBackendConfig, params: Params, vocab: number): RunSettings {
  const v: Record<string, ParamValue | undefined> = {};
  for (const [k, spec] of Object.entries(SETTINGS)) v[k] = spec.default;
  Object.assign(v, cfg.settings);
  for (const [k, value] of Object.entries(params)) {
    if (!SETTINGS[k]) throw new RangeError(`parameter ${k} is not a setting of the tfjs backend`);
    let x = value;
    if (SETTINGS[k]!.kind.kind === 'int' && typeof x === 'number') x = Math.round(x);
    if (!settingAccepts(k, x)) throw new RangeError(`parameter ${k} = ${describe(value)} is not allowed; allowed: ${settingAllowed(k)}`);
    v[k] = x;
  }
  const cross = crossCheck(v as Params);
  if (cross) throw new RangeError(cross);
  const num = (k: string): number => v[k] as number;
  const batchSize = num('batch_size');
  const seqLen = num('seq_len');
  const steps = v.tokens !== undefined ? Math.max(1, Math.ceil(num('tokens') / (batchSize * seqLen))) : num('steps');
  const warmup = num('warmup');
  const evalEvery = v.eval_every !== undefined ? num('eval_every') : Math.max(1, Math.ceil(steps / 4));
  return {
    task: cfg.task,
    runtime: cfg.runtime,
    data: cfg.data,
    arch: v.arch as 'transformer' | 'mlp',
    width: num('width'),
    depth: num('depth'),
    heads: num('heads'),
    seqLen,
    mlpRatio: num('mlp_ratio'),
    window: num('window'),
    mup: v.mup as boolean,
    baseWidth: num('base_width'),
    initStd: num('init_std'),
    steps,
    batchSize,
    lr: num('lr'),
    beta1: num('beta1'),
    beta2: num('beta2'),
    eps: num('eps'),
    weightDecay: num('weight_decay'),
    clip: num('clip'),
    schedule: v.schedule as RunSettings['schedule'],
    warmupSteps: warmup < 1 ? Math.round(warmup * steps) : Math.min(steps, Math.round(warmup)),
    decay: num('decay'),
    minLrRatio: num('min_lr_ratio'),
    powerA: num('power_a'),
    powerB: num('power_b'),
    initSeed: num('init_seed'),
    divergeLoss: v.diverge_loss !== undefined ? num('diverge_loss') : 2 * Math.log(vocab),
    evalEvery,
    evalBatches: num('eval_batches'),
    logEvery: v.log_every !== undefined ? num('log_every') : Math.max(1, Math.floor(steps / 50)),
    checkpointEvery: v.checkpoint_every !== undefined ? num('checkpoint_every') : evalEvery,
    keepCheckpoints: num('keep_checkpoints'),
  };
}
