/**
 * Learning-rate schedules, as pure functions of the step. All start with a linear warmup from 0.
 *
 * - constant: lr after warmup.
 * - cosine: from lr down to lr·min_lr_ratio by the last step.
 * - wsd (warmup–stable–decay): lr until the last `decay` fraction of steps, then linearly to lr·min_lr_ratio.
 * - power (Shen et al. 2024, the Power scheduler): lr(n) = min(lr, batch·a·n^b) with n the tokens seen,
 *   then the same final decay as wsd. Here `lr` is the cap lr_max and `batch` is the batch size in
 *   sequences.
 * - wsds (WSD-S, for harvesting only: fitters/ladder/harvest.ts): before each of `points` a linear decay
 *   over the steps from point/(1 + decay), then a re-warm over the warmup's length and lr again.
 */
export const SCHEDULES = ['constant', 'cosine', 'wsd', 'power'] as const;
export type ScheduleName = (typeof SCHEDULES)[number];

export interface ScheduleSettings {
  schedule: ScheduleName | 'wsds';
  /** wsds: the steps each decay ends at, ascending */
  points?: readonly number[];
  lr: number;
  /** warmup steps */
  warmupSteps: number;
  totalSteps: number;
  /** fraction of the steps given to the final decay (wsd, power) */
  decay: number;
  minLrRatio: number;
  /** power scheduler constants and the batch size they multiply */
  powerA: number;
  powerB: number;
  batchSize: number;
  tokensPerStep: number;
}

/** The learning rate used for the update of step `step` (0-based). */
export function learningRate(s: ScheduleSettings, step: number): number {
  const total = Math.max(1, s.totalSteps);
  if (s.warmupSteps > 0 && step < s.warmupSteps) {
    const peak = s.schedule === 'power' ? powerLr(s, s.warmupSteps) : s.lr;
    return (peak * (step + 1)) / (s.warmupSteps + 1);
  }
  switch (s.schedule) {
    case 'constant':
      return s.lr;
    case 'wsds':
      return wsdsLr(s, step);
    case 'cosine': {
      const span = Math.max(1, total - s.warmupSteps);
      const progress = Math.min(1, (step - s.warmupSteps) / span);
      const floor = s.lr * s.minLrRatio;
      return floor + (s.lr - floor) * 0.5 * (1 + Math.cos(Math.PI * progress));
    }
    case 'wsd':
    case 'power': {
      const decaySteps = Math.round(total * s.decay);
      const decayStart = total - decaySteps;
      if (decaySteps <= 0 || step < decayStart) return s.schedule === 'power' ? powerLr(s, step) : s.lr;
      const atStart = s.schedule === 'power' ? powerLr(s, decayStart) : s.lr;
      const end = atStart * s.minLrRatio;
      const f = (step - decayStart + 1) / decaySteps;
      return atStart + (end - atStart) * Math.min(1, f);
    }
  }
}

function wsdsLr(s: ScheduleSettings, step: number): number {
  const points = s.points ?? [s.totalSteps];
  const k = points.findIndex((p) => step < p);
  const floor = s.lr * s.minLrRatio;
  if (k < 0) return floor;
  const end = points[k]!;
  const periodStart = k > 0 ? points[k - 1]! : 0;
  const decayFrom = Math.max(periodStart, Math.round(end / (1 + s.decay)));
  if (step >= decayFrom) return s.lr + (floor - s.lr) * Math.min(1, (step - decayFrom + 1) / Math.max(1, end - decayFrom));
  const rewarm = Math.min(s.warmupSteps, decayFrom - periodStart);
  if (k > 0 && step < periodStart + rewarm) return floor + ((s.lr - floor) * (step - periodStart + 1)) / (rewarm + 1);
  return s.lr;
}

function powerLr(s: ScheduleSettings, step: number): number {
  const tokens = Math.max(1, step * s.tokensPerStep);
  return Math.min(s.lr, s.batchSize * s.powerA * tokens ** s.powerB);
}
