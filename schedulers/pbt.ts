/**
 * Population-based training's decisions (Jaderberg et al. 2017, with Ray Tune's defaults), as pure
 * functions of the population and a seeded generator:
 *
 * - quantiles: members ranked by score (ties by member number); the top and bottom each take
 *   ⌈n·quantile⌉ members, at most ⌊n/2⌋.
 * - exploit: a member of the bottom quantile copies the checkpoint and hyperparameters of a random
 *   member of the top quantile that has a checkpoint (never one without).
 * - explore: each mutated hyperparameter is resampled from its distribution with probability
 *   `resample_probability`, else multiplied by one of `perturbation_factors` (categoricals move to a
 *   neighbouring value), and kept inside its distribution's bounds.
 */
import { fromUnit, isFixed, quantize, sample, sameValue, valueBounds, type Distribution, type Params, type ParamValue } from '../src/core/distributions.js';
import type { Rng } from '../src/core/rng.js';

export interface PbtOptions {
  population: number;
  /** what intervals and the budget count: the trainer's steps, or the tokens it has seen */
  unit: 'steps' | 'tokens';
  /** steps (or tokens) between decisions */
  interval: number;
  quantile: number;
  resampleProbability: number;
  factors: number[];
  /** the hyperparameters that may change, with the distributions resampling draws from */
  mutations: Record<string, Distribution>;
  /** no exploit before this step */
  burnIn: number;
  /** decide for everyone at once when every live member reached the boundary */
  synch: boolean;
  /** the budget per member, in `unit` (max_steps, or max_tokens) */
  maxSteps: number;
  /** checkpoint folders kept per member */
  keepCheckpoints: number;
  /** retries of a crashed segment from the member's last good checkpoint before it is replaced */
  maxRetries: number;
  /** `scaletune replay`: one member follows this schedule from scratch, without exploits */
  replay?: { from: number; to: number; params: Params }[];
}

export interface MemberState {
  member: number;
  /** the step of its latest finished segment */
  step: number;
  /** its score there (raw metric value); null before its first segment ends */
  score: number | null;
  params: Params;
  checkpoint: string | null;
}

export type Goal = 'minimize' | 'maximize';

/** Best first; unscored members are left out; ties go to the lower member number. */
export function rank(members: readonly MemberState[], goal: Goal): MemberState[] {
  const sign = goal === 'maximize' ? -1 : 1;
  return members.filter((m) => m.score !== null && Number.isFinite(m.score)).sort((a, b) => sign * (a.score! - b.score!) || a.member - b.member);
}

export function quantiles(members: readonly MemberState[], goal: Goal, quantile: number): { top: MemberState[]; bottom: MemberState[] } {
  const ranked = rank(members, goal);
  const n = ranked.length;
  const k = Math.min(Math.ceil(n * quantile), Math.floor(n / 2));
  return { top: ranked.slice(0, k), bottom: k > 0 ? ranked.slice(n - k) : [] };
}

/** The donor `me` should copy, or null when it keeps training as it is. */
export function chooseDonor(rng: Rng, me: MemberState, members: readonly MemberState[], o: Pick<PbtOptions, 'burnIn' | 'quantile'>, goal: Goal): MemberState | null {
  if (me.step < o.burnIn) return null;
  const { top, bottom } = quantiles(members, goal, o.quantile);
  if (!bottom.some((m) => m.member === me.member)) return null;
  const donors = top.filter((m) => m.checkpoint !== null && m.member !== me.member);
  if (donors.length === 0) return null;
  return donors[Math.floor(rng.next() * donors.length)]!;
}

/** One hyperparameter perturbed: multiplied by a factor (numbers) or moved to a neighbour (categoricals). */
function perturb(rng: Rng, d: Distribution, value: ParamValue, factors: readonly number[]): ParamValue {
  if (d.type === 'categorical') {
    const i = d.values.findIndex((v) => sameValue(v, value));
    if (i < 0) return d.values[0]!;
    const j = Math.min(d.values.length - 1, Math.max(0, i + (rng.next() < 0.5 ? -1 : 1)));
    return d.values[j]!;
  }
  if (typeof value !== 'number') return value;
  const f = factors[Math.floor(rng.next() * factors.length)]!;
  let x = value * f;
  const b = valueBounds(d);
  if (b) x = Math.min(b[1], Math.max(b[0], x));
  if (d.type === 'int_uniform') x = Math.min(d.max, Math.max(d.min, Math.round(x)));
  else if ('q' in d) x = quantize(x, d.q);
  return x;
}

/** New hyperparameters for a member that exploited: resample or perturb each mutated one. */
export function explore(rng: Rng, params: Params, o: Pick<PbtOptions, 'mutations' | 'resampleProbability' | 'factors'>): Params {
  const out: Params = { ...params };
  for (const name of Object.keys(o.mutations).sort()) {
    const d = o.mutations[name]!;
    if (isFixed(d)) continue;
    const current = out[name] ?? fromUnit(d, 0.5);
    out[name] = rng.next() < o.resampleProbability ? sample(d, rng) : perturb(rng, d, current, o.factors);
  }
  return out;
}
