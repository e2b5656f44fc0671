/**
 * What a running study tells whoever watches it (the ink dashboard, plain lines, tests): the run loop
 * calls it; the watchers in this folder render it.
 */
import type { Trial } from '../core/trial.js';
import type { StudyRecord } from '../storage/types.js';

export interface StudyStart {
  study: StudyRecord;
  runCap: number | null;
  parallel: number;
  /** trials already finished when this run began (a resume) */
  finishedBefore: Trial[];
}

export interface LiveReport {
  step: number;
  tokens: number | null;
  metrics: Record<string, number>;
  totalSteps: number | null;
}

export interface StudyEnd {
  study: StudyRecord;
  trials: Trial[];
  best: Trial | null;
  interrupted: boolean;
  reason: 'run_cap' | 'exhausted' | 'target' | 'interrupted' | 'no_more_work';
}

export interface Reporter {
  studyStarted(s: StudyStart): void;
  trialStarted(t: Trial): void;
  trialReport(t: Trial, r: LiveReport): void;
  trialFinished(t: Trial, best: Trial | null): void;
  /** a trial whose runner died or was interrupted was re-queued as `copy` */
  trialRequeued(stale: Trial, copy: Trial): void;
  warn(message: string): void;
  studyFinished(e: StudyEnd): void;
  /** flush and release the terminal */
  close(): Promise<void>;
}

export const silentReporter: Reporter = {
  studyStarted() {},
  trialStarted() {},
  trialReport() {},
  trialFinished() {},
  trialRequeued() {},
  warn() {},
  studyFinished() {},
  async close() {},
};
