/**
 * Run one claimed trial through a backend and record everything it reports; decide its outcome.
 * A trial that fails is recorded as FAIL with the reason; it never throws for the trainer's sake.
 */
import { trackedMetrics } from '../config/objectives.js';
import { settleValues, type SettledValues } from '../study/values.js';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { runParams } from '../registry/backends.js';
import { describeMetricsSource } from '../backends/log-metrics-options.js';
import { printed } from '../backends/protocol.js';
import type { Backend, Report, RunOutcome } from '../backends/types.js';
import type { MetricConfig } from '../config/index.js';
import { formatDuration } from '../core/duration.js';
import type { Trial } from '../core/trial.js';
import type { MetricInput, Storage, StudyRecord } from '../storage/types.js';
import type { LiveReport } from '../report/reporter.js';
import type { Scheduler } from './scheduler.js';
import { harvestPlan, type HarvestPlan } from '../../fitters/ladder/harvest.js';

/** How long a trainer's death by signal waits for this process's own stop, before it counts as a failure. */
const OUTSIDE_STOP_GRACE_MS = 500;

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
  const tail = o.stderrTail ? `: ${stderrHeadline(o.stderrTail)}` : '';
  if (o.spawnError) return o.spawnError;
  if (o.failure) return o.failure;
  if (o.timedOut) return `timed out after ${formatDuration(timeoutMs ?? 0)} (the trainer's process group was killed)`;
  if (o.signal) return `the trainer was killed by ${o.signal}${tail}`;
  if (o.exitCode !== 0) return `the trainer exited with code ${o.exitCode}${tail}`;
  return null;
}

/**
 * The end of stderr with its last line first: that is where a Python traceback, and most crashes,
 * name the error (`AttributeError: …`), and lists show a failure's first line only. The lines before
 * it follow, in order, for where it happened.
 */
function stderrHeadline(tail: string): string {
  const lines = tail.split('\n').filter((l) => l.trim() !== '').slice(-5);
  const last = lines.pop()!.trim();
  return lines.length ? `${last}\n${lines.join('\n')}` : last;
}

export interface StartTrialOptions {
  storage: Storage;
  study: StudyRecord;
  trial: Trial;
  backend: Backend;
  onReport?: (t: Trial, r: LiveReport) => void;
  limits?: TrialLimits;
  /** variables its trainer gets on top of its own (its GPUs) */
  env?: Record<string, string>;
  /** the study run's stop: a trainer killed by a signal just as it fires was stopped with it, not failed */
  signal?: AbortSignal;
  /** what decides at the trial's reports (early stopping) */
  scheduler?: Pick<Scheduler, 'onReport' | 'watchesReports'>;
}

export function startTrial(opts: StartTrialOptions): RunningTrial {
  const run = new TrialRun(opts);
  return { trial: opts.trial, result: run.result, stop: (reason) => run.handle.stop(reason) };
}

type LogStream = 'stdout' | 'stderr' | 'scaletune';

/** One trial's run: what its trainer reports, batched into storage, and the outcome decided at its end. */
class TrialRun {
  readonly handle: ReturnType<Backend['start']>;
  readonly result: Promise<TrialResult>;
  private readonly metric: MetricConfig | undefined;
  private readonly trialDir: string;
  private readonly maxLog: number;
  private readonly keepLast: number;
  private lastStep = -1;
  private objective: number | null = null;
  private objectiveSeen = false;
  private readonly seen = new Set<string>();
  /** why a value of the study's metric fails the trial (NaN, Infinity, not a number); the run was stopped there */
  private badMetric: string | null = null;
  private badStepNoted = false;
  private pendingMetrics: MetricInput[] = [];
  private pendingLogs: { stream: LogStream; line: string }[] = [];
  private logCount = 0;
  private dropped = 0;
  private readonly lastLines: { stream: 'stdout' | 'stderr'; line: string }[] = [];
  private flushScheduled = false;
  private writes: Promise<void> = Promise.resolve();
  private writeError: Error | null = null;
  /** the metric's curve, for the decisions at reports, which are taken one after another */
  private readonly curve: { step: number; value: number }[] = [];
  private pruned: string | null = null;
  private segmentEnded = false;
  private decisions: Promise<void> = Promise.resolve();
  private readonly harvest: HarvestPlan | null;
  /** objectives, constraints and cost metrics beyond the one metric: their last reported values */
  private readonly tracked: Set<string>;
  private readonly lastValues: Record<string, number | null> = {};

