/**
 * The searcher contract: decide what to try next from the history only. A searcher never touches
 * storage or processes; any state it needs is derived from the history (or, later, kept as study
 * attributes by the caller), so every searcher works across processes and after a resume.
 */
import type { Params, SearchSpace } from '../src/core/distributions.js';
import type { ConstraintConfig, CostConfig, MetricConfig, Trial } from '../src/core/trial.js';

export interface SearcherContext {
  space: SearchSpace;
  seed: number;
  /** absent when the study has no metric (grid/random that only record) */
  goal?: 'minimize' | 'maximize';
  /** options of method bayes (the config's `bayes:` block) */
  bayes?: import('./bayes.js').BayesOptions;
  /** completed trials of another study to learn from (warm start), loaded by the caller */
  prior?: readonly HistoryTrial[];
  /** two or more objectives (a list `metric:`): proposals seek the Pareto front; `goal` is then the first's */
  objectives?: readonly MetricConfig[];
  /** bounds on reported metrics: proposals seek configurations likely to keep them */
  constraints?: readonly ConstraintConfig[];
  /** what a run costs: proposals seek improvement per unit of it (method bayes) */
  cost?: CostConfig;
  /** the study's run_cap: how far cost-aware proposals are into their budget */
  runCap?: number;
}

export interface Proposal {
  params: Params;
}

/** What a searcher reads of a trial; the named values, feasibility and times only matter to studies that name several metrics or a cost. */
export type HistoryTrial = Pick<Trial, 'number' | 'state' | 'params' | 'value'> & Partial<Pick<Trial, 'values' | 'infeasible' | 'startedAt' | 'finishedAt'>>;

export interface Searcher {
  /**
   * Called whenever a worker slot is free, with every trial of the study so far (running and waiting
   * ones included). Returns at most n proposals; fewer (possibly none) means the space is exhausted.
   * The same seed and history give the same proposals.
   */
  suggest(history: readonly HistoryTrial[], n: number): Proposal[];
}
