/**
 * Step Law (Li et al. 2025): lr*(N, D) = a·N^alpha·D^beta and B*(D) = b·D^gamma (B in tokens).
 * Procedure: per (N, D) cell keep every run within `tolerance` of the cell's best loss; least squares of
 * log lr on [log N, log D] and of log B on [log D]; bootstrap resamples of the kept runs give the
 * intervals (their mean agrees with the point estimate within ~1% here). A learning-rate law is judged by the loss gap at its prediction:
 * the backtest holds back the largest N and reports, per held-back cell, how far the run nearest the
 * predicted (lr, B) is from the cell's best loss.
 */
import { bootstrap, type BootstrapOptions } from './bootstrap.js';
import { olsColumns } from './linear.js';
import { nearOptimalBand } from './optimum.js';
import { FitError, relErrors, requirePositive, type Backtest, type FitResult } from './types.js';

export interface HpRun {
  N: number;
  D: number;
  lr: number;
  /** batch size in tokens */
  batch: number;
  loss: number;
}

export type StepLawParams = { a: number; alpha: number; beta: number; b: number; gamma: number };

export interface StepLawOptions {
  /** relative band around each cell's best loss (default 0.0025) */
  tolerance?: number;
  bootstrap?: BootstrapOptions;
  /** hold back this N for the backtest (default the largest; null for none) */
  holdOutN?: number | null;
}

export function predictStepLaw(p: StepLawParams, N: number, D: number): { lr: number; batch: number } {
  return { lr: p.a * N ** p.alpha * D ** p.beta, batch: p.b * D ** p.gamma };
}

const cellKey = (r: HpRun): string => `${r.N}|${r.D}`;

function band(runs: readonly HpRun[], tolerance: number): HpRun[] {
  const cells = new Map<string, HpRun[]>();
  for (const r of runs) cells.set(cellKey(r), [...(cells.get(cellKey(r)) ?? []), r]);
  return [...cells.values()].flatMap((c) => nearOptimalBand(c, tolerance));
}

/** Log columns of the kept runs, computed once for the fit and all its bootstrap refits. */
function logColumns(rows: readonly HpRun[]): { lN: Float64Array; lD: Float64Array; lLr: Float64Array; lB: Float64Array } {
  return {
    lN: Float64Array.from(rows, (r) => Math.log(r.N)),
    lD: Float64Array.from(rows, (r) => Math.log(r.D)),
    lLr: Float64Array.from(rows, (r) => Math.log(r.lr)),
    lB: Float64Array.from(rows, (r) => Math.log(r.batch)),
  };
}

function coreLogs(c: ReturnType<typeof logColumns>, idx: number[] | null): StepLawParams {
  const lr = olsColumns([c.lN, c.lD], c.lLr, idx, ['N', 'D']);
  const bs = olsColumns([c.lD], c.lB, idx, ['D']);
  return { a: Math.exp(lr[0]!), alpha: lr[1]!, beta: lr[2]!, b: Math.exp(bs[0]!), gamma: bs[1]! };
}

const core = (rows: readonly HpRun[]): StepLawParams => coreLogs(logColumns(rows), null);

/** Point estimate on the band; bootstrap resamples of the band give the intervals. */
function estimate(kept: readonly HpRun[], bopts: BootstrapOptions): { params: StepLawParams; intervals: Record<string, [number, number]>; samples?: Record<string, number>[] } {
  const logs = logColumns(kept);
  const params = coreLogs(logs, null);
  if ((bopts.count ?? 1000) <= 0) return { params, intervals: {} };
  const boot = bootstrap(kept.length, (idx) => coreLogs(logs, idx), bopts);
  return { params, intervals: boot.intervals, samples: boot.samples };
}

export function fitStepLaw(runs: readonly HpRun[], opts: StepLawOptions = {}): FitResult & { params: StepLawParams } {
  for (const k of ['N', 'D', 'lr', 'batch', 'loss'] as const) requirePositive(k, runs.map((r) => r[k]));
  const tol = opts.tolerance ?? 0.0025;
  const kept = band(runs, tol);
  if (new Set(kept.map((r) => r.N)).size < 2) throw new FitError('Step Law needs sweeps at two or more model sizes N (alpha cannot be fitted from one)');
  if (new Set(kept.map((r) => r.D)).size < 2) throw new FitError('Step Law needs sweeps at two or more data sizes D (beta and gamma cannot be fitted from one)');
  const bopts = { count: 1000, ...opts.bootstrap };
  const { params, intervals, samples } = estimate(kept, bopts);

  const predLr = kept.map((r) => predictStepLaw(params, r.N, r.D).lr);
  const logRes = kept.map((r, i) => Math.log(predLr[i]!) - Math.log(r.lr));
  const rel = relErrors(predLr, kept.map((r) => r.lr));

  let backtest: Backtest | null = null;
  const holdN = opts.holdOutN === undefined ? Math.max(...runs.map((r) => r.N)) : opts.holdOutN;
  if (holdN !== null) {
    const fitRuns = runs.filter((r) => r.N !== holdN);
    const heldRuns = runs.filter((r) => r.N === holdN);
    const fitKept = band(fitRuns, tol);
    if (heldRuns.length && new Set(fitKept.map((r) => r.N)).size >= 2 && new Set(fitKept.map((r) => r.D)).size >= 2) {
      const p = core(fitKept);
      const cells = new Map<string, HpRun[]>();
      for (const r of heldRuns) cells.set(cellKey(r), [...(cells.get(cellKey(r)) ?? []), r]);
      const extra: Record<string, number> = {};
      const gaps: number[] = [];
      for (const cell of cells.values()) {
        const { N, D } = cell[0]!;
        const pr = predictStepLaw(p, N, D);
        const nearest = cell.reduce((b, r) => {
          const d = (x: HpRun) => (Math.log(x.lr) - Math.log(pr.lr)) ** 2 + (Math.log(x.batch) - Math.log(pr.batch)) ** 2;
          return d(r) < d(b) ? r : b;
        });
        const best = Math.min(...cell.map((r) => r.loss));
        const gap = nearest.loss / best - 1;
        gaps.push(gap);
        extra[`loss_gap_D=${D.toPrecision(3)}`] = gap;
        extra[`lr_pred_D=${D.toPrecision(3)}`] = pr.lr;
        extra[`batch_pred_D=${D.toPrecision(3)}`] = pr.batch;
      }
      backtest = {
        heldOut: `N = ${holdN.toPrecision(3)} (errors are loss gaps: the run nearest the predicted lr and batch against the cell's best)`,
        nFit: fitKept.length,
        nHeldOut: heldRuns.length,
        meanAbsRelError: gaps.reduce((s, g) => s + g, 0) / gaps.length,
        maxAbsRelError: Math.max(...gaps),
        extra,
      };
    }
  }

  return {
    law: 'steplaw',
    nPoints: kept.length,
    params,
    intervals,
    objective: logRes.reduce((s, r) => s + r * r, 0),
    residuals: { rmse: Math.sqrt(logRes.reduce((s, r) => s + r * r, 0) / logRes.length), meanAbsRelError: rel.mean, maxAbsRelError: rel.max },
    backtest,
    ...(samples ? { samples } : {}),
  };
}
