/**
 * `wandb: stand-in`: programs written for W&B sweeps run unchanged as trials, importing scaletune's
 * small `wandb` package (python/wandb) instead of the real one. Opt-in, since it shadows a real wandb.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StudyConfig } from '../config/index.js';
import { ScaletuneError } from '../core/errors.js';

export const WANDB_MODES = ['stand-in', 'off'] as const;
export type WandbMode = (typeof WANDB_MODES)[number];

/** python/ of this installation (source tree or dist/ alike), found from this module, not from the cwd. */
export function standInDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const p = path.join(dir, 'python');
    if (existsSync(path.join(p, 'wandb', '__init__.py'))) return p;
    dir = path.dirname(dir);
  }
  throw new ScaletuneError('python/wandb/__init__.py is missing from this installation (wandb: stand-in needs it)', 1);
}

/** PYTHONPATH for the trainer when the study asks for the stand-in: it first, then whatever PYTHONPATH was. */
export function standInPythonPath(config: Pick<StudyConfig, 'wandb' | 'env'>, inherited: string | undefined = process.env.PYTHONPATH): Record<string, string> {
  if (config.wandb !== 'stand-in') return {};
  const before = config.env.PYTHONPATH ?? inherited;
  return { PYTHONPATH: before ? `${standInDir()}${path.delimiter}${before}` : standInDir() };
}
