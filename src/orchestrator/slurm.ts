/**
 * The Slurm executor: `scaletune run` submits `parallel` worker jobs (`scaletune worker <study>`, one
 * job array or one job each) with sbatch and coordinates them — it watches them with squeue and
 * scontrol (sacct where accounting runs), re-queues the trials of workers that went silent (a job
 * cancelled, preempted, killed or out of time), submits a replacement while work remains, and cancels
 * its jobs with scancel when interrupted. Slurm does the scheduling; scaletune only claims trials.
 */
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { SlurmExecutorConfig } from '../config/index.js';
import { ScaletuneError } from '../core/errors.js';
import { commandHint } from '../core/hint.js';
import type { Storage, StudyRecord } from '../storage/types.js';
import { newWorkerId, recoverStaleTrials } from './recovery.js';

const run = promisify(execFile);

export interface SlurmRunOptions {
  storage: Storage;
  study: StudyRecord;
  config: SlurmExecutorConfig;
  /** the --db every worker opens (an absolute path or a URL) */
  db: string;
  workers: number;
  /** node and bin/scaletune.js of this installation */
  command: string[];
  signal?: AbortSignal;
  pollMs?: number;
  env?: Record<string, string | undefined>;
  /** one line of progress */
  line(s: string): void;
}

export interface SlurmOutcome {
  jobs: string[];
  resubmitted: number;
  interrupted: boolean;
  /** jobs that ended without finishing (state and reason) */
  lostJobs: { id: string; state: string }[];
}

/** One shell-free word for sbatch --wrap (the command line runs in the job's shell). */
function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

async function slurm(cmd: string, args: string[], env: Record<string, string | undefined>): Promise<string> {
  try {
    const { stdout } = await run(cmd, args, { env: env as NodeJS.ProcessEnv, timeout: 30_000 });
    return stdout;
  } catch (e) {
    const err = e as Error & { code?: string; stderr?: string };
    if (err.code === 'ENOENT') throw new ScaletuneError(`${cmd} not found: executor slurm needs Slurm's client commands (sbatch, squeue, scontrol, scancel) on PATH`, 2);
    throw new ScaletuneError(`${cmd} ${args.join(' ')} failed: ${(err.stderr || err.message).trim()}`, 1);
  }
}

/** Job (or array task) id → state, for the jobs Slurm still knows. */
async function jobStates(ids: readonly string[], env: Record<string, string | undefined>): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (ids.length === 0) return out;
  // -r: one line per array task (1234_0, 1234_1), pending ones included
  const text = await slurm('squeue', ['-h', '-r', '-o', '%i %T', '-j', [...new Set(ids.map((i) => i.split('_')[0]!))].join(',')], env).catch(() => '');
  for (const line of text.split('\n')) {
    const [id, state] = line.trim().split(/\s+/);
    if (id && state) out.set(id, state);
  }
  return out;
}

/** The final state of a job that left the queue: scontrol while Slurm remembers it, else sacct. */
async function finalState(id: string, env: Record<string, string | undefined>): Promise<string> {
  const s = await slurm('scontrol', ['show', 'job', '-o', id], env).catch(() => '');
  const m = /JobState=(\S+)/.exec(s);
  if (m) return m[1]!;
  const a = await slurm('sacct', ['-n', '-X', '-P', '-o', 'State', '-j', id], env).catch(() => '');
  return a.split('\n')[0]?.trim().split(/\s+/)[0] || 'UNKNOWN';
}

/** Job states after which a job runs no more. */
const TERMINAL = ['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT', 'PREEMPTED', 'NODE_FAIL', 'OUT_OF_MEMORY', 'BOOT_FAIL', 'DEADLINE', 'REVOKED', 'SPECIAL_EXIT'];

/** Submit n worker jobs (one job array, or n jobs) and log them; returns their ids. */
async function submitWorkers(o: SlurmRunOptions, env: Record<string, string | undefined>, logs: string, n: number): Promise<string[]> {
  const { storage, study } = o;
  const workerCmd = [...o.command, 'worker', study.name, '--db', o.db, '--stale-after', String(o.config.staleAfterS), '--parallel', '1', '--no-live'];
  const array = o.config.array && n > 1;
  const args = ['--parsable', `--job-name=scaletune-${study.name}`, `--output=${path.join(logs, array ? '%x-%A_%a.out' : '%x-%j.out')}`, ...(array ? [`--array=0-${n - 1}`] : []), ...o.config.sbatch, `--wrap=${workerCmd.map(shellQuote).join(' ')}`];
  const ids: string[] = [];
  for (let i = 0; i < (array ? 1 : n); i++) {
    const id = (await slurm('sbatch', args, env)).trim().split(';')[0]!;
    if (!/^\d+$/.test(id)) throw new ScaletuneError(`sbatch answered ${JSON.stringify(id)}, not a job id`, 1);
    ids.push(...(array ? Array.from({ length: n }, (_, k) => `${id}_${k}`) : [id]));
  }
  await storage.logEvent(study.id, null, 'slurm', 'slurm_submitted', { jobs: ids, sbatch: o.config.sbatch });
  return ids;
}

