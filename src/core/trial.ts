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
