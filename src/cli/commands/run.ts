/** `scaletune run <config>`: create a study from a config and run it; `scaletune create` makes it only. */
import { Command } from 'commander';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bestTrial } from '../../orchestrator/best.js';
import { backendFor } from '../../backends/index.js';
import { commandNeedsProgram, loadStudyConfig, type StudyConfig } from '../../config/index.js';
import { EXIT, UsageError } from '../../core/errors.js';
import { randomSeed } from '../../core/rng.js';
import { runStudy } from '../../orchestrator/run-study.js';
import type { Reporter, StudyEnd } from '../../orchestrator/reporter.js';
import { PlainReporter } from '../../report/plain.js';
import { fmtNum, fmtParams, trialToJson } from '../../report/format.js';
import type { Storage, StudyRecord } from '../../storage/types.js';
import type { afterLadder } from './ladder.js';
import { ladderJson } from '../../report/ladder-json.js';
import { action, dbPath, globals, printJson, withStorage, type CliIO, type GlobalOptions } from '../context.js';
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

/** Create the study a config describes; the name is --name, else the config's, else the file's, made unique. */
export async function createStudy(storage: Storage, g: GlobalOptions, io: CliIO, file: string, config: StudyConfig, flags: RunFlags): Promise<{ study: StudyRecord; note: string | null }> {
  if (config.bayes?.warmStart && !(await storage.getStudy(config.bayes.warmStart))) {
    throw new UsageError(`${file}: bayes.warm_start: no study named '${config.bayes.warmStart}' in ${storage.location} to learn from`);
  }
  const base = flags.name ?? config.name ?? path.basename(file).replace(/\.(ya?ml|json)$/i, '');
  let name = base;
  let note: string | null = null;
  if (await storage.getStudy(name)) {
    if (flags.name) throw new UsageError(`--name ${flags.name}: a study with that name already exists in ${storage.location}; continue it with: scaletune resume ${flags.name}`);
    let i = 2;
    while (await storage.getStudy(`${base}-${i}`)) i++;
    name = `${base}-${i}`;
    note = `study '${base}' already exists in ${storage.location}; this one is '${name}' (continue the old one with: scaletune resume ${base})`;
  }
  const db = dbPath(g, io);
  // a server database (PostgreSQL) has no folder: runs go under the working directory, or SCALETUNE_RUNS
  // (on a cluster, a folder every worker's machine sees)
  const root = io.env.SCALETUNE_RUNS
    ? path.resolve(io.cwd, io.env.SCALETUNE_RUNS)
    : db === ':memory:'
      ? path.join(os.tmpdir(), 'scaletune-runs')
      : /^\w+:\/\//.test(db)
        ? path.join(io.cwd, 'scaletune-runs')
        : path.join(path.dirname(db), 'scaletune-runs');
  const seed = config.seed ?? flags.seed ?? randomSeed();
  const study = await storage.createStudy({ name, config: { ...config, seed }, seed, cwd: io.cwd, artifactsDir: path.join(root, name) });
  await storage.logEvent(study.id, null, `${os.hostname()}:${process.pid}`, 'study_created', { file: path.resolve(io.cwd, file) });
  // initial points run first, in order, whatever the method
  for (const params of config.initialPoints ?? []) await storage.enqueue(study.id, { params });
  return { study, note };
}

export async function pickReporter(io: CliIO, g: GlobalOptions, flags: { json?: boolean; live?: boolean }): Promise<Reporter> {
  const tty = Boolean(io.stdout.isTTY) && !io.env.CI && !g.quiet && !flags.json && flags.live !== false;
  if (tty) {
    const { InkReporter } = await import('../../report/dashboard.js');
    return new InkReporter(io.stdout as NodeJS.WriteStream);
  }
  // with --json, stdout carries only the result; progress goes to stderr
  return new PlainReporter(flags.json ? io.stderr : io.stdout, { quiet: g.quiet });
}