/** Take the jobs that ran to their end out of `live`; those that did not complete are lost. */
async function reapJobs(o: SlurmRunOptions, env: Record<string, string | undefined>, live: Set<string>, lostJobs: SlurmOutcome['lostJobs']): Promise<void> {
  const states = await jobStates([...live], env);
  for (const id of [...live]) {
    const st = states.get(id);
    if (st && !TERMINAL.includes(st)) continue;
    const final = st ?? (await finalState(id, env));
    // gone from the queue but not yet final in scontrol (a moment between the two): look again later
    if (!TERMINAL.includes(final) && final !== 'UNKNOWN') continue;
    live.delete(id);
    if (final !== 'COMPLETED') {
      lostJobs.push({ id, state: final });
      o.line(`job ${id} ended ${final}`);
    }
  }
}

/** What is left of the study's work: waiting and running trials, and whether a worker could still do something. */
async function workLeft(o: SlurmRunOptions): Promise<{ waiting: number; running: number; any: boolean }> {
  const { storage, study } = o;
  const trials = await storage.getTrials(study.id);
  const waiting = trials.filter((t) => t.state === 'WAITING').length;
  const running = trials.filter((t) => t.state === 'RUNNING').length;
  const capLeft = study.config.runCap === undefined ? Infinity : study.config.runCap - trials.filter((t) => t.state !== 'STALE').length;
  return { waiting, running, any: waiting > 0 || capLeft > 0 };
}

export async function runOnSlurm(o: SlurmRunOptions): Promise<SlurmOutcome> {
  const env = o.env ?? process.env;
  const { storage, study } = o;
  const logs = path.join(study.artifactsDir, 'slurm');
  mkdirSync(logs, { recursive: true });
  const jobs: string[] = [];
  const live = new Set<string>();
  const submit = async (n: number): Promise<void> => {
    for (const id of await submitWorkers(o, env, logs, n)) {
      jobs.push(id);
      live.add(id);
    }
  };
  let interrupted = false;
  const onAbort = (): void => {
    interrupted = true;
  };
  o.signal?.addEventListener('abort', onAbort);
  const me = newWorkerId();
  const lostJobs: SlurmOutcome['lostJobs'] = [];
  let resubmitted = 0;
  try {
    await submit(o.workers);
    o.line(`submitted ${o.workers} worker job${o.workers === 1 ? '' : 's'}: ${jobs.join(' ')} (logs in ${logs})`);
    while (!interrupted) {
      await new Promise((r) => setTimeout(r, o.pollMs ?? 2000));
      if (interrupted) break;
      await reapJobs(o, env, live, lostJobs);
      // a dead worker's trials: silent past stale_after (another machine), or its pid gone (this one)
      for (const r of await recoverStaleTrials(storage, study, { me, staleAfterMs: o.config.staleAfterS * 1000 })) o.line(`trial ${r.stale.number} stale (${r.stale.error}); re-queued as trial ${r.copy.number}`);
      const left = await workLeft(o);
      // workers lost (cancelled, preempted, failed) while there is work: replace them
      const n = Math.min(o.workers - live.size, lostJobs.length - resubmitted, o.config.maxResubmits - resubmitted);
      if (left.any && n > 0) {
        await submit(n);
        resubmitted += n;
        o.line(`submitted ${n} replacement worker job${n === 1 ? '' : 's'}`);
      }
      if (live.size === 0 && left.running === 0) {
        if (left.waiting > 0) o.line(`no worker left and executor.max_resubmits (${o.config.maxResubmits}) reached; ${left.waiting} trial(s) wait: continue with ${commandHint(`resume ${study.name}`, o.db, process.cwd())}`);
        break;
      }
    }
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
    if (interrupted && live.size) {
      await slurm('scancel', [...live], env).catch(() => undefined);
      o.line(`cancelled ${live.size} worker job${live.size === 1 ? '' : 's'}: ${[...live].join(' ')}`);
    }
  }
  await storage.logEvent(study.id, null, 'slurm', interrupted ? 'run_interrupted' : 'run_finished', { jobs, resubmitted, lost: lostJobs });
  return { jobs, resubmitted, interrupted, lostJobs };
}
