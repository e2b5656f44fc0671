/**
 * The loop: ask the study's scheduler for trials, run them on a bounded pool, record, until the cap,
 * the grid's end, the target, or a stop signal. Heartbeats mark running trials alive; an interrupt ends
 * the running children and re-queues their trials so that `resume` continues them.
 */
import type { Backend } from '../backends/types.js';
import type { Trial } from '../core/trial.js';
import { schedulerFor } from '../registry/schedulers.js';
import type { Storage, StudyRecord } from '../storage/types.js';
import { bestTrial, reachesTarget } from './best.js';
import { newWorkerId, recoverStaleTrials, runByPeer } from './recovery.js';
import type { Reporter, StudyEnd } from '../report/reporter.js';
import { startTrial, type RunningTrial, type TrialLimits, type TrialResult } from './run-trial.js';
import type { Scheduler } from './scheduler.js';
import { ScaletuneError } from '../core/errors.js';
import { FAILING_AFTER, findDevices, GpuPool, isCudaFailure, planSlots } from './gpus.js';

export interface RunStudyOptions {
  storage: Storage;
  study: StudyRecord;
  backend: Backend;
  reporter: Reporter;
  /** overrides the config's */
  parallel?: number;
  runCap?: number;
  /** abort to stop: no new launches, running trials ended and re-queued */
  signal?: AbortSignal;
  heartbeatMs?: number;
  staleAfterMs?: number;
  /** how often to look for trials of other (dead) processes to re-queue while running (default 30 s) */
  recoverEveryMs?: number;
  worker?: string;
  limits?: TrialLimits;
  /** the environment a searcher may read (method llm: its API key variable); default process.env */
  env?: Record<string, string | undefined>;
  /** this loop trains a ladder's verify run: said so, and the search's start notes are not said again */
  verify?: boolean;
}

export async function runStudy(o: RunStudyOptions): Promise<StudyEnd> {
  const scheduler = await schedulerFor(o.storage, o.study, { ...(o.runCap !== undefined ? { runCap: o.runCap } : {}), ...(o.env ? { env: o.env } : {}) });
  const run = new StudyRun(o, scheduler, o.worker ?? newWorkerId());
  await run.start();
  run.startTimers();
  try {
    await run.loop();
  } finally {
    run.stopTimers();
  }
  return run.finish();
}

/** How often a process with nothing left of its own looks whether its peers' trials ended or their processes died. */
const PEER_POLL_MS = 1000;
const BEST_REREAD_MS = 1000;

/** One process's run of a study: its pool of running trials and what it has learned so far. */
class StudyRun {
  private readonly active = new Map<number, RunningTrial>();
  private readonly settled: TrialResult[] = [];
  private parallel: number;
  /** the GPU slots trials take (resources:), or null when the study names none */
  private gpus: GpuPool | null = null;
  private best: Trial | null = null;
  private bestReadAt = 0;
  private reason: StudyEnd['reason'] | null = null;
  private interrupted = false;
  private noMoreWork = false;
  private wake: (() => void) | null = null;
  private timers: ReturnType<typeof setInterval>[] = [];
  private readonly onAbort = (): void => this.stopAll('interrupted');

  constructor(
    private readonly o: RunStudyOptions,
    private readonly scheduler: Scheduler,
    private readonly worker: string,
  ) {
    this.parallel = o.parallel ?? o.study.config.parallel;
  }

  private get storage(): Storage {
    return this.o.storage;
  }
  private get study(): StudyRecord {
    return this.o.study;
  }