/** Run (or continue) a study to its end and print the outcome; returns the exit code. */
export async function executeStudy(storage: Storage, study: StudyRecord, g: GlobalOptions, io: CliIO, flags: RunFlags): Promise<number> {
  if (study.config.backend.type === 'command' && commandNeedsProgram(study.config.command) && !study.config.program) {
    throw new UsageError(`study ${study.name} names no program, so it cannot launch runs; drive it with: scaletune ask ${study.name} / scaletune tell`);
  }
  if (study.config.executor?.type === 'slurm' && !flags.local) return executeOnSlurm(storage, study, g, io, flags);
  const reporter = await pickReporter(io, g, flags);
  let end: StudyEnd;
  try {
    end = await runStudy({
      storage,
      study,
      backend: backendFor(study.config),
      reporter,
      ...(flags.parallel !== undefined ? { parallel: flags.parallel } : {}),
      ...(flags.runCap !== undefined ? { runCap: flags.runCap } : {}),
      ...(io.signal ? { signal: io.signal } : {}),
      ...(flags.staleAfterMs !== undefined ? { staleAfterMs: flags.staleAfterMs, recoverEveryMs: Math.max(500, Math.min(30_000, flags.staleAfterMs / 2)), heartbeatMs: Math.max(200, Math.min(5000, flags.staleAfterMs / 3)) } : {}),
      env: io.env,
    });
  } finally {
    await reporter.close();
  }
  const done = end.trials.filter((t) => t.state === 'COMPLETE').length;
  const failed = end.trials.filter((t) => t.state === 'FAIL').length;
  let ladder: Awaited<ReturnType<typeof afterLadder>> | null = null;
  if (study.config.scales?.length && !end.interrupted) {
    const { afterLadder } = await import('./ladder.js');
    ladder = await afterLadder(storage, study, io, Boolean(flags.json), () => pickReporter(io, g, flags));
    if (ladder.interrupted) end.interrupted = true;
  }
  if (flags.json) {
    printJson(io, {
      study: study.name,
      finished: !end.interrupted,
      reason: end.reason,
      complete: done,
      failed,
      best: end.best ? trialToJson(end.best, end.trials) : null,
      ...(ladder ? { ladder: ladderJson(ladder.summary), verify: ladder.verify } : {}),
    });
  } else if (!ladder && (!g.quiet || end.best)) {
    const metric = study.config.metric;
    if (end.best && metric) io.stdout.write(`best: trial ${end.best.number}  ${metric.name}=${fmtNum(end.best.value)}  ${fmtParams(end.best.params)}\n`);
    else if (metric) io.stdout.write(`no trial completed${failed ? ` (${failed} failed; see: scaletune trials ${study.name})` : ''}\n`);
  }
  if (end.interrupted) {
    io.stderr.write(`stopped; continue with: scaletune resume ${study.name}\n`);
    return EXIT.INTERRUPTED;
  }
  return done === 0 && failed > 0 ? EXIT.ALL_FAILED : EXIT.OK;
}

/** This installation's bin/scaletune.js, for worker jobs. */
function binPath(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const p = path.join(dir, 'bin', 'scaletune.js');
    if (existsSync(p)) return p;
    dir = path.dirname(dir);
  }
  throw new UsageError('bin/scaletune.js is missing from this installation');
}

/** `executor: slurm`: worker jobs run the trials; this process submits, watches and replaces them. */
async function executeOnSlurm(storage: Storage, study: StudyRecord, g: GlobalOptions, io: CliIO, flags: RunFlags): Promise<number> {
  const db = dbPath(g, io);
  if (db === ':memory:') throw new UsageError('executor slurm: workers share the study through its database; allowed: --db with a file every node sees, or postgres://…');
  const { runOnSlurm } = await import('../../orchestrator/slurm.js');
  const out = flags.json ? io.stderr : io.stdout;
  const t0 = Date.now();
  const line = (s: string): void => {
    if (!g.quiet) out.write(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(6)}s] ${s}\n`);
  };
  const o = await runOnSlurm({
    storage,
    study,
    config: study.config.executor!,
    db,
    workers: flags.parallel ?? study.config.parallel,
    command: [process.execPath, binPath()],
    env: io.env,
    line,
    ...(io.signal ? { signal: io.signal } : {}),
  });
  const trials = await storage.getTrials(study.id);
  const done = trials.filter((t) => t.state === 'COMPLETE').length;
  const failed = trials.filter((t) => t.state === 'FAIL').length;
  const best = bestTrial(trials, study.config.metric);
  if (flags.json) printJson(io, { study: study.name, finished: !o.interrupted, complete: done, failed, jobs: o.jobs, resubmitted: o.resubmitted, lost_jobs: o.lostJobs, best: best ? trialToJson(best, trials) : null });
  else {
    line(`study ${study.name} ${o.interrupted ? 'stopped' : 'finished'}: ${done} complete, ${failed} failed; ${o.jobs.length} worker jobs (${o.resubmitted} replacing lost ones)`);
    if (best && study.config.metric) io.stdout.write(`best: trial ${best.number}  ${study.config.metric.name}=${fmtNum(best.value)}  ${fmtParams(best.params)}\n`);
  }
  if (o.interrupted) {
    io.stderr.write(`stopped; continue with: scaletune resume ${study.name}\n`);
    return EXIT.INTERRUPTED;
  }
  return done === 0 && failed > 0 ? EXIT.ALL_FAILED : EXIT.OK;
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
        const { study, note } = await createStudy(storage, g, io, file, config, flags);
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
        const { study, note } = await createStudy(storage, g, io, file, config, flags);
        if (note) io.stderr.write(`note: ${note}\n`);
        if (flags.json) printJson(io, { name: study.name, seed: study.seed });
        else io.stdout.write(`${study.name}\n`);
        return EXIT.OK;
      }, { create: true });
    }));
}
