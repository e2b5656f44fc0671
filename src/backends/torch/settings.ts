/**
 * `backend: {type: torch}`: the tfjs backend's block, word for word — task, data, model and train
 * settings, validated by the same rules — run by the PyTorch reference trainer
 * (fixtures/trainers/torch_lm.py) as a child process. Its own keys: `python` (default: the first of
 * $SCALETUNE_PYTHON, python3 and /usr/bin/python3 that imports torch), `threads` (per run, default 1)
 * and `device` (auto: CUDA when there is one).
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
}

const OWN_KEYS = ['python', 'threads', 'device'];

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
  if (!v.config || issues.length) return { config: null, issues };
  const { type: _t, runtime: _r, ...rest } = v.config;
  return { config: { ...rest, type: 'torch', python, threads, device }, issues };
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
    },
  };
}
