/** How a run of a study ended, as data, and the one mapping from that to the CLI's exit code. */
import { EXIT } from '../core/errors.js';
import { TRIAL_STATES, type Trial, type TrialState } from '../core/trial.js';
import type { StudyEnd } from '../report/reporter.js';
import type { SlurmOutcome } from '../orchestrator/slurm.js';
import type { LadderSummary, VerifyResult } from '../../fitters/ladder/index.js';

export interface StudyOutcome extends StudyEnd {
  /** every trial of the study by state, this run's and earlier ones' */
  counts: Record<TrialState, number>;
  /** a scale ladder run to its end: its summary and verify runs, and why its verify run could not be planned, if so */
  ladder?: { summary: LadderSummary; verify: VerifyResult[]; verifyError?: string };
  /** executor slurm: the worker jobs submitted, and those lost */
  slurm?: Omit<SlurmOutcome, 'interrupted'>;
}

export function countByState(trials: readonly Trial[]): Record<TrialState, number> {
  const counts = Object.fromEntries(TRIAL_STATES.map((s) => [s, 0])) as Record<TrialState, number>;
  for (const t of trials) counts[t.state]++;
  return counts;
}

export function outcomeOf(end: StudyEnd, slurm?: SlurmOutcome): StudyOutcome {
  const counts = countByState(end.trials);
  if (!slurm) return { ...end, counts };
  const { interrupted: _, ...jobs } = slurm;
  return { ...end, counts, slurm: jobs };
}

/** The exit code of a run: local and Slurm runs end through here, so that scripts read both alike. */
export function exitCodeOf(o: Pick<StudyOutcome, 'interrupted' | 'counts'> & Partial<Pick<StudyOutcome, 'trials'>>): number {
  if (o.interrupted) return EXIT.INTERRUPTED;
  // a trial that broke a constraint gave nothing usable: when none kept them, the run is a failure too
  const usable = o.trials ? o.trials.filter((t) => t.state === 'COMPLETE' && !t.infeasible).length : o.counts.COMPLETE;
  return usable === 0 && (o.counts.FAIL > 0 || o.counts.COMPLETE > 0) ? EXIT.ALL_FAILED : EXIT.OK;
}