  constructor(private readonly o: StartTrialOptions) {
    const { study, trial } = o;
    this.metric = study.config.metric;
    this.maxLog = o.limits?.maxLogLines ?? 10_000;
    this.keepLast = o.limits?.keepLastLogLines ?? 200;
    this.trialDir = trialDirFor(study, trial.number);
    mkdirSync(this.trialDir, { recursive: true });
    this.harvest = harvestPlan(study.config.harvest, trial);
    this.tracked = new Set(trackedMetrics(study.config));
    this.handle = o.backend.start(
      {
        study,
        trial,
        params: runParams(study.config, trial),
        trialDir: this.trialDir,
        checkpointDir: path.join(this.trialDir, 'checkpoints'),
        resumeFrom: trial.resumeFrom,
        stopAt: trial.stopAt,
        stopUnit: study.config.pbt?.unit ?? 'steps',
        harvest: this.harvest,
        ...(study.config.timeoutMs !== undefined ? { timeoutMs: study.config.timeoutMs } : {}),
        ...(o.env ? { env: o.env } : {}),
      },
      {
        onReport: (r) => this.onReport(r),
        onLog: (stream, line) => this.onLog(stream, line),
        onNote: (line) => {
          this.pendingLogs.push({ stream: 'scaletune', line });
          this.scheduleFlush();
        },
        onStart: (pid) => {
          this.writes = this.writes.then(() => o.storage.setTrialPid(trial.id, pid)).catch(() => undefined);
        },
      },
    );
    this.result = this.finish();
  }

  private keepError(e: Error): void {
    this.writeError ??= e;
  }

