/** `scaletune run <config>`: create a study from a config and run it; `scaletune create` makes it only. */
import { studyFront } from '../../orchestrator/best.js';
import { Command } from 'commander';
import path from 'node:path';
import { loadStudyConfig, type StudyConfig } from '../../config/index.js';
import { EXIT } from '../../core/errors.js';
import type { Reporter } from '../../report/reporter.js';
import { PlainReporter } from '../../report/plain.js';
import { fmtNum, fmtParams, trialToJson } from '../../report/format.js';
import { formatLadder } from '../../report/ladder-text.js';
import { ladderJson, verifyJson } from '../../report/ladder-json.js';
import type { Storage, StudyRecord } from '../../storage/types.js';
import { createStudy, type CreatedStudy } from '../../study/create.js';
import { exitCodeOf, type StudyOutcome } from '../../study/outcome.js';
import { resumeStudy } from '../../study/resume.js';
import { action, dbPath, globals, hint, printJson, withStorage, type CliIO, type GlobalOptions } from '../context.js';
import { flag } from '../flags.js';

export interface RunFlags {
  name?: string;
  parallel?: number;
  runCap?: number;
  seed?: number;
  json?: boolean;
  live?: boolean;
  /** how long another process's running trial may stay silent before it is re-queued */
  staleAfterMs?: number;
  /** run trials here whatever the study's executor (a worker) */
  local?: boolean;
}

/** createStudy with what the command line adds: the file, --name/--seed, and SCALETUNE_RUNS for trial folders. */
export async function createFromCli(storage: Storage, io: CliIO, file: string, config: StudyConfig, flags: Pick<RunFlags, 'name' | 'seed'>): Promise<CreatedStudy> {
  return createStudy(storage, config, {
    file,
    cwd: io.cwd,
    ...(flags.name !== undefined ? { name: flags.name } : {}),
    ...(flags.seed !== undefined ? { seed: flags.seed } : {}),
    ...(io.env.SCALETUNE_RUNS ? { runsDir: path.resolve(io.cwd, io.env.SCALETUNE_RUNS) } : {}),
  });
}

export async function pickReporter(io: CliIO, g: GlobalOptions, flags: { json?: boolean; live?: boolean }): Promise<Reporter> {
  const tty = Boolean(io.stdout.isTTY) && !io.env.CI && !g.quiet && !flags.json && flags.live !== false;
  if (tty) {
    const { InkReporter } = await import('../../report/live.js');
    return new InkReporter(io.stdout as NodeJS.WriteStream);
  }
  // with --json, stdout carries only the result; progress goes to stderr
  return new PlainReporter(flags.json ? io.stderr : io.stdout, { quiet: g.quiet });
}

