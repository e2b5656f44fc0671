/** The backend a study's config asks for. */
import type { StudyConfig } from '../config/index.js';
import type { Params } from '../core/distributions.js';
import type { Trial } from '../core/trial.js';
import { CommandBackend } from './command.js';
import { SimBackend } from './sim/backend.js';
import { TfjsBackend } from './tfjs/backend.js';
import type { Backend } from './types.js';

export function backendFor(config: StudyConfig): Backend {
  switch (config.backend.type) {
    case 'command':
      return new CommandBackend();
    case 'tfjs':
      return new TfjsBackend();
    case 'sim':
      return new SimBackend();
  }
}

/**
 * What a run receives: the trial's parameters over its scale's model (a ladder). The in-process
 * backends also get the scale's size as settings (tfjs: tokens; sim: params and tokens); a command
 * trainer reads the whole scale from SCALETUNE_SCALE and gets the model's entries as arguments.
 */
export function runParams(config: StudyConfig, trial: Pick<Trial, 'params' | 'scale'>): Params {
  const s = trial.scale;
  if (!s) return trial.params;
  const model = (s.model ?? {}) as Params;
  const size: Params = {};
  if (config.backend.type === 'tfjs' && typeof s.tokens === 'number') size.tokens = s.tokens;
  if (config.backend.type === 'sim') {
    if (typeof s.params === 'number') size.params = s.params;
    if (typeof s.tokens === 'number') size.tokens = s.tokens;
  }
  return { ...model, ...size, ...trial.params };
}
