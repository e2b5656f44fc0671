/**
 * The scale-ladder pipeline, pure (no storage, no I/O): trials and config in, summaries out. Per-scale
 * optimum → choice of laws and their fits → target prediction → backtest; verify plans and results.
 */
export { backtestLadder, largestScale } from './backtest.js';
export { allocateRuns, BUDGET_MIN_RUNS, leastBudget, runCost, scaleSettled, SETTLE_GAIN, SETTLE_SHIFT, SETTLE_WINDOW } from './budget.js';
export { chooseInputs, chooseLossLaw, fitLaws, lawRow, type LawRow, type LawSet } from './laws.js';
export { scaleOptimum } from './optimum.js';
export { predictLadder, predictLaw } from './predict.js';
export { ladderProgress, type ScaleProgress } from './progress.js';
export { inSearch, ladderOrder, scaleRecord } from './scales.js';
export { ladderMetricNames, summarizeLadder, type LadderInput } from './summary.js';
export { branchOf, harvestPlan, HARVEST_DEFAULTS, type HarvestConfig, type HarvestPlan } from './harvest.js';
export { earlierScales, planTransfer, transferActive, TRANSFER_MIN_SPAN, type TransferMode, type TransferPlan } from './transfer.js';
export type { LadderBacktest, LadderPrediction, LadderRun, LadderSummary, LawSummary, Predicted, ScaleOptimum, ScaleSummary } from './types.js';
export { planVerify, verifyResults, type VerifyAt, type VerifyPlan, type VerifyResult } from './verify-plan.js';
