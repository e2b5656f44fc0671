/**
 * `wandb: stand-in`: programs written for W&B sweeps run unchanged as trials, importing scaletune's
 * small `wandb` package (python/wandb) instead of the real one. Opt-in, since it shadows a real wandb.
 */
import { installedFile } from '../core/installation.js';
import path from 'node:path';
import type { StudyConfig } from '../config/index.js';

export const WANDB_MODES = ['stand-in', 'off'] as const;
export type WandbMode = (typeof WANDB_MODES)[number];

/** python/ of this installation (source tree or dist/ alike), found from this module, not from the cwd. */
export function standInDir(): string {
  return path.dirname(path.dirname(installedFile('python/wandb/__init__.py', 'wandb: stand-in')));
}

/** PYTHONPATH for the trainer when the study asks for the stand-in: it first, then whatever PYTHONPATH was. */
export function standInPythonPath(config: Pick<StudyConfig, 'wandb' | 'env'>, inherited: string | undefined = process.env.PYTHONPATH): Record<string, string> {
  if (config.wandb !== 'stand-in') return {};
  const before = config.env.PYTHONPATH ?? inherited;
  return { PYTHONPATH: before ? `${standInDir()}${path.delimiter}${before}` : standInDir() };
}