  /** Re-queue what dead processes left, say what this run will do, and log its start. */
  async start(): Promise<void> {
    const { reporter } = this.o;
    const cfg = this.study.config;
    const gpuNotes = this.planGpus();
    await this.recover();
    const initial = await this.storage.getTrials(this.study.id);
    this.best = bestTrial(initial, cfg.metric);
    if (reachesTarget(this.best?.value ?? null, cfg.metric)) this.reason = 'target';
    reporter.studyStarted({ study: this.study, runCap: this.scheduler.shownCap, parallel: this.parallel, finishedBefore: initial.filter((t) => t.state === 'COMPLETE' || t.state === 'FAIL' || t.state === 'PRUNED'), ...(this.o.verify ? { verify: true } : {}) });
    for (const n of gpuNotes) reporter.warn(n);
    for (const n of this.o.verify ? [] : this.scheduler.startNotes) this.say(n);
    if (cfg.earlyTerminate && !cfg.stopping) reporter.warn('this study was created before early stopping existed: its early_terminate is not applied');
    const runCap = this.o.runCap ?? cfg.runCap;
    await this.storage.logEvent(this.study.id, null, this.worker, 'run_started', { parallel: this.parallel, runCap: runCap ?? null, pid: process.pid });
    this.o.signal?.addEventListener('abort', this.onAbort);
    if (this.o.signal?.aborted) this.onAbort();
  }

  /** The GPU slots of `resources:`, found now so that a machine without the GPUs fails before any trial; parallel is capped by them. */
  private planGpus(): string[] {
    const res = this.study.config.resources;
    if (!res) return [];
    let devices: string[];
    try {
      devices = findDevices(res, this.o.env ?? process.env);
    } catch (e) {
      throw new ScaletuneError((e as Error).message, 2);
    }
    if (res.perTrial > devices.length) throw new ScaletuneError(`resources.per_trial is ${res.perTrial} GPUs, but only ${devices.length} are available (${devices.join(', ')})`, 2);
    const { slots, unused } = planSlots(devices, res.perTrial);
    this.gpus = new GpuPool(slots);
    const share = res.perTrial < 1 ? `${slots.length / devices.length} trials per GPU` : `${res.perTrial} GPU(s) per trial`;
    const notes: string[] = [];
    if (this.parallel > slots.length) {
      notes.push(`parallel ${this.parallel} is capped at ${slots.length}: resources gives ${slots.length} GPU slot(s) (${devices.length} GPU(s): ${devices.join(', ')}; ${share})`);
      this.parallel = slots.length;
    }
    if (unused.length) notes.push(`GPU(s) ${unused.join(', ')} left unused: ${devices.length} GPUs do not split into groups of ${res.perTrial}`);
    return notes;
  }

  /** Re-queue dead processes' trials; returns how many, so that a caller waiting on peers knows there is work. */
  private async recover(): Promise<number> {
    const found = await recoverStaleTrials(this.storage, this.study, { me: this.worker, ...(this.o.staleAfterMs !== undefined ? { staleAfterMs: this.o.staleAfterMs } : {}) });
    for (const r of found) this.o.reporter.trialRequeued(r.stale, r.copy);
    if (found.length > 0) {
      this.noMoreWork = false;
      this.wake?.();
    }
    return found.length;
  }

  /** Heartbeats for the running trials; and, since another process sharing this study may die, its trials re-queued and run here. */
  startTimers(): void {
    this.timers = [
      setInterval(() => void this.storage.heartbeat([...this.active.keys()], this.worker).catch(() => undefined), this.o.heartbeatMs ?? 5000),
      setInterval(() => void this.recover().catch(() => undefined), this.o.recoverEveryMs ?? 30_000),
    ];
  }

  stopTimers(): void {
    for (const t of this.timers) clearInterval(t);
    this.o.signal?.removeEventListener('abort', this.onAbort);
  }

  /** End every running trial (they are re-queued, resumable) and launch nothing more. */
  private stopAll(why: string): void {
    this.interrupted = true;
    for (const r of this.active.values()) r.stop(why);
    this.wake?.();
  }

