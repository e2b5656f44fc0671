/**
 * `backend: {type: torch}`: the tfjs backend's block, word for word — task, data, model and train
 * settings, validated by the same rules — run by the PyTorch reference trainer
 * (fixtures/trainers/torch_lm.py) as a child process. Its own keys: `python` (default: the first of
 * $SCALETUNE_PYTHON, python3 and /usr/bin/python3 that imports torch), `threads` (per run, default 1),
 * `device` (auto: CUDA when there is one), `dtype` (auto: bf16 autocast on CUDA) and `compile` (default
 * off: each trial is a process of its own, which would pay torch.compile's minutes again).
 */
import type { SearchSpace } from '../../core/distributions.js';
import type { ConfigIssue } from '../../core/errors.js';
import { tfjsBackendSchema, validateTfjsBackend, type TfjsBackendConfig } from '../tfjs/settings.js';

export const TORCH_DEVICES = ['auto', 'cpu', 'cuda'] as const;

export interface TorchBackendConfig extends Omit<TfjsBackendConfig, 'type' | 'runtime'> {
  type: 'torch';
  python: string | null;
  threads: number;
  device: string;
  dtype: 'auto' | 'fp32' | 'bf16';
  compile: 'auto' | 'on' | 'off';
}

const OWN_KEYS = ['python', 'threads', 'device', 'dtype', 'compile'];

export function validateTorchBackend(raw: Record<string, unknown>, parameters: SearchSpace, configDir: string): { config: TorchBackendConfig | null; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const shared: Record<string, unknown> = { ...raw, type: 'tfjs' };
  for (const k of OWN_KEYS) delete shared[k];
  if (raw.runtime !== undefined) {
    issues.push({ path: 'backend.runtime', message: 'chooses the runtime of backend tfjs; backend torch trains with PyTorch: allowed: remove it (python, threads and device choose how torch runs)' });
    delete shared.runtime;
  }
  const v = validateTfjsBackend(shared, parameters, configDir);
  // the shared validator names its backend in unknown-key messages
  issues.push(...v.issues.map((i) => ({ ...i, message: i.message.replace('allowed for backend tfjs: ', `allowed for backend torch: ${OWN_KEYS.join(', ')}, `) })));
  let python: string | null = null;
  if (raw.python !== undefined) {
    if (typeof raw.python === 'string' && raw.python.trim() !== '') python = raw.python;
    else issues.push({ path: 'backend.python', message: `found ${JSON.stringify(raw.python)}; allowed: the python executable that imports torch, e.g. /usr/bin/python3` });
  }
  let threads = 1;
  if (raw.threads !== undefined) {
    if (typeof raw.threads === 'number' && Number.isInteger(raw.threads) && raw.threads >= 1 && raw.threads <= 256) threads = raw.threads;
    else issues.push({ path: 'backend.threads', message: `found ${JSON.stringify(raw.threads)}; allowed: a whole number of CPU threads per run from 1 to 256 (runs at a time × threads should not exceed the cores)` });
  }
  let device = 'auto';
  if (raw.device !== undefined) {
    if (typeof raw.device === 'string' && /^(auto|cpu|cuda(:\d+)?)$/.test(raw.device)) device = raw.device;
    else issues.push({ path: 'backend.device', message: `found ${JSON.stringify(raw.device)}; allowed: auto (CUDA when there is one), cpu, cuda, cuda:N` });
  }
  const choice = <T extends string>(key: string, allowed: readonly T[], fallback: T, what: string): T => {
    if (raw[key] === undefined) return fallback;
    if (typeof raw[key] === 'string' && (allowed as readonly string[]).includes(raw[key] as string)) return raw[key] as T;
    issues.push({ path: `backend.${key}`, message: `found ${JSON.stringify(raw[key])}; allowed: ${what}` });
    return fallback;
  };
  const dtype = choice('dtype', ['auto', 'fp32', 'bf16'] as const, 'auto', 'auto (bf16 autocast on CUDA, fp32 on CPU), fp32, bf16');
  const compile = choice('compile', ['auto', 'on', 'off'] as const, 'off', "off (each trial is its own process and would compile again), on, auto (on CUDA with torch 2)");
  if (!v.config || issues.length) return { config: null, issues };
  const { type: _t, runtime: _r, ...rest } = v.config;
  return { config: { ...rest, type: 'torch', python, threads, device, dtype, compile }, issues };
}

export function torchBackendSchema(): Record<string, unknown> {
  const tfjs = tfjsBackendSchema() as { properties: Record<string, unknown> } & Record<string, unknown>;
  const { runtime: _r, ...props } = tfjs.properties;
  return {
    ...tfjs,
    description: 'the tfjs backend’s settings, trained by the PyTorch reference trainer (fixtures/trainers/torch_lm.py) as a child process',
    properties: {
      ...props,
      type: { const: 'torch' },
      python: { type: 'string', description: 'python that imports torch (default: $SCALETUNE_PYTHON, python3 or /usr/bin/python3, the first that does)' },
      threads: { type: 'integer', minimum: 1, maximum: 256, default: 1, description: 'CPU threads per run' },
      device: { type: 'string', pattern: '^(auto|cpu|cuda(:\\d+)?)$', default: 'auto', description: 'auto: CUDA when there is one' },
      dtype: { enum: ['auto', 'fp32', 'bf16'], default: 'auto', description: 'auto: bf16 autocast on CUDA, fp32 on CPU' },
      compile: { enum: ['auto', 'on', 'off'], default: 'off', description: 'torch.compile each run (off: every trial is a process of its own and would compile again)' },
    },
  };
}
