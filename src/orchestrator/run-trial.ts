/**
 * Run one claimed trial through a backend and record everything it reports; decide its outcome.
 * A trial that fails is recorded as FAIL with the reason; it never throws for the trainer's sake.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { runParams } from '../backends/index.js';
import type { Backend, Report, RunOutcome } from '../backends/types.js';
import type { MetricConfig } from '../config/index.js';
import { formatDuration } from '../core/duration.js';
import type { Trial } from '../core/trial.js';
import type { MetricInput, Storage, StudyRecord } from '../storage/types.js';
import type { LiveReport } from '../report/reporter.js';
import type { Stopper } from './stopping.js';

export interface TrialLimits {
  /** log lines stored per trial before the middle is dropped (default 10,000) */
  maxLogLines?: number;
  /** last lines always kept after the cap (default 200) */
  keepLastLogLines?: number;
}

export type TrialResult =
  | { kind: 'finished'; trial: Trial }
  /** stopped by the orchestrator (Ctrl-C): the trial is still RUNNING and must be re-queued */
  | { kind: 'interrupted'; trial: Trial; reason: string };

export interface RunningTrial {
  trial: Trial;
  readonly result: Promise<TrialResult>;
  stop(reason: string): void;
}

export function trialDirFor(study: StudyRecord, number: number): string {
  return path.join(study.artifactsDir, `trial-${String(number).padStart(4, '0')}`);
}

/** The outcome in words for a run that did not succeed, or null when it ended well. */
export function failureReason(o: RunOutcome, timeoutMs: number | undefined): string | null {
  const tail = o.stderrTail ? `: ${o.stderrTail.split('\n').slice(-5).join('\n')}` : '';
  if (o.spawnError) return o.spawnError;
  if (o.failure) return o.failure;
  if (o.timedOut) return `timed out after ${formatDuration(timeoutMs ?? 0)} (the trainer's process group was killed)`;
  if (o.signal) return `the trainer was killed by ${o.signal}${tail}`;
  if (o.exitCode !== 0) return `the trainer exited with code ${o.exitCode}${tail}`;
  return null;
}

