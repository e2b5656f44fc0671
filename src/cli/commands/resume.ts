/** `scaletune resume <study>`: continue a stopped or crashed study where it stopped. */
import { Command } from 'commander';
import { methodEntry } from '../../registry/methods.js';
import { UsageError } from '../../core/errors.js';
import { action, globals, hint, requireStudy, withStorage, type CliIO } from '../context.js';
import { flag, positiveInt } from '../flags.js';
import { executeStudy, type RunFlags } from './run.js';

export function makeResumeCommand(io: CliIO): Command {
  return new Command('resume')
    .description('continue a study: re-queue trials whose runner died, then run until the cap')
    .argument('<study>', 'study name')
    .addOption(flag('parallel'))
    .addOption(flag('runCap', 'the most runs (raise it to extend a finished study)'))
    .addOption(flag('json'))
    .addOption(flag('live'))
    .action(action(io, async (name: string, flags: RunFlags, cmd: Command) => {
      const g = globals(cmd, io);
      return withStorage(g, io, async (storage) => executeStudy(storage, await requireStudy(storage, name), g, io, flags));
    }));
}

/**
 * `scaletune worker <study>`: claim and run trials of an existing study until nothing is left; any
 * number of workers, on any number of machines, share one study through its database (PostgreSQL for
 * many machines, SQLite on one). Proposals see every pending trial; a dead worker's trials are found by
 * its silence (no heartbeat for --stale-after) and re-queued by the others.
 */
export function makeWorkerCommand(io: CliIO): Command {
  return new Command('worker')
    .description('run trials of an existing study until it is done; start as many as you like, on any machines sharing the --db')
    .argument('<study>', 'study name (create it with: scaletune create <config> --db …)')
    .addOption(flag('parallel', 'runs at a time in this worker (default 1)'))
    .option('--stale-after <s>', "seconds without a heartbeat after which another worker's trial is re-queued (default 60)", positiveInt)
    .addOption(flag('json'))
    .addOption(flag('live'))
    .action(action(io, async (name: string, flags: RunFlags & { staleAfter?: number }, cmd: Command) => {
      const g = globals(cmd, io);
      return withStorage(g, io, async (storage) => {
        const study = await requireStudy(storage, name);
        if (methodEntry(study.config.method).capabilities.oneController) throw new UsageError(`study ${name} uses method ${study.config.method}, whose exploit decisions need one controller; run it with: ${hint(g, io, `resume ${name}`)}`);
        return executeStudy(storage, study, g, io, { parallel: flags.parallel ?? 1, ...flags, local: true, ...(flags.staleAfter !== undefined ? { staleAfterMs: flags.staleAfter * 1000 } : {}) });
      });
    }));
}
