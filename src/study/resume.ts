/**
 * Running a study to its end, fresh or continued: on this machine through the orchestrator's loop, or
 * (executor slurm) through worker jobs this process submits and watches. Either way the caller gets
 * the same outcome.
 */
import { installedFile } from '../core/installation.js';
import { backendEntry, backendFor } from '../registry/backends.js';
import type { Backend } from '../backends/types.js';
import { commandNeedsProgram } from '../config/index.js';
import { UsageError } from '../core/errors.js';
import { commandHint } from '../core/hint.js';
import { bestTrial } from '../orchestrator/best.js';
import { silentReporter, type Reporter } from '../report/reporter.js';
import { runStudy, type RunStudyOptions } from '../orchestrator/run-study.js';
import { loadLadder, runVerify } from '../orchestrator/verify.js';
import type { Storage, StudyRecord } from '../storage/types.js';
import { requireStudy } from './create.js';
import { countByState, outcomeOf, type StudyOutcome } from './outcome.js';

export interface ResumeStudyOptions {
  /** progress of the local loop; default none */
  reporter?: Reporter;
  /** default: the one the study's config names */
  backend?: Backend;
  /** runs at a time (Slurm: worker jobs); overrides the config */
  parallel?: number;
  /** the most runs; overrides the config (raise it to extend a finished study) */
  runCap?: number;
  /** abort to stop: running trials end and are re-queued, so that a later resume continues them */
  signal?: AbortSignal;
  /** what trainers and the llm searcher may read; default process.env */
  env?: Record<string, string | undefined>;
  /**
   * How long another process's running trial may stay silent before it is re-queued (default 60 s).
   * Heartbeats and the search for silent trials are paced from it, so that a live trial is never
   * taken for a dead one.
   */
  staleAfterMs?: number;
  /** run the trials here whatever the study's executor (what a Slurm worker does) */
  local?: boolean;
  /** executor slurm: the database every worker opens (a file every node sees, or postgres://…) */
  db?: string;
  /** executor slurm: one line of progress */
  line?: (s: string) => void;
  /** executor slurm: the command a worker job runs before `worker <study>`; default this installation's bin */
  command?: string[];
}

/** Heartbeat and recovery periods that keep a trial's silence well under staleAfterMs. */
function timing(staleAfterMs: number): Pick<RunStudyOptions, 'staleAfterMs' | 'recoverEveryMs' | 'heartbeatMs'> {
  return { staleAfterMs, recoverEveryMs: Math.max(500, Math.min(30_000, staleAfterMs / 2)), heartbeatMs: Math.max(200, Math.min(5000, staleAfterMs / 3)) };
}

/** This installation's bin/scaletune.js, which Slurm worker jobs run. */
function binPath(): string {
  return installedFile('bin/scaletune.js', 'executor slurm');
}

/** Run a study (a record or a name) until its cap, its end, its target or the signal; trials a dead runner left are re-queued first. */
export async function resumeStudy(storage: Storage, which: StudyRecord | string, o: ResumeStudyOptions = {}): Promise<StudyOutcome> {
  const study = typeof which === 'string' ? await requireStudy(storage, which) : which;
  if (backendEntry(study.config.backend.type).capabilities.launchesProgram && commandNeedsProgram(study.config.command) && !study.config.program) {
    throw new UsageError(`study ${study.name} names no program, so it cannot launch runs; drive it with: ${commandHint(`ask ${study.name}`, storage.location, process.cwd())} and ${commandHint(`tell ${study.name} <trial> --value <v>`, storage.location, process.cwd())}`);
  }
  if (study.config.executor?.type === 'slurm' && !o.local) return resumeOnSlurm(storage, study, o);
  const backend = o.backend ?? backendFor(study.config);
  const reporter = o.reporter ?? silentReporter;
  const end = await runStudy({
    storage,
    study,
    backend,
    reporter,
    ...(o.parallel !== undefined ? { parallel: o.parallel } : {}),
    ...(o.runCap !== undefined ? { runCap: o.runCap } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
    ...(o.staleAfterMs !== undefined ? timing(o.staleAfterMs) : {}),
    ...(o.env ? { env: o.env } : {}),
  });
  const outcome = outcomeOf(end);
  if (!study.config.scales?.length || outcome.interrupted) return outcome;
  return afterLadder(storage, study, outcome, { backend, reporter, ...(o.signal ? { signal: o.signal } : {}) });
}

/**
 * A ladder searched to its end: its verify run (`verify:`), then its summary as the records stand. A
 * verify run the laws cannot plan is said in the outcome, not thrown: the summary says why.
 */
async function afterLadder(storage: Storage, study: StudyRecord, outcome: StudyOutcome, o: { backend: Backend; reporter: Reporter; signal?: AbortSignal }): Promise<StudyOutcome> {
  let interrupted = false;
  let verifyError: string | undefined;
  if (study.config.verify) {
    try {
      interrupted = (await runVerify({ storage, study, at: study.config.verify, ...o })) === null;
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
      verifyError = e.message;
    }
  }
  const { summary, verify } = await loadLadder(storage, study);
  // the records as they stand now, the verify run among them
  const trials = study.config.verify ? await storage.getTrials(study.id) : outcome.trials;
  return { ...outcome, trials, counts: countByState(trials), interrupted: outcome.interrupted || interrupted, ladder: { summary, verify, ...(verifyError ? { verifyError } : {}) } };
}

async function resumeOnSlurm(storage: Storage, study: StudyRecord, o: ResumeStudyOptions): Promise<StudyOutcome> {
  if (o.db === undefined || o.db === ':memory:') throw new UsageError('executor slurm: workers share the study through its database; allowed: --db with a file every node sees, or postgres://…');
  const { runOnSlurm } = await import('../orchestrator/slurm.js');
  const jobs = await runOnSlurm({
    storage,
    study,
    config: study.config.executor!,
    db: o.db,
    workers: o.parallel ?? study.config.parallel,
    command: o.command ?? [process.execPath, binPath()],
    ...(o.env ? { env: o.env } : {}),
    line: o.line ?? (() => undefined),
    ...(o.signal ? { signal: o.signal } : {}),
  });
  const trials = await storage.getTrials(study.id);
  // the workers know why each stopped; this process only knows that none is left
  return outcomeOf({ study, trials, best: bestTrial(trials, study.config.metric), interrupted: jobs.interrupted, reason: jobs.interrupted ? 'interrupted' : 'no_more_work' }, jobs);
}
