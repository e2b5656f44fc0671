/** `scaletune resume <study>`: continue a stopped or crashed study where it stopped. */
import { Command } from 'commander';
import { action, globals, parsePositiveInt, requireStudy, withStorage, type CliIO } from '../context.js';
import { executeStudy, type RunFlags } from './run.js';

export function makeResumeCommand(io: CliIO): Command {
  return new Command('resume')
    .description('continue a study: re-queue trials whose runner died, then run until the cap')
    .argument('<study>', 'study name')
    .option('--parallel <n>', 'runs at a time (overrides the config)', parsePositiveInt('--parallel'))
    .option('--run-cap <n>', 'the most runs (raise it to extend a finished study)', parsePositiveInt('--run-cap'))
    .option('--json', 'print the outcome as JSON on stdout (progress goes to stderr)')
    .option('--no-live', 'plain progress lines even on a terminal')
    .action(action(io, async (name: string, flags: RunFlags, cmd: Command) => {
      const g = globals(cmd, io);
      return withStorage(g, io, async (storage) => {
        const study = await requireStudy(storage, name);
        return executeStudy(storage, study, g, io, flags);
      });
    }));
}
