/** The scaletune command line: builds the commander program; one top-level catch maps errors to exit codes. */
import { makeDeleteCommand, makeImportCommand, makeNoteCommand, makeRenameCommand } from './commands/manage.js';
import { makeImportanceCommand } from './commands/importance.js';
import { makeDashboardCommand } from './commands/dashboard.js';
import { installedFile } from '../core/installation.js';
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { EXIT, ScaletuneError } from '../core/errors.js';
import { studyConfigSchema } from '../config/index.js';
import { reportSchema } from '../report/schema.js';
import { action, exitHolder, type CliIO, type Out } from './context.js';
import { addGlobalFlags } from './flags.js';
import { makeAskCommand, makeTellCommand } from './commands/ask-tell.js';
import { makeBestCommand, makeExportCommand, makeStudiesCommand, makeTrialsCommand } from './commands/read.js';
import { makeFitCommand, makeFitsCommand, makePredictCommand, makeScheduleCommand } from './commands/fit.js';
import { makeResumeCommand, makeWorkerCommand } from './commands/resume.js';
import { makeCreateCommand, makeRunCommand } from './commands/run.js';
import { makeDataCommand, makeDoctorCommand } from './commands/tfjs.js';
import { makeDemoCommand } from './commands/demo.js';
import { makeLineageCommand, makeReplayCommand } from './commands/pbt.js';
import { makeVerifyCommand } from './commands/ladder.js';
import { makeLlmLogCommand } from './commands/llm.js';
import { makeLogsCommand } from './commands/logs.js';
import { makeCheckCommand, makeReportCommand } from './commands/report.js';

function version(): string {
  try {
    return (JSON.parse(readFileSync(installedFile('package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export function buildProgram(io: CliIO): Command {
  const program = addGlobalFlags(new Command('scaletune').description('tune hyperparameters on small proxy runs; predict the large run through scaling laws').version(version()))
    .showHelpAfterError('(add --help for usage)')
    .configureOutput({ writeOut: (s) => void io.stdout.write(s), writeErr: (s) => void io.stderr.write(s) })
    .exitOverride();
  const schema = new Command('schema')
    .description('print the JSON Schema of study configs (for editors), or with --report of report JSON (for scripts)')
    .option('--report', 'the schema of `scaletune report --format json`')
    .action(
      action(io, (f: { report?: boolean }) => {
        io.stdout.write(`${JSON.stringify(f.report ? reportSchema() : studyConfigSchema(), null, 2)}\n`);
        return EXIT.OK;
      }),
    );
  for (const make of [makeRunCommand, makeResumeCommand, makeCreateCommand, makeStudiesCommand, makeTrialsCommand, makeLogsCommand, makeBestCommand, makeExportCommand, makeAskCommand, makeTellCommand, makeFitCommand, makeFitsCommand, makePredictCommand, makeScheduleCommand, makeDoctorCommand, makeDataCommand, makeDemoCommand, makeLineageCommand, makeReplayCommand, makeVerifyCommand, makeReportCommand, makeCheckCommand, makeLlmLogCommand, makeWorkerCommand, makeDeleteCommand, makeRenameCommand, makeNoteCommand, makeImportCommand, makeImportanceCommand, makeDashboardCommand]) {
    program.addCommand(make(io));
  }
  program.addCommand(schema);
  for (const cmd of program.commands) {
    cmd.exitOverride().showHelpAfterError('(add --help for usage)').configureOutput({ writeOut: (s) => void io.stdout.write(s), writeErr: (s) => void io.stderr.write(s) });
  }
  return program;
}

/** Run the CLI with the given arguments (without `node scaletune`); resolves to the exit code. */
export async function main(argv: string[], io: CliIO): Promise<number> {
  const result = exitHolder(io);
  result.code = EXIT.OK;
  const program = buildProgram(io);
  const debug = argv.includes('--debug');
  try {
    await program.parseAsync(argv, { from: 'user' });
    return result.code;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return EXIT.OK;
      if (e.code === 'commander.executeSubCommandAsync') return EXIT.OK;
      // commander already printed the message and the help hint
      return EXIT.USAGE;
    }
    if (e instanceof ScaletuneError) {
      io.stderr.write(`error: ${e.message}\n`);
      if (debug && e.stack) io.stderr.write(`${e.stack}\n`);
      return e.exitCode;
    }
    const err = e as Error;
    io.stderr.write(`error: unexpected: ${err?.message ?? String(e)}\n`);
    io.stderr.write(debug ? `${err?.stack ?? ''}\n` : '(run again with --debug for the stack trace)\n');
    return EXIT.FAILURE;
  }
}

/**
 * `scaletune run s.yaml | head -n 2`: once the reader has gone (EPIPE), what is written is dropped and
 * the command carries on, so that a closed pipe costs the output and never the work (exiting here
 * would leave the run's trials RUNNING and its trainers orphaned). A terminal keeps its stream, which
 * the live view needs whole.
 */
function dropWhenClosed(stream: NodeJS.WriteStream): Out {
  let closed = false;
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    closed = true;
  });
  if (stream.isTTY) return stream;
  return { write: (s: string) => (closed ? true : stream.write(s)), isTTY: false };
}

/** One line read from the terminal after the question. */
async function ask(question: string): Promise<string> {
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return await rl.question(question);
  } finally {
    rl.close();
  }
}

/** Entry point of bin/scaletune.js: real streams, signals, exit code. */
export function runFromProcess(): void {
  const controller = new AbortController();
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals): void => {
    signals++;
    if (signals === 1) {
      // the dashboard runs no trials: it only closes
      const what = process.argv.slice(2).includes('dashboard') ? 'closing the dashboard' : 'stopping; running trials are ended and will be re-queued (again to force)';
      process.stderr.write(`\n${sig}: ${what}\n`);
      controller.abort();
    } else {
      process.stderr.write(`${sig}: forced exit\n`);
      process.exit(EXIT.INTERRUPTED);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const io: CliIO = { stdout: dropWhenClosed(process.stdout), stderr: dropWhenClosed(process.stderr), env: process.env, cwd: process.cwd(), signal: controller.signal, ...(process.stdin.isTTY ? { ask } : {}) };
  main(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`error: ${(e as Error).stack ?? String(e)}\n`);
      process.exitCode = EXIT.FAILURE;
    },
  );
}
