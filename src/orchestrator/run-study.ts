/**
 * The loop: ask the searcher, claim, run on a bounded pool, record, until the cap, the grid's end, the
 * target, or a stop signal. Heartbeats mark running trials alive; an interrupt ends the running children
 * and re-queues their trials so that `resume` continues them.
 */
import type { Backend } from '../backends/types.js';
import type { Trial } from '../core/trial.js';
import type { Storage, StudyRecord } from '../storage/types.js';
import { bestTrial, reachesTarget } from './best.js';
import { claimNext, searcherFor } from './claim.js';
import { newWorkerId, recoverStaleTrials } from './recovery.js';
import type { Reporter, StudyEnd } from '../report/reporter.js';
import { startTrial, type RunningTrial, type TrialLimits, type TrialResult } from './run-trial.js';
import { stopperFor } from './stopping.js';
import { PbtController } from './pbt.js';
import { LadderClaimer } from './ladder.js';
import { ScaletuneError } from '../core/errors.js';

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
}

export async function runStudy(o: RunStudyOptions): Promise<StudyEnd> {
  const { storage, study, backend, reporter } = o;
  const cfg = study.config;
  const worker = o.worker ?? newWorkerId();
  const parallel = o.parallel ?? cfg.parallel;
  const runCap = o.runCap ?? cfg.runCap;
  const searcher = await searcherFor(storage, study, o.env);

  for (const r of await recoverStaleTrials(storage, study, { me: worker, ...(o.staleAfterMs !== undefined ? { staleAfterMs: o.staleAfterMs } : {}) })) {
    reporter.trialRequeued(r.stale, r.copy);
  }
  const initial = await storage.getTrials(study.id);
  const pbt = (cfg.method === 'pbt' || cfg.method === 'pb2') && cfg.pbt ? new PbtController(storage, study) : null;
  const ladder = cfg.scales?.length ? new LadderClaimer(storage, study, runCap) : null;
  // a ladder's budget is the sum of its scales' (unknown while a grid scale has none)
  const budgets = (cfg.scales ?? []).map((s) => s.runCap ?? runCap);
  const shownCap = ladder ? (budgets.every((b) => b !== undefined) ? budgets.reduce((a, b) => a! + b!, 0)! : null) : (runCap ?? null);
  reporter.studyStarted({ study, runCap: shownCap, parallel, finishedBefore: initial.filter((t) => t.state === 'COMPLETE' || t.state === 'FAIL' || t.state === 'PRUNED') });
  if (pbt && runCap !== undefined) reporter.warn(`run_cap ${runCap} is not used by method ${cfg.method}: its budget is population × max_steps`);
  if (runCap === undefined && cfg.method !== 'grid' && !pbt && !ladder) reporter.warn(`no run_cap: method ${cfg.method} proposes runs until stopped (Ctrl-C); set run_cap in the config or pass --run-cap`);
  if (cfg.earlyTerminate && !cfg.stopping) reporter.warn('this study was created before early stopping existed: its early_terminate is not applied');
  const stopper = stopperFor(storage, study);
  await storage.logEvent(study.id, null, worker, 'run_started', { parallel, runCap: runCap ?? null, pid: process.pid });

  const active = new Map<number, RunningTrial>();
  let best = bestTrial(initial, cfg.metric);
  let reason: StudyEnd['reason'] | null = reachesTarget(best?.value ?? null, cfg.metric) ? 'target' : null;
  let interrupted = false;

  let wake: (() => void) | null = null;
  let noMoreWork = false;
  const heartbeat = setInterval(() => {
    void storage.heartbeat([...active.keys()], worker).catch(() => undefined);
  }, o.heartbeatMs ?? 5000);
  // Another process sharing this study may die: its trials are re-queued here and run by this loop.
  const recovery = setInterval(() => {
    void recoverStaleTrials(storage, study, { me: worker, ...(o.staleAfterMs !== undefined ? { staleAfterMs: o.staleAfterMs } : {}) })
      .then((found) => {
        for (const r of found) reporter.trialRequeued(r.stale, r.copy);
        if (found.length > 0) {
          noMoreWork = false;
          wake?.();
        }
      })
      .catch(() => undefined);
  }, o.recoverEveryMs ?? 30_000);

  const onAbort = (): void => {
    interrupted = true;
    for (const r of active.values()) r.stop('interrupted');
    wake?.();
  };
  o.signal?.addEventListener('abort', onAbort);
  if (o.signal?.aborted) onAbort();

  const settled: TrialResult[] = [];
  const launch = (trial: Trial): void => {
    const run = startTrial({ storage, study, trial, backend, stopper, onReport: (t, r) => reporter.trialReport(t, r), ...(o.limits ? { limits: o.limits } : {}) });
    active.set(trial.id, run);
    reporter.trialStarted(trial);
    run.result.then(
      (res) => {
        settled.push(res);
        active.delete(trial.id);
        wake?.();
      },
      (e: Error) => {
        settled.push({ kind: 'interrupted', trial, reason: `recording failed: ${e.message}` });
        active.delete(trial.id);
        wake?.();
      },
    );
  };

  /** The next trial to run, or null when there is no more work (the reason is kept), or 'wait'. */
  const claim = async (): Promise<Trial | null | 'wait'> => {
    if (pbt) {
      const p = await pbt.claim(worker);
      if (p === null) reason ??= 'exhausted';
      return p;
    }
    if (ladder) {
      const t = await ladder.claim(worker);
      if (t === null) reason ??= 'exhausted';
      return t;
    }
    const c = await claimNext(storage, study, searcher, worker, runCap);
    if (c.trial === null && c.reason !== 'contended') reason ??= c.reason;
    return c.trial;
  };

  try {
    for (;;) {
      while (settled.length) {
        const res = settled.shift()!;
        if (res.kind === 'finished') {
          if (res.trial.state === 'COMPLETE' && cfg.metric) {
            best = bestTrial([...(best ? [best] : []), res.trial], cfg.metric);
            if (reachesTarget(res.trial.value, cfg.metric) && !reason) {
              reason = 'target';
              await storage.logEvent(study.id, res.trial.id, worker, 'target_reached', { value: res.trial.value, target: cfg.metric.target });
            }
          }
          await storage.logEvent(study.id, res.trial.id, worker, 'trial_finished', { state: res.trial.state, value: res.trial.value, error: res.trial.error });
          reporter.trialFinished(res.trial, best);
          if (pbt) {
            await pbt.afterSegment(res.trial);
            for (const n of pbt.notes.splice(0)) reporter.warn(n);
            noMoreWork = false;
            if (pbt.fatal && !interrupted) {
              // nothing can continue: end the running segments (re-queued, resumable) and say why
              interrupted = true;
              for (const r of active.values()) r.stop('method pbt cannot go on');
            }
          }
        } else {
          const copy = await storage.requeue(res.trial.id, `interrupted (${res.reason}); re-queued`);
          await storage.logEvent(study.id, res.trial.id, worker, 'trial_interrupted', { reason: res.reason, copy: copy.number });
          reporter.trialRequeued({ ...res.trial, state: 'STALE' }, copy);
        }
      }
      if (!interrupted && reason !== 'target' && !noMoreWork) {
        while (active.size < parallel && !interrupted) {
          const t = await claim();
          if (t === 'wait') break;
          if (!t) {
            noMoreWork = true;
            break;
          }
          if (interrupted) {
            // the stop came while claiming: hand the trial back before anything ran
            const copy = await storage.requeue(t.id, 'interrupted before it started; re-queued');
            reporter.trialRequeued({ ...t, state: 'STALE' }, copy);
            break;
          }
          await storage.logEvent(study.id, t.id, worker, 'trial_started', { params: t.params, retryOf: t.retryOf });
          launch(t);
        }
      }
      if (active.size === 0 && settled.length === 0) break;
      if (settled.length === 0) await new Promise<void>((r) => (wake = r));
      wake = null;
    }
  } finally {
    clearInterval(heartbeat);
    clearInterval(recovery);
    o.signal?.removeEventListener('abort', onAbort);
  }

  if (pbt?.fatal) {
    await storage.logEvent(study.id, null, worker, 'run_failed', { reason: pbt.fatal });
    throw new ScaletuneError(pbt.fatal, 1);
  }
  const trials = await storage.getTrials(study.id);
  const end: StudyEnd = {
    study,
    trials,
    best: bestTrial(trials, cfg.metric),
    interrupted,
    reason: interrupted ? 'interrupted' : (reason ?? 'no_more_work'),
  };
  await storage.logEvent(study.id, null, worker, interrupted ? 'run_interrupted' : 'run_finished', { reason: end.reason });
  reporter.studyFinished(end);
  return end;
}
