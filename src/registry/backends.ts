/**
 * The backends a study may run its proxies on, one entry each: the `backend:` block's parser and
 * schema, what the backend can do, how a ladder's scale becomes settings of a run, and the backend.
 */
import type { Params } from '../core/distributions.js';
import type { Issues, OptionContext } from '../core/options.js';
import type { Trial } from '../core/trial.js';
import { CommandBackend } from '../backends/command.js';
import { logMetricsSchema, parseLogMetrics, type LogMetricsConfig } from '../backends/log-metrics-options.js';
import { SimBackend } from '../backends/sim/backend.js';
import { simBackendSchema, validateSimBackend, type SimBackendConfig } from '../backends/sim/settings.js';
import { TfjsBackend } from '../backends/tfjs/backend.js';
import { SETTINGS as TFJS_SETTINGS, tfjsBackendSchema, validateTfjsBackend, type TfjsBackendConfig } from '../backends/tfjs/settings.js';
import { TorchBackend } from '../backends/torch/backend.js';
import { torchBackendSchema, validateTorchBackend, type TorchBackendConfig } from '../backends/torch/settings.js';
import type { Backend } from '../backends/types.js';

/** The command backend's block; its `metrics` is also the study's (validate.ts takes one of the two). */
export type CommandBackendConfig = { type: 'command'; metrics?: LogMetricsConfig };
export type BackendConfig = CommandBackendConfig | TfjsBackendConfig | TorchBackendConfig | SimBackendConfig;

export interface BackendCapabilities {
  /** runs a trainer program as a child process (so `program`/`command` apply, and Slurm workers can run it) */
  launchesProgram: boolean;
  /** trials can continue from a checkpoint (population-based training needs it) */
  checkpoints: boolean;
  /** a ladder's scales must give their parameter count N */
  scaleNeedsParams: boolean;
}

export interface BackendEntry {
  /** `raw` is the block as written, or `{type}` when the config names the backend only */
  parse(raw: Record<string, unknown>, ctx: OptionContext, issues: Issues): BackendConfig | undefined;
  schema(): Record<string, unknown>;
  capabilities: BackendCapabilities;
  /** why a key of a scale's `model` cannot be used with this backend, or null when it can */
  refuseModelKey(key: string): string | null;
  /** the settings a run gets from its scale's size (its model's entries come on top of them) */
  sizeSettings(scale: Record<string, unknown>): Params;
  create(): Backend;
  /** the proxy run in words for a prompt (what an LLM is told it tunes), where the backend knows it */
  describe(config: BackendConfig): string | null;
}

const size = (scale: Record<string, unknown>, keys: ('params' | 'tokens')[]): Params => {
  const out: Params = {};
  for (const k of keys) {
    const v = scale[k];
    if (typeof v === 'number') out[k] = v;
  }
  return out;
};

/** The tfjs and torch backends take the same model settings: why a key of a scale's `model` is not one. */
const notAModelSetting = (backend: string, k: string): string | null => (TFJS_SETTINGS[k] ? null : `not a setting of the ${backend} backend; allowed: ${Object.keys(TFJS_SETTINGS).join(', ')}`);

/** The proxy runs of the tfjs and torch backends in words. */
function languageModels(b: Pick<TfjsBackendConfig, 'task' | 'settings'>, how: string): string {
  const parts = Object.entries(b.settings).map(([k, v]) => `${k} ${String(v)}`);
  return `small ${b.task} language models ${how}${parts.length ? ` (${parts.join(', ')})` : ''}`;
}

