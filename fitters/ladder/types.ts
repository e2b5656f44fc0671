/**
 * What the ladder pipeline produces: plain data that the terminal, the reports, the live view and the
 * CI gate render (and JSON reports carry), so that none of them computes the ladder again.
 */
import type { FitResult } from '../types.js';

export interface LadderRun {
  trial: number;
  lr: number;
  batch: number | null;
  loss: number;
}

/** A scale's optimum: interpolated from its runs, else its best run (with the reason in `note`). */
export interface ScaleOptimum {
  lr: number;
  batch: number | null;
  loss: number;
  method: 'interpolated' | 'best-run';
  note?: string;
  /** a best run at the end of the learning rates swept: the true optimum lies beyond it */
  edge?: 'smallest' | 'largest';
}

export interface ScaleSummary {
  name: string;
  /** non-embedding parameters: declared, or the runs' `params` metric */
  N: number | null;
  D: number;
  runs: LadderRun[];
  /** trials of the scale's search in every state, and its budget (null: until the grid ends) */
  trials: number;
  budget: number | null;
  done: boolean;
  failed: number;
  best: LadderRun | null;
  /** the interpolated optimum (quadratic vertex), else the best run's */
  optimum: ScaleOptimum | null;
  /** FLOPs its finished runs spent (a harvesting run's branches included): each run's reported `flops`, else 6·N·D; null while N is unknown */
  compute: number | null;
  /** a harvested budget's point (fitters/ladder/harvest.ts): the scale it was measured at, and the fraction of its tokens */
  harvest?: { scale: string; budget: number };
}

export interface LawSummary {
  /** what it predicts */
  y: 'lr' | 'batch' | 'loss';
  law: 'power' | 'power-offset' | 'chinchilla';
  /** inputs (N, D) */
  x: string[];
  formula: string;
  chosen: 'declared' | 'auto';
  why: string;
  params: Record<string, number>;
  intervals: Record<string, [number, number]>;
  residuals: FitResult['residuals'];
  /** bootstrap or t draws of the parameters (kept out of JSON reports) */
  samples?: Record<string, number>[];
  /**
   * a loss law's constants the scales do not determine: fitted at (or their interval reaching down to)
   * their bound of 0, so that no value of theirs is a measurement
   */
  undetermined?: string[];
}

export interface Predicted {
  value: number;
  interval: [number, number] | null;
}

/** What the laws predict at one (N, D); null where that law was not fitted. */
export interface LadderPrediction {
  lr: Predicted | null;
  batch: Predicted | null;
  loss: Predicted | null;
}

export interface LadderBacktest {
  scale: string;
  N: number;
  D: number;
  lr: { predicted: Predicted; measured: number } | null;
  batch: { predicted: Predicted; measured: number } | null;
  loss: { predicted: Predicted; measured: number } | null;
  /**
   * loss of the run nearest the predicted hyperparameters against the scale's best run; how far that run
   * lies from the prediction (its lr over the predicted), and whether it is the best run itself (then the
   * gap says nothing of the prediction)
   */
  lossGap: { run: number; loss: number; gap: number; lrRatio: number; isBest: boolean } | null;
  /** the loss law was chosen by this backtest (loss-choice.ts), so its loss line does not test it */
  lossChosen?: boolean;
}

export interface LadderSummary {
  metric: string;
  lrParam: string;
  batchParam: string | null;
  scales: ScaleSummary[];
  target: { name: string; N: number; D: number } | null;
  laws: { lr: LawSummary | null; batch: LawSummary | null; loss: LawSummary | null };
  prediction: LadderPrediction | null;
  backtest: LadderBacktest | null;
  /** with `harvest`: the optimum at every budget of every scale, which the laws are fitted to (absent without) */
  points?: ScaleSummary[];
  notes: string[];
  /** what makes the prediction less trustworthy than its intervals say: laws leaning on edge optima, a target the laws cannot see */
  warnings: string[];
}
