/** The backend a study's config asks for. */
import type { StudyConfig } from '../core/config.js';
import { CommandBackend } from './command.js';
import { TfjsBackend } from './tfjs/backend.js';
import type { Backend } from './types.js';

export function backendFor(config: StudyConfig): Backend {
  switch (config.backend.type) {
    case 'command':
      return new CommandBackend();
    case 'tfjs':
      return new TfjsBackend();
  }
}
