/**
 * Bayesian optimisation (`method: bayes`): a Gaussian process over the unit cube (log-warped for
 * log-scale parameters, one-hot for categoricals), log expected improvement maximised over scrambled
 * Sobol candidates with L-BFGS refinement of the best few, points rounded to real values inside the
 * acquisition and never proposed twice. Failed trials are imputed as half the observed range worse
 * than the worst value seen, so the surrogate learns to avoid their region; running trials are "constant liars" at the best value, so
 * parallel proposals spread out. Long histories are subsampled (the 100 best and the 50 most recent).
 * Stateless: everything is derived from the history and the seed.
 */
import { canonicalJson, fromUnit, isFixed, normalCdf, toUnit, type Distribution, type Params, type ParamValue } from '../src/core/distributions.js';
import { Rng } from '../src/core/rng.js';
import { lbfgs } from '../fitters/optimize.js';
import { GaussianProcess } from './gp.js';
import { SobolSearcher, SobolSequence } from './sobol.js';
import type { HistoryTrial, Proposal, Searcher, SearcherContext } from './types.js';

export interface BayesOptions {
  acquisition?: 'logei' | 'ucb';
  /** UCB's exploration weight (default 2) */
  beta?: number;
  /** size of the Sobol initial design (default max(5, d + 1)) */
  initial?: number;
  /** transform of the objective before standardising (default power: Yeo–Johnson with λ by maximum likelihood) */
  transform?: 'none' | 'log' | 'rank' | 'power';
  /** Sobol candidates per suggestion (default 1024) */
  candidates?: number;
  /** observations kept for the surrogate (default 150) */
  maxObservations?: number;
  /** another study whose completed trials seed the surrogate (read by the caller into `prior`) */
  warmStart?: string;
}

interface Slot {
  name: string;
  dist: Distribution;
  /** first cube coordinate and how many (categoricals take one per value) */
  at: number;
  width: number;
}

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

function yj(y: number, lambda: number): number {
  if (y >= 0) return Math.abs(lambda) < 1e-9 ? Math.log1p(y) : ((y + 1) ** lambda - 1) / lambda;
  return Math.abs(lambda - 2) < 1e-9 ? -Math.log1p(-y) : -((1 - y) ** (2 - lambda) - 1) / (2 - lambda);
}

/**
 * Yeo–Johnson power transform of standardised values, λ ∈ [−3, 3] by maximising the normal
 * log-likelihood (golden-section search): near-log for heavy right tails, near-identity otherwise.
 */
export function yeoJohnson(values: readonly number[]): number[] {
  const n = values.length;
  const m = values.reduce((s, v) => s + v, 0) / n;
  const sd = Math.sqrt(values.reduce((s, v) => s + (v - m) ** 2, 0) / n) || 1;
  const z = values.map((v) => (v - m) / sd);
  const jac = z.reduce((s, v) => s + Math.sign(v) * Math.log1p(Math.abs(v)), 0);
  const ll = (lambda: number): number => {
    const t = z.map((v) => yj(v, lambda));
    const tm = t.reduce((s, v) => s + v, 0) / n;
    const var_ = t.reduce((s, v) => s + (v - tm) ** 2, 0) / n;
    return -0.5 * n * Math.log(Math.max(var_, 1e-300)) + (lambda - 1) * jac;
  };
  let a = -3;
  let b = 3;
  const g = (Math.sqrt(5) - 1) / 2;
  for (let i = 0; i < 60; i++) {
    const c = b - g * (b - a);
    const d = a + g * (b - a);
    if (ll(c) > ll(d)) b = d;
    else a = c;
  }
  const lambda = (a + b) / 2;
  return z.map((v) => yj(v, lambda));
}

/** log(φ(z) + z·Φ(z)), stable far into the left tail (Mills-ratio series). */
export function logH(z: number): number {
  if (z > -6) return Math.log(Math.exp(-0.5 * z * z - LOG_SQRT_2PI) + z * normalCdf(z));
  const t = -z;
  const t2 = t * t;
  // φ(z)·(1/t² − 3/t⁴ + 15/t⁶ − 105/t⁸)
  return -0.5 * z * z - LOG_SQRT_2PI + Math.log(1 / t2 - 3 / (t2 * t2) + 15 / (t2 * t2 * t2) - 105 / (t2 * t2 * t2 * t2));
}

export class BayesSearcher implements Searcher {
  private readonly slots: Slot[] = [];
  private readonly dims: number;
  private readonly initial: number;
  private readonly fallback: SobolSearcher;

  constructor(private readonly ctx: SearcherContext, private readonly opts: BayesOptions = {}) {
    let at = 0;
    for (const [name, dist] of Object.entries(ctx.space)) {
      if (isFixed(dist)) continue;
      const width = dist.type === 'categorical' ? dist.values.length : 1;
      this.slots.push({ name, dist, at, width });
      at += width;
    }
    this.dims = at;
    this.initial = opts.initial ?? Math.max(5, this.slots.length + 1);
    this.fallback = new SobolSearcher(ctx);
  }

