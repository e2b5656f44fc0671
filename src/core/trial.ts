/** Trials and their states. A finished trial is frozen: storage refuses to update it. */
import type { Params } from './distributions.js';

export const TRIAL_STATES = ['WAITING', 'RUNNING', 'COMPLETE', 'PRUNED', 'FAIL', 'STALE'] as const;
export type TrialState = (typeof TRIAL_STATES)[number];

export function isFinished(state: TrialState): boolean {
  return state === 'COMPLETE' || state === 'PRUNED' || state === 'FAIL' || state === 'STALE';
}

/** Counted against run_cap: every trial except those that were abandoned and re-queued. */
export function countsTowardCap(state: TrialState): boolean {
  return state !== 'STALE';
}

/** The value a study optimises: the metric's name as the trainer prints it, its direction, and a target that ends the study early. */
export interface MetricConfig {
  name: string;
  goal: 'minimize' | 'maximize';
  target?: number;
}

/** A bound on a metric the trainer reports (`constraints:`): its last value must lie within it, or the trial is infeasible. */
export interface ConstraintConfig {
  name: string;
  min?: number;
  max?: number;
}

/**
 * What a run costs, for cost-aware proposals (`cost:`): `flops` (the run's reported `flops`, else 6·N·D
 * from its `params` and `tokens`), `time` (its wall-clock seconds), or the last value of a metric it reports.
 */
export type CostConfig = { kind: 'flops' } | { kind: 'time' } | { kind: 'metric'; name: string };

export interface Trial {
  id: number;
  studyId: number;
  /** 0-based, unique within the study, in order of creation */
  number: number;
  state: TrialState;
  params: Params;
  /** the proxy scale this trial runs at (scale ladders); null for single-scale studies */
  scale: Record<string, unknown> | null;
  value: number | null;
  worker: string | null;
  heartbeatAt: number | null;
  /** process id of the trainer (its process group), while running */
  pid: number | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  error: string | null;
  /** the trial this one re-runs (after STALE) */
  retryOf: number | null;
  /** the latest checkpoint the trainer announced */
  checkpoint: string | null;
  /** checkpoint this trial must start from (SCALETUNE_RESUME_FROM) */
  resumeFrom: string | null;
  /** population-based training: the member this trial is a segment of */
  member: number | null;
  /** the step this trial trains to (a PBT segment's end; SCALETUNE_STOP_AT_STEP) */
  stopAt: number | null;
  /**
   * the last reported value of each objective, constraint and cost metric of a multi-objective,
   * constrained or cost-aware study, by name (null: never reported); null for other studies
   */
  values: Record<string, number | null> | null;
  /** why a COMPLETE trial breaks a constraint (then it is never a study's best); null when it does not */
  infeasible: string | null;
}

/**
 * The checkpoint a finished segment leaves: the one it announced, or — for a re-queued copy that had
 * nothing left to train (its predecessor was killed after saving at the boundary) — the one it started from.
 */
export function segmentCheckpoint(t: Trial): string | null {
  return t.checkpoint ?? (t.retryOf !== null ? t.resumeFrom : null);
}

/** What a ladder trial stores as its scale (and a command trainer reads from SCALETUNE_SCALE). */
export interface ScaleRecord {
  name: string;
  index: number;
  params?: number;
  tokens: number;
  model: Record<string, unknown>;
  /**
   * `verify`: the one run with predicted hyperparameters; `branch`: a harvesting run's decay from one of
   * its checkpoints to a smaller budget (fitters/ladder/harvest.ts) — both outside the scale's search
   */
  role?: 'verify' | 'branch';
  /** the scale it verifies at, when that is the target */
  target?: boolean;
}

/** A ladder's verify run: one run with predicted hyperparameters, outside every scale's search (not a study's best, not a fit's input). */
export function isVerifyRun(t: Pick<Trial, 'scale'>): boolean {
  return t.scale?.role === 'verify';
}

/** A ladder trial that is no configuration of a scale's search: a verify run or a harvesting branch (never a study's best, nor counted against a run_cap). */
export function outsideSearch(t: Pick<Trial, 'scale'>): boolean {
  return t.scale?.role !== undefined && t.scale?.role !== null;
}

/** One exploit (or replacement, or retry) of population-based training, with what was known then. */
export interface LineageEntry {
  id: number;
  studyId: number;
  member: number;
  /** the member's step when it happened */
  step: number;
  kind: 'exploit' | 'replace' | 'retry';
  /** the member whose checkpoint it continues from (null for a retry from its own) */
  donor: number | null;
  donorStep: number | null;
  paramsBefore: Params;
  paramsAfter: Params;
  /** every member's latest score at that moment (member number → score) */
  scores: Record<string, number | null>;
  /** the segment that ended, and the one queued after it */
  trialId: number | null;
  nextTrialId: number | null;
  at: number;
}

export interface Metric {
  trialId: number;
  step: number;
  name: string;
  value: number | null;
  tokens: number | null;
  at: number;
}

export interface LogLine {
  trialId: number;
  seq: number;
  stream: 'stdout' | 'stderr' | 'scaletune';
  line: string;
  at: number;
}

export interface StudyEvent {
  id: number;
  studyId: number;
  trialId: number | null;
  at: number;
  who: string;
  kind: string;
  detail: Record<string, unknown> | null;
}