export const BACKENDS = {
  command: {
    parse(raw, _ctx, issues) {
      for (const k of Object.keys(raw)) if (k !== 'type' && k !== 'metrics') issues.add(`backend.${k}`, 'unknown key; allowed for backend command: type, metrics');
      const metrics = parseLogMetrics(raw.metrics, 'backend.metrics', issues);
      return { type: 'command', ...(metrics ? { metrics } : {}) };
    },
    schema: () => ({ type: 'object', additionalProperties: false, required: ['type'], properties: { type: { const: 'command' }, metrics: logMetricsSchema() } }),
    capabilities: { launchesProgram: true, checkpoints: true, scaleNeedsParams: false },
    refuseModelKey: () => null,
    // a command trainer reads its scale from SCALETUNE_SCALE and gets the model's entries as arguments
    sizeSettings: () => ({}),
    create: () => new CommandBackend(),
    describe: () => null,
  },
  tfjs: {
    parse(raw, ctx, issues) {
      const v = validateTfjsBackend(raw, ctx.parameters, ctx.configDir);
      issues.list.push(...v.issues);
      return v.config ?? undefined;
    },
    schema: tfjsBackendSchema,
    capabilities: { launchesProgram: false, checkpoints: true, scaleNeedsParams: false },
    refuseModelKey: (k) => notAModelSetting('tfjs', k),
    sizeSettings: (s) => size(s, ['tokens']),
    create: () => new TfjsBackend(),
    describe: (config) => languageModels(config as TfjsBackendConfig, 'trained in-process'),
  },
  // the tfjs block word for word, trained by the PyTorch reference trainer: a user switches one word
  torch: {
    parse(raw, ctx, issues) {
      const v = validateTorchBackend(raw, ctx.parameters, ctx.configDir);
      issues.list.push(...v.issues);
      return v.config ?? undefined;
    },
    schema: torchBackendSchema,
    // it launches scaletune's own trainer: `program` and `command` are not the user's to give
    capabilities: { launchesProgram: false, checkpoints: true, scaleNeedsParams: false },
    refuseModelKey: (k) => notAModelSetting('torch', k),
    sizeSettings: (s) => size(s, ['tokens']),
    create: () => new TorchBackend(),
    describe: (config) => languageModels(config as TorchBackendConfig, 'trained by PyTorch'),
  },
  sim: {
    parse(raw, ctx, issues) {
      const v = validateSimBackend(raw, ctx.parameters);
      issues.list.push(...v.issues);
      return v.config ?? undefined;
    },
    schema: simBackendSchema,
    capabilities: { launchesProgram: false, checkpoints: false, scaleNeedsParams: true },
    refuseModelKey: () => 'backend sim models a scale by its params and tokens only; allowed: remove model',
    sizeSettings: (s) => size(s, ['params', 'tokens']),
    create: () => new SimBackend(),
    describe(config) {
      const b = config as SimBackendConfig;
      return `simulated language-model runs of ${b.params !== undefined ? `${b.params.toExponential(2)} non-embedding parameters` : 'a given size'}${b.tokens !== undefined ? ` trained on ${b.tokens.toExponential(2)} tokens` : ''}`;
    },
  },
} satisfies Record<string, BackendEntry>;

export type BackendType = keyof typeof BACKENDS;
export const BACKEND_TYPES = Object.keys(BACKENDS) as BackendType[];
/** Backends on the roadmap, recognised but not built yet. */
export const PLANNED_BACKENDS: string[] = [];

export function backendEntry(type: BackendType): BackendEntry {
  return BACKENDS[type];
}

/** The backend a study's config asks for. */
export function backendFor(config: { backend: { type: BackendType } }): Backend {
  return backendEntry(config.backend.type).create();
}

/** The proxy run in words, where its backend knows it. */
export function describeProxy(config: BackendConfig): string | null {
  return backendEntry(config.type).describe(config);
}

/**
 * What a run receives: the trial's parameters over its scale's model (a ladder). The in-process
 * backends also get the scale's size as settings (tfjs: tokens; sim: params and tokens); a command
 * trainer reads the whole scale from SCALETUNE_SCALE and gets the model's entries as arguments.
 */
export function runParams(config: { backend: { type: BackendType } }, trial: Pick<Trial, 'params' | 'scale'>): Params {
  const s = trial.scale;
  if (!s) return trial.params;
  return { ...((s.model ?? {}) as Params), ...backendEntry(config.backend.type).sizeSettings(s), ...trial.params };
}
