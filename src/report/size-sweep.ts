/**
 * What a learning-rate sweep at several model sizes says: the best learning rate per size (a quadratic in
 * log lr around the minimum, or the plain argmin when the sweep did not bracket it, said so), then
 * lr*(N) = a·N^b and loss(N) = E + A·N^−alpha fitted across sizes, with bootstrap intervals, and both
 * predicted for a larger model. Pure data for the CLI and the reports.
 */
import { FitError, type FitResult } from '../../fitters/types.js';
import { argmin, quadraticOptimum } from '../../fitters/optimum.js';
import { fitPower, fitPowerOffset } from '../../fitters/power.js';
import { predictWithInterval } from '../../fitters/laws.js';

export interface SizeRun {
  /** non-embedding parameters */
  N: number;
  lr: number;
  loss: number;
}

export interface SizeOptimum {
  N: number;
  runs: number;
  /** best learning rate: the quadratic's vertex when bracketed, else the argmin */
  lr: number;
  bracketed: boolean;
  bestLoss: number;
  bestLr: number;
}

export interface LawPrediction {
  fit: FitResult;
  value: number;
  interval: [number, number] | null;
}

export interface SizeSweepSummary {
  sizes: SizeOptimum[];
  targetN: number;
  lr: LawPrediction | null;
  loss: LawPrediction | null;
  /** why a law was not fitted, or what to watch */
  notes: string[];
}

export function summarizeSizeSweep(runs: readonly SizeRun[], opts: { factor?: number; seed?: number; resamples?: number } = {}): SizeSweepSummary {
  const factor = opts.factor ?? 4;
  const notes: string[] = [];
  const byN = new Map<number, SizeRun[]>();
  for (const r of runs) if (Number.isFinite(r.loss)) byN.set(r.N, [...(byN.get(r.N) ?? []), r]);
  const sizes: SizeOptimum[] = [...byN.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([N, rs]) => {
      const best = argmin(rs);
      let lr = best.lr;
      let bracketed = false;
      try {
        lr = quadraticOptimum(rs.map((r) => ({ lr: r.lr, loss: r.loss }))).lr;
        bracketed = true;
      } catch (e) {
        if (!(e instanceof FitError)) throw e;
        notes.push(`N=${N}: ${e.message}`);
      }
      return { N, runs: rs.length, lr, bracketed, bestLoss: best.loss, bestLr: best.lr };
    });
  const targetN = (sizes.at(-1)?.N ?? 0) * factor;
  const boot = { count: opts.resamples ?? 400, seed: opts.seed ?? 0 };
  const predict = (law: 'power' | 'power-offset', fit: FitResult, y: string): LawPrediction => {
    const p = predictWithInterval(law, fit, { N: targetN }, { x: ['N'], y });
    return { fit, value: p.value[y]!, interval: p.interval[y] ?? null };
  };
  let lr: LawPrediction | null = null;
  let loss: LawPrediction | null = null;
  if (sizes.length >= 2) {
    try {
      lr = predict('power', fitPower(sizes.map((s) => ({ x: { N: s.N }, y: s.lr })), ['N'], { bootstrap: boot }), 'lr');
    } catch (e) {
      notes.push(`lr*(N): ${(e as Error).message}`);
    }
  } else notes.push('lr*(N): one model size; a law needs at least two');
  if (sizes.length >= 3) {
    try {
      loss = predict('power-offset', fitPowerOffset(sizes.map((s) => ({ x: { N: s.N }, y: s.bestLoss })), 'N', { bootstrap: boot }), 'loss');
    } catch (e) {
      notes.push(`loss(N): ${(e as Error).message}`);
    }
  } else notes.push('loss(N): fewer than three model sizes; E + A·N^-alpha needs three');
  return { sizes, targetN, lr, loss, notes };
}