/** Run (or continue) a study to its end and print the outcome; returns the exit code. */
export async function executeStudy(storage: Storage, study: StudyRecord, g: GlobalOptions, io: CliIO, flags: RunFlags): Promise<number> {
  const progress = flags.json ? io.stderr : io.stdout;
  const t0 = Date.now();
  const line = (s: string): void => {
    if (!g.quiet) progress.write(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(6)}s] ${s}\n`);
  };
  // the study's executor decides which of the reporter (a local loop) and `line` (Slurm) is used
  const reporter = await pickReporter(io, g, flags);
  let outcome: StudyOutcome;
  try {
    outcome = await resumeStudy(storage, study, {
      reporter,
      line,
      db: dbPath(g, io),
      ...(flags.parallel !== undefined ? { parallel: flags.parallel } : {}),
      ...(flags.runCap !== undefined ? { runCap: flags.runCap } : {}),
      ...(flags.staleAfterMs !== undefined ? { staleAfterMs: flags.staleAfterMs } : {}),
      ...(flags.local ? { local: true } : {}),
      ...(io.signal ? { signal: io.signal } : {}),
      env: io.env,
    });
  } finally {
    await reporter.close();
  }
  const cmdHint = (args: string): string => hint(g, io, args);
  if (outcome.slurm) printSlurmOutcome(io, outcome, Boolean(flags.json), line, cmdHint);
  else {
    const ladder = outcome.ladder ?? null;
    if (ladder?.verifyError) io.stderr.write(`verify: ${ladder.verifyError}\n`);
    if (ladder && !flags.json) io.stdout.write(formatLadder(ladder.summary, ladder.verify.find((x) => x.at === study.config.verify) ?? null));
    if (flags.json) {
      printJson(io, { ...outcomeJson(outcome), ...(ladder ? { ladder: ladderJson(ladder.summary), verify: ladder.verify.map(verifyJson) } : {}) });
    } else if (!ladder && (!g.quiet || outcome.best)) printBest(io, outcome, true, cmdHint);
  }
  if (outcome.interrupted) io.stderr.write(`stopped; continue with: ${cmdHint(`resume ${study.name}`)}\n`);
  return exitCodeOf(outcome);
}

function outcomeJson(o: StudyOutcome): Record<string, unknown> {
  const front = studyFront(o.trials, o.study.config);
  if (front) {
    const numbers = new Set(front.map((t) => t.number));
    return { study: o.study.name, finished: !o.interrupted, reason: o.reason, complete: o.counts.COMPLETE, failed: o.counts.FAIL, front: front.map((t) => trialToJson(t, o.trials, {}, numbers)) };
  }
  const best = o.best ? trialToJson(o.best, o.trials) : null;
  if (o.slurm) return { study: o.study.name, finished: !o.interrupted, complete: o.counts.COMPLETE, failed: o.counts.FAIL, jobs: o.slurm.jobs, resubmitted: o.slurm.resubmitted, lost_jobs: o.slurm.lostJobs, best };
  return { study: o.study.name, finished: !o.interrupted, reason: o.reason, complete: o.counts.COMPLETE, failed: o.counts.FAIL, best };
}

/** The best trial's line; with `orNone`, a line saying none completed. */
function printBest(io: CliIO, o: StudyOutcome, orNone: boolean, cmdHint: (args: string) => string): void {
  const metric = o.study.config.metric;
  if (!metric) return;
  const front = studyFront(o.trials, o.study.config);
  if (front) {
    const objectives = o.study.config.objectives!;
    io.stdout.write(`Pareto front: ${front.length} trial${front.length === 1 ? '' : 's'} (${objectives.map((x) => `${x.name} ${x.goal}`).join(', ')}): ${front.map((t) => `#${t.number}`).join(' ')}; see: ${cmdHint(`best ${o.study.name}`)}\n`);
    return;
  }
  const infeasible = o.trials.filter((t) => t.state === 'COMPLETE' && t.infeasible).length;
  if (!o.best && infeasible) io.stdout.write(`no trial kept the constraints (${infeasible} completed but broke one; see: ${cmdHint(`trials ${o.study.name}`)})\n`);
  else if (o.best) io.stdout.write(`best: trial ${o.best.number}  ${metric.name}=${fmtNum(o.best.value)}  ${fmtParams(o.best.params)}\n`);
  else if (orNone) io.stdout.write(`no trial completed${o.counts.FAIL ? ` (${o.counts.FAIL} failed; see: ${cmdHint(`trials ${o.study.name}`)})` : ''}\n`);
}

function printSlurmOutcome(io: CliIO, o: StudyOutcome, json: boolean, line: (s: string) => void, cmdHint: (args: string) => string): void {
  if (json) return printJson(io, outcomeJson(o));
  const jobs = o.slurm!;
  line(`study ${o.study.name} ${o.interrupted ? 'stopped' : 'finished'}: ${o.counts.COMPLETE} complete, ${o.counts.FAIL} failed; ${jobs.jobs.length} worker jobs (${jobs.resubmitted} replacing lost ones)`);
  printBest(io, o, false, cmdHint);
}

function addRunFlags(cmd: Command): Command {
  return cmd.addOption(flag('name')).addOption(flag('parallel')).addOption(flag('runCap')).addOption(flag('seed'));
}

export function makeRunCommand(io: CliIO): Command {
  return addRunFlags(new Command('run').description('create a study from a config file and run it').argument('<config>', 'study config (YAML or JSON)'))
    .addOption(flag('json'))
    .addOption(flag('live'))
    .action(action(io, async (file: string, flags: RunFlags, cmd: Command) => {
      const g = globals(cmd, io);
      const config = loadStudyConfig(path.resolve(io.cwd, file));
      return withStorage(g, io, async (storage) => {
        const { study, note } = await createFromCli(storage, io, file, config, flags);
        if (note) io.stderr.write(`note: ${note}\n`);
        return executeStudy(storage, study, g, io, flags);
      }, { create: true });
    }));
}

export function makeCreateCommand(io: CliIO): Command {
  return addRunFlags(new Command('create').description('create a study from a config without running it (for ask/tell)').argument('<config>', 'study config (YAML or JSON)'))
    .addOption(flag('json', 'print {name} as JSON'))
    .action(action(io, async (file: string, flags: RunFlags, cmd: Command) => {
      const g = globals(cmd, io);
      const config = loadStudyConfig(path.resolve(io.cwd, file), { forRun: false });
      return withStorage(g, io, async (storage) => {
        const { study, note } = await createFromCli(storage, io, file, config, flags);
        if (note) io.stderr.write(`note: ${note}\n`);
        if (flags.json) printJson(io, { name: study.name, seed: study.seed });
        else io.stdout.write(`${study.name}\n`);
        return EXIT.OK;
      }, { create: true });
    }));
}