  async loop(): Promise<void> {
    for (;;) {
      while (this.settled.length) await this.settle(this.settled.shift()!);
      if (!this.interrupted && this.reason !== 'target' && !this.noMoreWork) await this.fill();
      if (this.active.size === 0 && this.settled.length === 0) {
        if (await this.awaitPeers()) continue;
        return;
      }
      if (this.settled.length === 0) await new Promise<void>((r) => (this.wake = r));
      this.wake = null;
    }
  }

  /**
   * Nothing of this process's own is left: the study is finished only once no other process's trial is
   * RUNNING, since a peer that dies now leaves its trial to whoever is still here (the run cap counts
   * it, so without this the last survivor would say "run cap reached" over a trial nobody runs). Waits
   * while live peers run, re-queuing a dead one's trials; true when the scheduler should be asked again.
   */
  private async awaitPeers(): Promise<boolean> {
    let waited = false;
    while (!this.interrupted && this.reason !== 'target') {
      const peers = (await this.storage.getTrials(this.study.id)).filter((t) => runByPeer(t, this.worker));
      if (peers.length === 0) break;
      waited = true;
      if ((await this.recover()) > 0) break;
      await new Promise<void>((r) => {
        const timer = setTimeout(r, Math.min(PEER_POLL_MS, this.o.recoverEveryMs ?? PEER_POLL_MS));
        this.wake = () => {
          clearTimeout(timer);
          r();
        };
      });
      this.wake = null;
    }
    // a peer's trial that ended may have freed work (a re-queued copy, a ladder's next scale)
    if (waited) this.noMoreWork = false;
    return waited && !this.interrupted;
  }

  /** Claim and launch trials until the pool is full, the scheduler has to wait, or there is no more work. */
  private async fill(): Promise<void> {
    while (this.active.size < this.parallel && !this.interrupted && (this.gpus?.hasFree() ?? true)) {
      const c = await this.scheduler.claim(this.worker);
      if (c === 'wait') return;
      if ('done' in c) {
        if (c.done !== 'contended') this.reason ??= c.done;
        this.noMoreWork = true;
        return;
      }
      if (this.interrupted) {
        // the stop came while claiming: hand the trial back before anything ran
        const copy = await this.storage.requeue(c.id, 'interrupted before it started; re-queued');
        this.o.reporter.trialRequeued({ ...c, state: 'STALE' }, copy);
        return;
      }
      const env = await this.takeGpus(c);
      await this.storage.logEvent(this.study.id, c.id, this.worker, 'trial_started', { params: c.params, retryOf: c.retryOf, ...(env ? { gpus: env.CUDA_VISIBLE_DEVICES } : {}) });
      this.launch(c, env);
    }
  }

  /** A GPU slot for the trial, recorded with it; the variables its trainer gets. */
  private async takeGpus(trial: Trial): Promise<Record<string, string> | undefined> {
    const slot = this.gpus?.acquire(trial.id);
    if (!slot) return undefined;
    await this.storage.setTrialAttr(trial.id, 'gpus', slot.devices);
    return { CUDA_VISIBLE_DEVICES: slot.devices.join(',') };
  }

  /** A trial's GPUs are free again; a device whose trials keep failing with CUDA errors is reported (and left out while others remain). */
  private async releaseGpus(trial: Trial, failed: boolean): Promise<void> {
    if (!this.gpus) return;
    const failing = this.gpus.release(trial.id, failed && isCudaFailure(trial.error));
    for (const d of failing) {
      const out = this.gpus.leftOut(d);
      const why = `GPU ${d}: its trials failed with CUDA errors ${FAILING_AFTER} times in a row (last, trial ${trial.number}: ${(trial.error ?? '').split('\n')[0]!.slice(0, 200)})`;
      this.o.reporter.warn(`${why}; ${out ? 'it gets no more trials in this run' : 'it is the only GPU left, so trials still run on it'}`);
      await this.storage.logEvent(this.study.id, trial.id, this.worker, 'gpu_failing', { device: d, left_out: out, error: trial.error });
    }
  }

