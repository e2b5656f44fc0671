/**
 * How a proxy run is executed. A backend starts one run and streams what the trainer reports; deciding
 * what the run's outcome means (value, FAIL reason) is the orchestrator's job (run-trial.ts).
 */
import type { Params } from '../core/distributions.js';
import type { StudyRecord } from '../storage/types.js';
import type { Trial } from '../core/trial.js';
import type { HarvestPlan } from '../../fitters/ladder/harvest.js';

/** One report from the trainer: `{"step": 100, "tokens": 409600, "loss": 3.21}`. */
export interface Report {
  step: number | null;
  tokens: number | null;
  /** numeric fields other than the reserved ones; nested objects flattened with `/` */
  metrics: Record<string, number>;
  /** a checkpoint the trainer just saved */
  checkpoint: string | null;
  /** total steps the run will take, when the trainer says (drives progress bars) */
  totalSteps: number | null;
  /**
   * Fields printed as a boolean or a string, as printed (present only when there are some). Booleans are
   * in `metrics` too, as 1/0 (flags, e.g. for constraints); the orchestrator refuses either as a value of
   * the study's metric.
   */
  nonNumeric?: Record<string, boolean | string>;
  /** why the printed `step` was not used (then `step` is null), for the trial's log */
  badStep?: string;
}

export interface RunRequest {
  study: StudyRecord;
  trial: Trial;
  params: Params;
  /** the trial's own folder (parameter file, checkpoints) */
  trialDir: string;
  checkpointDir: string;
  /** checkpoint to continue from (SCALETUNE_RESUME_FROM) */
  resumeFrom: string | null;
  /** train to this step, save a checkpoint there and end (a PBT segment; SCALETUNE_STOP_AT_STEP) */
  stopAt?: number | null;
  /** what stopAt counts: steps (default), or tokens seen (SCALETUNE_STOP_AT_TOKENS) */
  stopUnit?: 'steps' | 'tokens';
  timeoutMs?: number;
  /** a harvesting ladder's instructions for this run (fitters/ladder/harvest.ts): what to decay, where to checkpoint, what to report */
  harvest?: HarvestPlan | null;
  /** variables the orchestrator sets for this run on top of the trainer's own (CUDA_VISIBLE_DEVICES for its GPUs) */
  env?: Record<string, string>;
}

export interface RunEvents {
  /** a parsed JSON line, or what the study's metrics patterns read from a line */
  onReport(report: Report): void;
  /** a line of output that is not a JSON report (a redrawn line: its last state) */
  onLog(stream: 'stdout' | 'stderr', line: string): void;
  /** scaletune's own remark on the trainer's output (a line a pattern matched but could not read), for the trial's log */
  onNote?(line: string): void;
  /** the trainer's process started */
  onStart?(pid: number): void;
}

export interface RunOutcome {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  /** set when stop() ended the run, with its reason */
  stopped: string | null;
  /** could not be started at all (program missing, not executable) */
  spawnError: string | null;
  /** the last lines of stderr, for error messages */
  stderrTail: string;
  /** why the run failed, in the backend's own words (in-process backends), when it did */
  failure?: string | null;
}

export interface RunHandle {
  readonly done: Promise<RunOutcome>;
  /** End the run (SIGTERM to its process group, SIGKILL after a grace period). */
  stop(reason: string): void;
}

export interface Backend {
  start(req: RunRequest, events: RunEvents): RunHandle;
}
