/**
 * The simulated training run behind `backend: {type: sim}`: losses drawn from published scaling laws,
 * for rehearsing ladders too large for any machine. It checks scaletune's machinery (searchers, fitters,
 * reports), not the physics: every constant is configurable and the defaults are quoted from papers.
 *
 * - Final loss: Chinchilla's form with Epoch's refit, L(N, D) = E + A/N^α + B/D^β.
 * - Hyperparameters: a basin around Step Law's optimum lr*(N, D) = 1.79·N^−0.713·D^0.307 and
 *   B*(D) = 0.58·D^0.571 (tokens), in u = ln(lr/lr*) and v = ln(B/B*): relative loss increase
 *   lrCurv·u² below the optimum, lrCurv·u²·(1 + lrSkew·u) above it (steeper towards divergence), and
 *   bCurv·v²; flat near the optimum as measured. Beyond lr*·e^lrDiverge the run diverges.
 * - Learning curves: the loss after d tokens is the same law at the effective data
 *   d / (1 + max(0, B − Bopt)/B_crit), Bopt the optimal batch: Kaplan's critical batch, where a batch
 *   far above B_crit wastes data, counted only above the optimum so that the planted optimum stays
 *   the optimum; B_crit(L) = bCritStar / L^(1/alphaB).
 * - Seeded multiplicative noise on every reported loss.
 *
 * Pure: no I/O.
 */
import { Rng } from '../../core/rng.js';
import type { HarvestPlan } from '../../../fitters/ladder/harvest.js';

export interface SimConstants {
  E: number;
  A: number;
  B: number;
  alpha: number;
  beta: number;
  lrCoef: number;
  lrExpN: number;
  lrExpD: number;
  batchCoef: number;
  batchExpD: number;
  lrCurv: number;
  lrSkew: number;
  /** ln(lr/lr*) beyond which the run diverges */
  lrDiverge: number;
  bCurv: number;
  bCritStar: number;
  alphaB: number;
  /** relative standard deviation of the noise on each reported loss */
  noise: number;
}

export const SIM_DEFAULTS: SimConstants = {
  // Epoch AI's refit of Chinchilla (Besiroglu et al. 2024)
  E: 1.82,
  A: 482.01,
  B: 2085.43,
  alpha: 0.3478,
  beta: 0.3658,
  // Step Law (Li et al. 2025)
  lrCoef: 1.79,
  lrExpN: -0.713,
  lrExpD: 0.307,
  batchCoef: 0.58,
  batchExpD: 0.571,
  // basin shape: 0.2% worse at half or twice the optimal lr, 10x the optimum diverges
  lrCurv: 0.004,
  lrSkew: 0.5,
  lrDiverge: Math.log(10),
  bCurv: 0.002,
  // Kaplan et al. 2020 (unverified constants): B_crit(L) = B*/L^(1/alpha_B)
  bCritStar: 2e8,
  alphaB: 0.21,
  noise: 0.002,
};

export interface SimRun {
  /** non-embedding parameters */
  N: number;
  /** training tokens */
  D: number;
  lr: number;
  /** batch size in tokens */
  batch: number;
}

export function optimalLr(c: SimConstants, N: number, D: number): number {
  return c.lrCoef * N ** c.lrExpN * D ** c.lrExpD;
}

export function optimalBatch(c: SimConstants, D: number): number {
  return c.batchCoef * D ** c.batchExpD;
}

/** Chinchilla's loss at N parameters and d tokens. */
export function lawLoss(c: SimConstants, N: number, d: number): number {
  return c.E + c.A / N ** c.alpha + c.B / d ** c.beta;
}

/** Relative loss increase of the run's hyperparameters against the optimum; Infinity when it diverges. */
export function basinPenalty(c: SimConstants, r: SimRun): number {
  const u = Math.log(r.lr / optimalLr(c, r.N, r.D));
  if (u > c.lrDiverge) return Infinity;
  const v = Math.log(r.batch / optimalBatch(c, r.D));
  const lr = u <= 0 ? c.lrCurv * u * u : c.lrCurv * u * u * (1 + c.lrSkew * u);
  return lr + c.bCurv * v * v;
}