  private encode(p: Params): number[] {
    const x = new Array<number>(this.dims).fill(0);
    for (const s of this.slots) {
      const v = p[s.name];
      if (s.dist.type === 'categorical') {
        const i = s.dist.values.findIndex((c) => canonicalJson(c) === canonicalJson(v ?? null));
        if (i >= 0) x[s.at + i] = 1;
      } else x[s.at] = toUnit(s.dist, v ?? null);
    }
    return x;
  }

  private decode(x: readonly number[]): Params {
    const p: Params = {};
    for (const [name, dist] of Object.entries(this.ctx.space)) {
      const s = this.slots.find((q) => q.name === name);
      if (!s) {
        p[name] = fromUnit(dist, 0.5);
        continue;
      }
      if (dist.type === 'categorical') {
        let best = 0;
        for (let i = 1; i < s.width; i++) if (x[s.at + i]! > x[s.at + best]!) best = i;
        p[name] = dist.values[best]!;
      } else p[name] = fromUnit(dist, Math.min(1 - 1e-9, Math.max(0, x[s.at]!))) as ParamValue;
    }
    return p;
  }

  /** Objective values to model: minimised, failures imputed, transformed, standardised. */
  private targets(done: readonly HistoryTrial[], failed: readonly HistoryTrial[]): { y: number[]; best: number } {
    const sign = this.ctx.goal === 'maximize' ? -1 : 1;
    let raw = done.map((t) => sign * t.value!);
    const tr = this.opts.transform ?? 'power';
    if (tr === 'log') {
      // shifted so that any sign works; the shift keeps the best value a finite distance below the rest
      const lo = Math.min(...raw);
      const hi = Math.max(...raw);
      const eps = Math.max(1e-12, 1e-3 * (hi - lo));
      raw = raw.map((v) => Math.log(v - lo + eps));
    }
    if (tr === 'power') raw = yeoJohnson(raw);
    if (tr === 'rank') {
      const sorted = [...raw].sort((a, b) => a - b);
      raw = raw.map((v) => sorted.indexOf(v) / Math.max(1, raw.length - 1));
    }
    // a failure counts as clearly worse than anything seen, so the surrogate steers away from its region
    const worst = raw.length ? Math.max(...raw) : 1;
    const spread = raw.length > 1 ? worst - Math.min(...raw) : 1;
    const all = [...raw, ...failed.map(() => worst + spread)];
    const mean = all.reduce((s, v) => s + v, 0) / all.length;
    const sd = Math.sqrt(all.reduce((s, v) => s + (v - mean) ** 2, 0) / all.length) || 1;
    const y = all.map((v) => (v - mean) / sd);
    return { y, best: Math.min(...y.slice(0, raw.length)) };
  }

  suggest(history: readonly HistoryTrial[], n: number): Proposal[] {
    // another study's results seed the surrogate (warm start); they never count as this study's trials
    const prior = (this.ctx.prior ?? []).filter((t) => t.state === 'COMPLETE' && t.value !== null && Number.isFinite(t.value) && this.slots.every((s) => s.name in t.params));
    const done = [...prior.map((t, i) => ({ ...t, number: -1 - i })), ...history.filter((t) => t.state === 'COMPLETE' && t.value !== null && Number.isFinite(t.value))];
    if (this.dims === 0 || done.length < this.initial || !this.ctx.goal) {
      // the initial design (and studies with nothing to model) walk the Sobol sequence
      return this.fallback.suggest(history, n);
    }
    const pending = history.filter((t) => t.state === 'RUNNING' || t.state === 'WAITING');
    const { gp, X, y, best } = this.surrogate(done, history);

    const taken = new Set(history.filter((t) => t.state !== 'STALE').map((t) => canonicalJson(t.params)));
    const rng = new Rng(this.ctx.seed, 0x42415945, history.length);
    const out: Proposal[] = [];
    const liarX: number[][] = pending.map((t) => this.encode(t.params));
    const condition = (): void => {
      if (liarX.length) gp.condition([...X, ...liarX], [...y, ...liarX.map(() => best)]);
    };
    condition();
    for (let k = 0; k < n; k++) {
      const p = this.propose(gp, best, taken, rng, history.length + k, this.incumbents(X, y));
      if (!p) break;
      out.push({ params: p });
      taken.add(canonicalJson(p));
      liarX.push(this.encode(p));
      condition();
    }
    return out.length ? out : this.fallback.suggest(history, n);
  }

