/**
 * PB2 (Parker-Holder et al. 2020): PBT's exploit, with explore replaced by a GP-UCB bandit. Every finished
 * segment is an observation (the step it started at, the hyperparameters it trained with, the score's
 * improvement over it); a Gaussian process on (time, hyperparameters) — the GP of the Bayesian searcher,
 * with time as one more input — is fitted to the improvements, and the new hyperparameters maximise
 * mean + κ·sd at the current time, inside the distributions' bounds. Pure: no I/O.
 */
import { fromUnit, toUnit, type Distribution, type Params } from '../src/core/distributions.js';
import type { Rng } from '../src/core/rng.js';
import { GaussianProcess } from '../searchers/gp.js';
import { SobolSequence } from '../searchers/sobol.js';

export interface Pb2Observation {
  /** step the segment started at */
  t: number;
  params: Params;
  /** improvement of the score over the segment, oriented so that larger is better */
  gain: number;
}

export interface Pb2Options {
  mutations: Record<string, Distribution>;
  maxSteps: number;
  /** UCB's exploration weight (default 2) */
  kappa?: number;
  candidates?: number;
  /** observations the GP uses, the most recent first (default 200) */
  maxObservations?: number;
}

/** The hyperparameters PB2 picks for a member exploiting `donor` at step `t`. Null with fewer than 3 observations (the caller explores at random). */
export function pb2Explore(rng: Rng, donor: Params, t: number, observations: readonly Pb2Observation[], o: Pb2Options): Params | null {
  const names = Object.keys(o.mutations).sort();
  const obs = observations.filter((x) => Number.isFinite(x.gain)).slice(-(o.maxObservations ?? 200));
  if (obs.length < 3 || names.length === 0) return null;
  const scaleT = (s: number): number => s / Math.max(1, o.maxSteps);
  const X = obs.map((x) => [scaleT(x.t), ...names.map((n) => toUnit(o.mutations[n]!, x.params[n] ?? fromUnit(o.mutations[n]!, 0.5)))]);
  const mean = obs.reduce((a, x) => a + x.gain, 0) / obs.length;
  const sd = Math.sqrt(obs.reduce((a, x) => a + (x.gain - mean) ** 2, 0) / obs.length) || 1;
  const y = obs.map((x) => (x.gain - mean) / sd);
  const gp = new GaussianProcess(1 + names.length);
  gp.fit(X, y, { restarts: 1 });
  const kappa = o.kappa ?? 2;
  const seq = new SobolSequence(names.length, Math.floor(rng.next() * 2 ** 31));
  let best: number[] = [];
  let bestUcb = -Infinity;
  for (let k = 0; k < (o.candidates ?? 512); k++) {
    const u = seq.point(k);
    const p = gp.predict([scaleT(t), ...u]);
    const ucb = p.mean + kappa * Math.sqrt(Math.max(0, p.variance));
    if (ucb > bestUcb) {
      bestUcb = ucb;
      best = u;
    }
  }
  const out: Params = { ...donor };
  names.forEach((n, i) => (out[n] = fromUnit(o.mutations[n]!, best[i]!)));
  return out;
}
