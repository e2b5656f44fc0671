/**
 * The one seam between the run loop and what a study's method decides: which trial runs next, what
 * happens at a running trial's reports, and what follows when a trial ends. src/registry/schedulers.ts
 * picks the implementation (searcher-driven, population-based, ladder); run-study.ts never asks which.
 */
import type { CurvePoint, StopDecision } from '../../schedulers/stopping.js';
import { runBudget } from '../core/distributions.js';
import type { Trial } from '../core/trial.js';
import type { Storage, StudyRecord } from '../storage/types.js';
import { claimNext, type ClaimSearcher } from './claim.js';
import { stopperFor, type Stopper } from './stopping.js';

/** Why a scheduler has no more work; 'contended' when other processes sharing the study kept taking the last slots. */
export type DoneReason = 'run_cap' | 'exhausted' | 'contended';

export type SchedulerClaim = Trial | 'wait' | { done: DoneReason };

export interface Scheduler {
  /** the study's budget in runs as the user should see it, or null where it is not known in advance */
  readonly shownCap: number | null;
  /** said once before the first claim (e.g. a run_cap that this scheduler does not use) */
  readonly startNotes: readonly string[];
  /**
   * Called whenever a slot is free: a trial claimed RUNNING for `worker` (a waiting one first), 'wait'
   * when work may come once running trials end, or `{done}` when the study has no more work.
   */
  claim(worker: string): Promise<SchedulerClaim>;
  /** false when onReport never stops a trial (the study has no early-stopping rule), so runs need not keep curves */
  readonly watchesReports: boolean;
  /** Called at each report of the study's metric with the trial's curve so far; a verdict when it must stop now. */
  onReport(trial: Trial, points: readonly CurvePoint[]): Promise<{ reason: string; decision: StopDecision } | null>;
  /**
   * Called once for every trial that finished (COMPLETE, FAIL or PRUNED), in the order the loop saw
   * them; true when the decision may have queued work, so that a scheduler that said done is asked again.
   */
  onEnd(trial: Trial): Promise<boolean>;
  /** what the scheduler wants said since the last call (emptied by reading) */
  takeNotes(): string[];
  /** how its notes (start notes included) are said: plain information, or warnings of something amiss */
  readonly noteKind: 'note' | 'warning';
  /** set when the study cannot go on: the loop stops running trials (re-queued) and fails with it */
  readonly fatal: string | null;
}

/**
 * What every scheduler shares: early stopping as the study's rule says (or no verdict at all), and
 * nothing to decide or say when a trial ends unless the scheduler overrides it.
 */
export abstract class BaseScheduler {
  private readonly stopper: Stopper | null;
  readonly watchesReports: boolean;
  constructor(storage: Storage, study: StudyRecord) {
    this.stopper = stopperFor(storage, study);
    this.watchesReports = this.stopper !== null;
  }
  async onReport(trial: Trial, points: readonly CurvePoint[]): ReturnType<Scheduler['onReport']> {
    return this.stopper ? this.stopper.decide(trial, points) : null;
  }

  async onEnd(_trial: Trial): Promise<boolean> {
    return false;
  }

  takeNotes(): string[] {
    return [];
  }

  readonly noteKind: 'note' | 'warning' = 'warning';
}

/** A searcher proposes from the history; storage enforces the cap and, for walked grids, uniqueness. */
export class SearchScheduler extends BaseScheduler implements Scheduler {
  readonly shownCap: number | null;
  readonly startNotes: string[] = [];
  readonly fatal = null;

  constructor(
    private readonly storage: Storage,
    private readonly study: StudyRecord,
    private readonly searcher: ClaimSearcher,
    private readonly runCap: number | undefined,
    private readonly unique: boolean,
  ) {
    super(storage, study);
    this.shownCap = runBudget(study.config.parameters, runCap, unique);
    if (runCap === undefined && !unique) this.startNotes.push(`no run_cap: method ${study.config.method} proposes runs until stopped (Ctrl-C); set run_cap in the config or pass --run-cap`);
  }

  async claim(worker: string): Promise<SchedulerClaim> {
    const c = await claimNext(this.storage, this.study, this.searcher, worker, this.runCap, this.unique);
    return c.trial ?? { done: c.reason };
  }
}
