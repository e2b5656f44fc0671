/** The ladder's laws evaluated at any (N, D), with intervals from their parameter draws. */
import { predictWithInterval } from '../laws.js';
import type { LadderPrediction, LadderSummary, LawSummary, Predicted } from './types.js';

export function predictLaw(l: LawSummary, N: number, D: number): Predicted {
  // a summary keeps the fit's parameters and draws, which is all a prediction reads
  const p = predictWithInterval(l.law, l, { N, D }, { x: l.x, y: l.y });
  return { value: p.value[l.y]!, interval: p.interval[l.y] ?? null };
}

/** Predict the laws of a summary at any (N, D) — for the target, verify runs and charts. */
export function predictLadder(summary: Pick<LadderSummary, 'laws'>, N: number, D: number): LadderPrediction {
  const at = (l: LawSummary | null): Predicted | null => (l ? predictLaw(l, N, D) : null);
  return { lr: at(summary.laws.lr), batch: at(summary.laws.batch), loss: at(summary.laws.loss) };
}
