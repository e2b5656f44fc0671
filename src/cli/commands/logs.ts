/** `scaletune logs <study> <trial>`: a trial's output as recorded, and with --follow as it is recorded. */
import { Command } from 'commander';
import { EXIT, UsageError } from '../../core/errors.js';
import { isFinished, type LogLine, type Trial } from '../../core/trial.js';
import type { Storage, StudyRecord } from '../../storage/types.js';
import { action, globals, requireStudy, withStorage, type CliIO } from '../context.js';
import { positiveInt, wholeNumber } from '../flags.js';

/** How often --follow looks for new lines: a trainer's pace, not a database's. */
const FOLLOW_MS = 250;

async function requireTrial(storage: Storage, study: StudyRecord, number: number): Promise<Trial> {
  const trials = await storage.getTrials(study.id);
  const t = trials.find((x) => x.number === number);
  if (t) return t;
  throw new UsageError(`study ${study.name} has no trial ${number}; ${trials.length ? `its trials are 0 to ${Math.max(...trials.map((x) => x.number))}` : 'it has no trials yet'}`);
}

/** The trainer's stdout to stdout; its stderr and scaletune's own notes to stderr, so each can be piped on its own. */
function print(io: CliIO, lines: readonly LogLine[]): void {
  for (const l of lines) (l.stream === 'stdout' ? io.stdout : io.stderr).write(`${l.line}\n`);
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });

export function makeLogsCommand(io: CliIO): Command {
  return new Command('logs')
    .description("print a trial's output as recorded (its stdout on stdout, its stderr on stderr)")
    .argument('<study>', 'study name')
    .argument('<trial>', 'trial number, as `scaletune trials` prints it', wholeNumber)
    .option('--tail <n>', 'only the last n lines', positiveInt)
    .option('--follow', 'keep printing new lines until the trial finishes')
    .action(
      action(io, async (name: string, number: number, f: { tail?: number; follow?: boolean }, cmd: Command) =>
        withStorage(globals(cmd, io), io, async (storage) => {
          const study = await requireStudy(storage, name);
          let trial = await requireTrial(storage, study, number);
          const all = await storage.getLogs(trial.id);
          print(io, f.tail !== undefined ? all.slice(-f.tail) : all);
          let seen = all.at(-1)?.seq ?? -Infinity;
          while (f.follow && !isFinished(trial.state) && !io.signal?.aborted) {
            await sleep(FOLLOW_MS, io.signal);
            // the state first: lines recorded before it finished are then all in the next read
            trial = (await storage.getTrial(trial.id)) ?? trial;
            const fresh = (await storage.getLogs(trial.id)).filter((l) => l.seq > seen);
            print(io, fresh);
            seen = fresh.at(-1)?.seq ?? seen;
          }
          return io.signal?.aborted ? EXIT.INTERRUPTED : EXIT.OK;
        }),
      ),
    );
}