  /** The GP over the completed trials (the best and most recent, at most max_observations) and the failures. */
  private surrogate(done: readonly HistoryTrial[], history: readonly HistoryTrial[]): { gp: GaussianProcess; X: number[][]; y: number[]; best: number } {
    const failed = history.filter((t) => t.state === 'FAIL');
    const maxObs = this.opts.maxObservations ?? 150;
    let kept = done;
    if (done.length > maxObs) {
      const sign = this.ctx.goal === 'maximize' ? -1 : 1;
      const best = [...done].sort((a, b) => sign * (a.value! - b.value!)).slice(0, Math.floor(maxObs * (2 / 3)));
      const recent = [...done].sort((a, b) => b.number - a.number).filter((t) => !best.includes(t)).slice(0, maxObs - best.length);
      kept = [...best, ...recent];
    }
    const { y, best } = this.targets(kept, failed.slice(-50));
    const X = [...kept, ...failed.slice(-50)].map((t) => this.encode(t.params));
    const gp = new GaussianProcess(this.dims);
    gp.fit(X, y);
    return { gp, X, y, best };
  }

  /**
   * Score given candidates by the acquisition of the surrogate fitted to the history (higher is more
   * promising), best first; null when there are too few completed trials to model (LLAMBO's ranking).
   */
  rank(history: readonly HistoryTrial[], candidates: readonly Params[]): { params: Params; score: number }[] | null {
    const done = history.filter((t) => t.state === 'COMPLETE' && t.value !== null && Number.isFinite(t.value));
    if (this.dims === 0 || done.length < 2 || !this.ctx.goal) return null;
    const { gp, best } = this.surrogate(done, history);
    const score = this.score(gp, best);
    return candidates.map((params) => ({ params, score: score(this.encode(params)) })).sort((a, b) => b.score - a.score);
  }

  private score(gp: GaussianProcess, best: number): (x: readonly number[]) => number {
    const acq = this.opts.acquisition ?? 'logei';
    const beta = this.opts.beta ?? 2;
    return (x) => {
      const { mean, variance } = gp.predict(x);
      const sd = Math.sqrt(variance);
      if (acq === 'ucb') return -(mean - beta * sd);
      return Math.log(sd) + logH((best - mean) / sd);
    };
  }

  /** The cube points of the best few observations (lowest standardised targets): where narrow basins are. */
  private incumbents(X: readonly number[][], y: readonly number[]): number[][] {
    return y.map((v, i) => ({ v, i })).sort((a, b) => a.v - b.v).slice(0, 3).map(({ i }) => [...X[i]!]);
  }

  private propose(gp: GaussianProcess, best: number, taken: Set<string>, rng: Rng, index: number, near: readonly number[][] = []): Params | null {
    const score = this.score(gp, best);
    // rounded inside the acquisition: a candidate is scored at the value it would really run with
    const rounded = (x: readonly number[]): number[] => this.encode(this.decode(x));
    const seq = new SobolSequence(Math.min(this.dims, 32), this.ctx.seed + index);
    const count = this.opts.candidates ?? 1024;
    const cands: { x: number[]; s: number }[] = [];
    for (let i = 0; i < count; i++) {
      const u = seq.point(i);
      const x = Array.from({ length: this.dims }, (_, j) => (j < u.length ? u[j]! : rng.next()));
      const r = rounded(x);
      cands.push({ x, s: score(r) });
    }
    // candidates around the three best points so far, at two radii: a Sobol set spread over the whole
    // cube rarely lands inside a basin narrower than its spacing. Measured (bench/search, 10 seeds):
    // Hartmann-6's regret at 50 trials 0.135 → 0.030, Rosenbrock-8's 3611 → 2180, Griewank-6's at 100
    // 0.84 → 0.71; Hartmann-6 in 20-D at 100 worse (0.091 → 0.168)
    for (const c of near) {
      for (const radius of [0.1, 0.02]) {
        for (let i = 0; i < 64; i++) {
          const x = c.map((ci) => Math.min(1, Math.max(0, ci + radius * rng.normal())));
          cands.push({ x, s: score(rounded(x)) });
        }
      }
    }
    cands.sort((a, b) => b.s - a.s);
    // local refinement of the best few, on the continuous coordinates (finite-difference gradients)
    const refined = cands.slice(0, 5).map((c) => {
      const f = (x: readonly number[]) => {
        const v = -score(x);
        const grad = x.map((xi, j) => {
          const h = 1e-5;
          const xp = [...x];
          xp[j] = Math.min(1, xi + h);
          const xm = [...x];
          xm[j] = Math.max(0, xi - h);
          return (-score(xp) + score(xm)) / (xp[j]! - xm[j]! || 1);
        });
        return { value: v, grad };
      };
      const r = lbfgs(f, c.x, { maxIterations: 20, lower: c.x.map(() => 0), upper: c.x.map(() => 1) });
      const rx = rounded(r.x);
      return { x: r.x, s: score(rx) };
    });
    const ranked = [...refined, ...cands].sort((a, b) => b.s - a.s);
    for (const c of ranked) {
      const p = this.decode(c.x);
      if (!taken.has(canonicalJson(p))) return p;
    }
    return null;
  }
}