export function startTrial(opts: {
  storage: Storage;
  study: StudyRecord;
  trial: Trial;
  backend: Backend;
  onReport?: (t: Trial, r: LiveReport) => void;
  limits?: TrialLimits;
  /** the study's early-stopping rule */
  stopper?: Stopper | null;
}): RunningTrial {
  const { storage, study, trial, backend } = opts;
  const metric: MetricConfig | undefined = study.config.metric;
  const maxLog = opts.limits?.maxLogLines ?? 10_000;
  const keepLast = opts.limits?.keepLastLogLines ?? 200;
  const trialDir = trialDirFor(study, trial.number);
  mkdirSync(trialDir, { recursive: true });

  let lastStep = -1;
  let objective: number | null = null;
  let objectiveSeen = false;
  const seen = new Set<string>();
  let divergence: string | null = null;
  let pendingMetrics: MetricInput[] = [];
  let pendingLogs: { stream: 'stdout' | 'stderr' | 'scaletune'; line: string }[] = [];
  let logCount = 0;
  let dropped = 0;
  const lastLines: { stream: 'stdout' | 'stderr'; line: string }[] = [];
  let flushScheduled = false;
  let writes: Promise<void> = Promise.resolve();
  let writeError: Error | null = null;

  // Batch what arrives in one burst into one transaction; everything read is committed within a tick.
  const flush = (): void => {
    flushScheduled = false;
    const m = pendingMetrics;
    const l = pendingLogs;
    pendingMetrics = [];
    pendingLogs = [];
    writes = writes
      .then(async () => {
        if (m.length) await storage.addMetrics(trial.id, m);
        if (l.length) await storage.appendLogs(trial.id, l);
      })
      .catch((e: Error) => {
        writeError ??= e;
      });
  };
  const scheduleFlush = (): void => {
    if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(flush);
    }
  };

  let handle: ReturnType<Backend['start']>;
  // early stopping: the metric's curve, and the decisions about it, one after another
  const curve: { step: number; value: number }[] = [];
  let pruned: string | null = null;
  let segmentEnded = false;
  let decisions: Promise<void> = Promise.resolve();
  const stopper = opts.stopper ?? null;
  const onReport = (r: Report): void => {
    const step = r.step ?? lastStep + 1;
    lastStep = Math.max(lastStep, step);
    for (const [name, value] of Object.entries(r.metrics)) {
      pendingMetrics.push({ step, name, value, tokens: r.tokens });
      seen.add(name);
      if (metric && name === metric.name) {
        objectiveSeen = true;
        objective = value;
        if (!Number.isFinite(value) && !divergence) {
          divergence = `metric '${name}' was ${value} at step ${step} (the run diverged)`;
          handle.stop(divergence);
        } else if (stopper) {
          curve.push({ step, value });
          const snapshot = curve.slice();
          decisions = decisions
            .then(async () => {
              if (pruned || divergence) return;
              const d = await stopper.decide(trial, snapshot);
              if (d && !pruned) {
                pruned = d.reason;
                // the step it was stopped at: later reports (sent before the stop landed) do not count
                // at later rungs
                await storage.logEvent(study.id, trial.id, trial.worker ?? 'scaletune', 'trial_pruned', { step: snapshot.at(-1)!.step, rung: d.decision.rung, value: d.decision.value, cutoff: d.decision.cutoff, compared: d.decision.compared, reason: d.reason });
                handle.stop(d.reason);
              }
            })
            .catch((e: Error) => void (writeError ??= e));
        }
      }
    }
    const reached = trial.stopAt !== null && (study.config.pbt?.unit === 'tokens' ? (r.tokens ?? -1) >= trial.stopAt : step >= trial.stopAt);
    if (r.checkpoint && reached && !segmentEnded) {
      // a trainer that does not honour SCALETUNE_STOP_AT_STEP is stopped at its first checkpoint there
      segmentEnded = true;
      setImmediate(() => handle.stop(`segment end at step ${step}`));
    }
    if (r.checkpoint) {
      const cp = path.resolve(trialDir, r.checkpoint);
      writes = writes.then(() => storage.setCheckpoint(trial.id, cp)).catch((e: Error) => void (writeError ??= e));
    }
    scheduleFlush();
    opts.onReport?.(trial, { step, tokens: r.tokens, metrics: r.metrics, totalSteps: r.totalSteps });
  };
  const onLog = (stream: 'stdout' | 'stderr', line: string): void => {
    if (logCount < maxLog) {
      logCount++;
      pendingLogs.push({ stream, line });
      scheduleFlush();
    } else {
      dropped++;
      lastLines.push({ stream, line });
      if (lastLines.length > keepLast) lastLines.shift();
    }
  };

  handle = backend.start(
    {
      study,
      trial,
      params: runParams(study.config, trial),
      trialDir,
      checkpointDir: path.join(trialDir, 'checkpoints'),
      resumeFrom: trial.resumeFrom,
      stopAt: trial.stopAt,
      stopUnit: study.config.pbt?.unit ?? 'steps',
      ...(study.config.timeoutMs !== undefined ? { timeoutMs: study.config.timeoutMs } : {}),
    },
    {
      onReport,
      onLog,
      onStart: (pid) => {
        writes = writes.then(() => storage.setTrialPid(trial.id, pid)).catch(() => undefined);
      },
    },
  );

  const result = (async (): Promise<TrialResult> => {
    const outcome = await handle.done;
    flush();
    if (dropped > 0) {
      const shown = lastLines.length;
      pendingLogs.push({ stream: 'scaletune', line: `[... ${dropped - shown} log lines not stored (limit ${maxLog} per trial); the last ${shown} follow ...]` });
      pendingLogs.push(...lastLines);
      flush();
    }
    await decisions;
    await writes;
    if (writeError) throw writeError;
    if (pruned) {
      const finished = await storage.finishTrial(trial.id, { state: 'PRUNED', value: objective, error: pruned });
      return { kind: 'finished', trial: finished };
    }
    if (outcome.stopped && !divergence && !(segmentEnded && outcome.stopped.startsWith('segment end'))) return { kind: 'interrupted', trial, reason: outcome.stopped };

    let state: 'COMPLETE' | 'FAIL' = 'COMPLETE';
    let error = divergence ?? (segmentEnded && outcome.stopped ? null : failureReason(outcome, study.config.timeoutMs));
    if (!error && metric && !objectiveSeen && trial.resumeFrom) {
      // Resumed from a checkpoint with nothing left to train (it was killed after its last step): the
      // value is the one reported before the restart.
      const carried = await lastValueBeforeRestart(storage, study.id, trial, metric.name);
      if (carried) {
        objectiveSeen = true;
        objective = carried.value;
        await storage.appendLogs(trial.id, [
          { stream: 'scaletune', line: `no new '${metric.name}' after resuming from ${trial.resumeFrom}; using ${carried.value} reported by trial ${carried.number} at step ${carried.step}` },
        ]);
      }
    }
    if (!error && metric && !objectiveSeen) {
      const others = [...seen];
      error = `the trainer exited without reporting metric '${metric.name}'${others.length ? ` (it reported: ${others.slice(0, 10).join(', ')})` : ' (it printed no JSON report)'}`;
    }
    if (!error && metric && objective !== null && !Number.isFinite(objective)) error = `metric '${metric.name}' ended as ${objective}`;
    if (error) state = 'FAIL';
    const finished = await storage.finishTrial(trial.id, { state, value: state === 'COMPLETE' ? objective : null, error });
    return { kind: 'finished', trial: finished };
  })();

  return { trial, result, stop: (reason) => handle.stop(reason) };
}

/** The last value of `name` that the trials this one re-runs (its retry chain) reported. */
async function lastValueBeforeRestart(storage: Storage, studyId: number, trial: Trial, name: string): Promise<{ value: number; step: number; number: number } | null> {
  for (let id = trial.retryOf; id !== null; ) {
    const prev = await storage.getTrial(id);
    if (!prev) return null;
    const ms = (await storage.getMetrics(studyId, prev.id)).filter((m) => m.name === name && m.value !== null);
    const last = ms.at(-1);
    if (last) return { value: last.value!, step: last.step, number: prev.number };
    id = prev.retryOf;
  }
  return null;
}
