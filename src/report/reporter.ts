/**
 * What a running study tells whoever watches it (the ink live view, plain lines, tests): the run loop
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
  /** this run trains a ladder's verify run, after its search (not a resume of the search) */
  verify?: boolean;
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
  /** Called once, before the first trial of this run is claimed (after stale trials were re-queued). */
  studyStarted(s: StudyStart): void;
  /** Called when a claimed trial is launched; its trainer may not have started yet. */
  trialStarted(t: Trial): void;
  /** Called for every report of a running trial, in the order the trainer printed them; may be many per second. */
  trialReport(t: Trial, r: LiveReport): void;
  /** Called once per trial that ended COMPLETE, FAIL or PRUNED, after storage has it; `best` includes it. */
  trialFinished(t: Trial, best: Trial | null): void;
  /** Called when a trial whose runner died or was interrupted was re-queued as `copy`. */
  trialRequeued(stale: Trial, copy: Trial): void;
  /** Called with something the user should read (a budget not used, a member left out); never for a trial's own failure. */
  warn(message: string): void;
  /** information on how the study proceeds (what a ladder's transfer planned), not a warning */
  note(message: string): void;
  /** Called once when the run ends, interrupted or not; not when it fails. */
  studyFinished(e: StudyEnd): void;
  /** Called last: flush and release the terminal. */
  close(): Promise<void>;
}

export const silentReporter: Reporter = {
  studyStarted() {},
  trialStarted() {},
  trialReport() {},
  trialFinished() {},
  trialRequeued() {},
  warn() {},
  note() {},
  studyFinished() {},
  async close() {},
};