  /** Batch what arrives in one burst into one transaction; everything read is committed within a tick. */
  private flush(): void {
    this.flushScheduled = false;
    const m = this.pendingMetrics;
    const l = this.pendingLogs;
    this.pendingMetrics = [];
    this.pendingLogs = [];
    const { storage, trial } = this.o;
    this.writes = this.writes
      .then(async () => {
        if (m.length) await storage.addMetrics(trial.id, m);
        if (l.length) await storage.appendLogs(trial.id, l);
      })
      .catch((e: Error) => this.keepError(e));
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  private onReport(r: Report): void {
    const { storage, trial, study } = this.o;
    const step = r.step ?? this.lastStep + 1;
    if (r.badStep) this.noteBadStep(r.badStep, step);
    this.lastStep = Math.max(this.lastStep, step);
    const metrics = { ...r.metrics };
    const name = this.metric?.name;
    const notANumber = name === undefined ? undefined : r.nonNumeric?.[name];
    if (name !== undefined && notANumber !== undefined) {
      // a boolean is also in metrics as 1/0, which is right for a flag but must not become the trial's value
      delete metrics[name];
      this.onNotANumber(step, name, notANumber);
    }
    for (const [field, value] of Object.entries(metrics)) {
      this.pendingMetrics.push({ step, name: field, value, tokens: r.tokens });
      this.seen.add(field);
      if (field === name) this.onObjective(step, field, value);
      if (this.tracked.has(field)) this.lastValues[field] = value;
    }
    if (this.tracked.has('tokens') && r.tokens !== undefined && r.tokens !== null && metrics.tokens === undefined) this.lastValues.tokens = r.tokens;
    const reached = trial.stopAt !== null && (study.config.pbt?.unit === 'tokens' ? (r.tokens ?? -1) >= trial.stopAt : step >= trial.stopAt);
    if (r.checkpoint && reached && !this.segmentEnded) {
      // a trainer that does not honour SCALETUNE_STOP_AT_STEP is stopped at its first checkpoint there
      this.segmentEnded = true;
      setImmediate(() => this.handle.stop(`segment end at step ${step}`));
    }
    if (r.checkpoint) {
      const cp = path.resolve(this.trialDir, r.checkpoint);
      this.writes = this.writes.then(() => storage.setCheckpoint(trial.id, cp)).catch((e: Error) => this.keepError(e));
      // a cooldown run's checkpoints are where its branches start: each one kept with the tokens it had seen
      if (this.harvest?.kind === 'cooldown') {
        const detail = { path: cp, step, tokens: r.tokens ?? null };
        this.writes = this.writes.then(() => storage.logEvent(study.id, trial.id, 'trainer', 'harvest_checkpoint', detail)).then(() => undefined).catch((e: Error) => this.keepError(e));
      }
    }
    this.scheduleFlush();
    this.o.onReport?.(trial, { step, tokens: r.tokens, metrics, totalSteps: r.totalSteps });
  }

  /** The study's metric printed as a boolean or a string: the trainer reports something else, so it is stopped at once. */
  private onNotANumber(step: number, name: string, v: boolean | string): void {
    if (this.badMetric) return;
    this.badMetric = `metric '${name}' was ${printed(v)} (a ${typeof v}) at step ${step}; allowed: a number`;
    this.handle.stop(this.badMetric);
  }

  /** A step that cannot be stored as given; the report is kept, and the log says where it went. */
  private noteBadStep(why: string, step: number): void {
    if (this.badStepNoted) return;
    this.badStepNoted = true;
    this.pendingLogs.push({ stream: 'scaletune', line: `${why}; the report is stored at step ${step}, the previous step + 1 (noted once per trial)` });
  }

  /** A value of the study's metric: a divergence stops the run at once; else the scheduler may stop it. */
  private onObjective(step: number, name: string, value: number): void {
    this.objectiveSeen = true;
    this.objective = value;
    if (!Number.isFinite(value) && !this.badMetric) {
      this.badMetric = `metric '${name}' was ${value} at step ${step} (the run diverged)`;
      this.handle.stop(this.badMetric);
      return;
    }
    const scheduler = this.o.scheduler;
    if (!scheduler?.watchesReports) return;
    this.curve.push({ step, value });
    const snapshot = this.curve.slice();
    const { storage, study, trial } = this.o;
    this.decisions = this.decisions
      .then(async () => {
        if (this.pruned || this.badMetric) return;
        const d = await scheduler.onReport(trial, snapshot);
        if (!d || this.pruned) return;
        this.pruned = d.reason;
        // the step it was stopped at: later reports (sent before the stop landed) do not count at later rungs
        await storage.logEvent(study.id, trial.id, trial.worker ?? 'scaletune', 'trial_pruned', { step: snapshot.at(-1)!.step, rung: d.decision.rung, value: d.decision.value, cutoff: d.decision.cutoff, compared: d.decision.compared, reason: d.reason });
        this.handle.stop(d.reason);
      })
      .catch((e: Error) => this.keepError(e));
  }

  private onLog(stream: 'stdout' | 'stderr', line: string): void {
    if (this.logCount < this.maxLog) {
      this.logCount++;
      this.pendingLogs.push({ stream, line });
      this.scheduleFlush();
      return;
    }
    this.dropped++;
    this.lastLines.push({ stream, line });
    if (this.lastLines.length > this.keepLast) this.lastLines.shift();
  }

  /** Wait for the trainer and for every write, then decide the trial's state. */
  private async finish(): Promise<TrialResult> {
    const { storage, trial } = this.o;
    const outcome = await this.handle.done;
    this.flush();
    if (this.dropped > 0) {
      const shown = this.lastLines.length;
      this.pendingLogs.push({ stream: 'scaletune', line: `[... ${this.dropped - shown} log lines not stored (limit ${this.maxLog} per trial); the last ${shown} follow ...]` });
      this.pendingLogs.push(...this.lastLines);
      this.flush();
    }
    await this.decisions;
    await this.writes;
    if (this.writeError) throw this.writeError;
    if (this.pruned) return { kind: 'finished', trial: await storage.finishTrial(trial.id, { state: 'PRUNED', value: this.objective, error: this.pruned }) };
    if (outcome.stopped && !this.badMetric && !(this.segmentEnded && outcome.stopped.startsWith('segment end'))) return { kind: 'interrupted', trial, reason: outcome.stopped };
    if (await this.stoppedFromOutside(outcome)) return { kind: 'interrupted', trial, reason: `the trainer got ${outcome.signal} with this process (interrupted)` };
    let error = await this.failure(outcome);
    const settled = error || this.tracked.size === 0 ? null : await this.settle();
    error ??= settled?.missing ?? null;
    const state = error ? 'FAIL' : 'COMPLETE';
    const named = settled ? { values: settled.values, infeasible: state === 'COMPLETE' ? settled.infeasible : null } : {};
    if (state === 'COMPLETE' && settled?.infeasible) await storage.appendLogs(trial.id, [{ stream: 'scaletune', line: `infeasible: ${settled.infeasible}` }]);
    return { kind: 'finished', trial: await storage.finishTrial(trial.id, { state, value: state === 'COMPLETE' ? this.objective : null, error, ...named }) };
  }

  /** The tracked metrics' last values, those not reported since a resume carried from the runs this one re-runs. */
  private async settle(): Promise<SettledValues> {
    const { storage, study, trial } = this.o;
    const last: Record<string, number | null> = { ...this.lastValues };
    if (trial.resumeFrom) {
      for (const name of this.tracked) {
        if (last[name] !== undefined) continue;
        const carried = await lastValueBeforeRestart(storage, study.id, trial, name);
        if (carried) last[name] = carried.value;
      }
    }
    return settleValues(study.config, last);
  }

  /**
   * A scheduler that ends a job (Slurm's scancel, a preemption) signals every process of it at once:
   * the trainer may die of the signal before this process has handled its own. A trainer killed by
   * SIGTERM, SIGINT or SIGHUP while the study run is stopping, or within a moment of it, was stopped
   * with the run — its trial is re-queued, not failed.
   */
  private async stoppedFromOutside(outcome: RunOutcome): Promise<boolean> {
    const signal = this.o.signal;
    if (!signal || this.badMetric || !outcome.signal || !['SIGTERM', 'SIGINT', 'SIGHUP'].includes(outcome.signal)) return false;
    if (!signal.aborted) await new Promise((r) => setTimeout(r, OUTSIDE_STOP_GRACE_MS));
    return signal.aborted;
  }

  /** Why the trial failed, or null when it is complete. */
  private async failure(outcome: RunOutcome): Promise<string | null> {
    const { storage, study, trial } = this.o;
    const metric = this.metric;
    const error = this.badMetric ?? (this.segmentEnded && outcome.stopped ? null : failureReason(outcome, study.config.timeoutMs));
    if (error || !metric) return error;
    if (!this.objectiveSeen && trial.resumeFrom) {
      // Resumed from a checkpoint with nothing left to train (it was killed after its last step): the
      // value is the one reported before the restart.
      const carried = await lastValueBeforeRestart(storage, study.id, trial, metric.name);
      if (carried) {
        this.objectiveSeen = true;
        this.objective = carried.value;
        await storage.appendLogs(trial.id, [
          { stream: 'scaletune', line: `no new '${metric.name}' after resuming from ${trial.resumeFrom}; using ${carried.value} reported by trial ${carried.number} at step ${carried.step}` },
        ]);
      }
    }
    if (!this.objectiveSeen) {
      const others = [...this.seen];
      // in pattern mode the user needs to know what was looked for, not only what was found
      const source = study.config.metrics ? `; metrics are read from ${describeMetricsSource(study.config.metrics)}` : '';
      return `the trainer exited without reporting metric '${metric.name}'${others.length ? ` (it reported: ${others.slice(0, 10).join(', ')}${others.length > 10 ? `, and ${others.length - 10} more` : ''}${source})` : source ? ` (no report it printed held a metric${source})` : ' (it printed no JSON report)'}`;
    }
    if (this.objective !== null && !Number.isFinite(this.objective)) return `metric '${metric.name}' ended as ${this.objective}`;
    return null;
  }
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