/** The noiseless loss after `d` of the run's tokens (d ≤ D). */
export function simLoss(c: SimConstants, r: SimRun, d: number): number {
  const pen = basinPenalty(c, r);
  if (!Number.isFinite(pen)) return NaN;
  const bStar = optimalBatch(c, r.D);
  const bCrit = c.bCritStar / lawLoss(c, r.N, r.D) ** (1 / c.alphaB);
  const effective = d / (1 + Math.max(0, r.batch - bStar) / bCrit);
  return lawLoss(c, r.N, Math.max(1, effective)) * (1 + pen);
}

export interface SimPoint {
  step: number;
  tokens: number;
  loss: number;
  /** a harvested point (its tokens), or a checkpoint a cooldown run announces for its branches */
  harvest?: number;
  checkpoint?: boolean;
}

/**
 * The loss with the learning rate annealed at `d` of the run's tokens: the same run as if it had been
 * planned for d tokens (its basin centred on lr*(N, d) and B*(d)), which is what a decay there gives —
 * except that it diverges only where the whole run does: it trained at its lr up to that point.
 */
export function annealedLoss(c: SimConstants, r: SimRun, d: number): number {
  if (!Number.isFinite(basinPenalty(c, r))) return NaN;
  return simLoss({ ...c, lrDiverge: Infinity }, { ...r, D: d }, d);
}

/**
 * A harvesting run's reports (fitters/ladder/harvest.ts): a cooldown run's curve with its checkpoints
 * added; a branch's one point at its end; a WSD-S run's points, each annealed. Noise as simCurve's.
 */
export function simHarvestCurve(c: SimConstants, r: SimRun, plan: HarvestPlan, points: number, seed: number): SimPoint[] {
  if (plan.kind === 'cooldown') {
    const curve = simCurve(c, r, points, seed);
    if (curve.some((p) => Number.isNaN(p.loss))) return curve;
    const rng = new Rng(seed, 0x43504b);
    const marks = plan.checkpoints.map((t) => ({ step: Math.max(1, Math.round(t / r.batch)), tokens: t, loss: simLoss(c, r, t) * (1 + c.noise * rng.normal()), checkpoint: true }));
    return [...curve, ...marks].sort((a, b) => a.step - b.step || Number(b.checkpoint ?? 0) - Number(a.checkpoint ?? 0));
  }
  const rng = new Rng(seed, 0x485256);
  const at = plan.kind === 'branch' ? [plan.tokens] : plan.points;
  const out: SimPoint[] = [];
  for (const d of at) {
    const loss = annealedLoss(c, r, d);
    if (!Number.isFinite(loss)) return [{ step: 1, tokens: r.batch, loss: NaN }];
    out.push({ step: Math.max(1, Math.round(d / r.batch)), tokens: d, loss: loss * (1 + c.noise * rng.normal()), ...(plan.kind === 'wsds' ? { harvest: d } : {}) });
  }
  return out;
}

/**
 * The run's learning curve, `points` reports evenly spaced in tokens, with seeded noise. A diverging run
 * reports finite losses that blow up, then NaN, a third of the way in.
 */
export function simCurve(c: SimConstants, r: SimRun, points: number, seed: number): SimPoint[] {
  const rng = new Rng(seed, 0x53494d);
  const steps = Math.max(1, Math.round(r.D / r.batch));
  const out: SimPoint[] = [];
  const diverges = !Number.isFinite(basinPenalty(c, r));
  for (let i = 1; i <= points; i++) {
    const step = Math.max(1, Math.round((steps * i) / points));
    const tokens = step * r.batch;
    let loss: number;
    if (diverges) {
      const frac = i / points;
      loss = frac < 1 / 3 ? lawLoss(c, r.N, tokens) * (1 + 10 * frac) : NaN;
    } else loss = simLoss(c, r, tokens) * (1 + c.noise * rng.normal());
    out.push({ step, tokens, loss });
    if (Number.isNaN(loss)) break;
  }
  return out;
}