  private launch(trial: Trial, env?: Record<string, string>): void {
    const { storage, study, backend, reporter } = this.o;
    const run = startTrial({ storage, study, trial, backend, scheduler: this.scheduler, onReport: (t, r) => reporter.trialReport(t, r), ...(this.o.limits ? { limits: this.o.limits } : {}), ...(env ? { env } : {}), ...(this.o.signal ? { signal: this.o.signal } : {}) });
    this.active.set(trial.id, run);
    reporter.trialStarted(trial);
    const done = (res: TrialResult): void => {
      this.settled.push(res);
      this.active.delete(trial.id);
      this.wake?.();
    };
    run.result.then(done, (e: Error) => done({ kind: 'interrupted', trial, reason: `recording failed: ${e.message}` }));
  }

  /** A trial's end: the best so far, the target, the scheduler's turn; or, interrupted, its re-queued copy. */
  private async settle(res: TrialResult): Promise<void> {
    const { storage, study, reporter } = this.o;
    const metric = study.config.metric;
    await this.releaseGpus(res.trial, res.kind === 'finished' && res.trial.state === 'FAIL');
    if (res.kind !== 'finished') {
      // an interrupt's reason is the word itself: say it once
      const why = res.reason === 'interrupted' ? 'interrupted' : `interrupted (${res.reason})`;
      const copy = await storage.requeue(res.trial.id, `${why}; re-queued`);
      await storage.logEvent(study.id, res.trial.id, this.worker, 'trial_interrupted', { reason: res.reason, copy: copy.number });
      reporter.trialRequeued({ ...res.trial, state: 'STALE' }, copy);
      return;
    }
    const t = res.trial;
    if (t.state === 'COMPLETE' && metric) {
      this.best = bestTrial([...(this.best ? [this.best] : []), t], metric);
      // and peers' results, so that workers sharing a study all show its best; re-read at most once a
      // second, since a simulated ladder settles trials by the hundred and reading each time is quadratic
      if (Date.now() - this.bestReadAt >= BEST_REREAD_MS) {
        this.bestReadAt = Date.now();
        this.best = bestTrial(await storage.getTrials(study.id), metric);
      }
      if (reachesTarget(t.value, metric) && !this.reason) {
        this.reason = 'target';
        await storage.logEvent(study.id, t.id, this.worker, 'target_reached', { value: t.value, target: metric.target });
      }
    }
    await storage.logEvent(study.id, t.id, this.worker, 'trial_finished', { state: t.state, value: t.value, error: t.error });
    reporter.trialFinished(t, this.best);
    if (await this.scheduler.onEnd(t)) this.noMoreWork = false;
    for (const n of this.scheduler.takeNotes()) this.say(n);
    // nothing can continue: end the running trials (re-queued, resumable) and say why
    if (this.scheduler.fatal && !this.interrupted) this.stopAll(`method ${study.config.method} cannot go on`);
  }

  private say(n: string): void {
    if (this.scheduler.noteKind === 'note') this.o.reporter.note(n);
    else this.o.reporter.warn(n);
  }

  async finish(): Promise<StudyEnd> {
    const { storage, study, reporter } = this.o;
    if (this.scheduler.fatal) {
      await storage.logEvent(study.id, null, this.worker, 'run_failed', { reason: this.scheduler.fatal });
      throw new ScaletuneError(this.scheduler.fatal, 1);
    }
    const trials = await storage.getTrials(study.id);
    const end: StudyEnd = {
      study,
      trials,
      best: bestTrial(trials, study.config.metric),
      interrupted: this.interrupted,
      reason: this.interrupted ? 'interrupted' : (this.reason ?? 'no_more_work'),
    };
    await storage.logEvent(study.id, null, this.worker, this.interrupted ? 'run_interrupted' : 'run_finished', { reason: end.reason });
    reporter.studyFinished(end);
    return end;
  }
}
