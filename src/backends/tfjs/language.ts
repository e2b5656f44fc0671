/**
 * A seeded synthetic language whose entropy rate is known exactly: a sparse Markov source of order k over
 * V symbols. Every context (the last k symbols) has `branching` likely successors with Dirichlet(1)
 * weights, mixed with a small uniform part so the chain is irreducible and aperiodic. Its stationary
 * distribution is computed by power iteration, and from it the entropy rate H (the loss of the Bayes
 * predictor with the whole past) and the exact Bayes loss of a model that sees a window of T tokens.
 *
 * Pure: no I/O, no TensorFlow. Losses are in nats, as cross-entropy with natural logarithms.
 */
import { Rng } from '../../core/rng.js';

export interface MarkovOptions {
  vocab: number;
  order: number;
  /** likely successors per context */
  branching: number;
  /** weight of the uniform part, in (0, 1) */
  mix: number;
  seed: number;
}

export const MARKOV_DEFAULTS: Omit<MarkovOptions, 'seed'> = { vocab: 32, order: 2, branching: 4, mix: 0.02 };

/** Largest transition table we build (contexts × vocab), to keep construction under a second. */
export const MAX_TABLE = 4_194_304;

export class MarkovSource {
  readonly vocab: number;
  readonly order: number;
  readonly contexts: number;
  /** P(next | context), row-major contexts × vocab */
  readonly table: Float64Array;
  /** cumulative rows, for sampling */
  private readonly cumulative: Float64Array;
  /** stationary distribution over contexts (k-blocks) */
  readonly stationary: Float64Array;
  private readonly stationaryCdf: Float64Array;
  /** nats per symbol given the whole past */
  readonly entropyRate: number;
  /** entropy of the single-symbol marginal: the loss of the best model that ignores context */
  readonly unigramEntropy: number;
  /** entropies of j-blocks, j = 0..order */
  private readonly blockEntropies: number[];

  constructor(readonly options: MarkovOptions) {
    const { vocab: V, order: k, branching, mix, seed } = options;
    if (!Number.isInteger(V) || V < 2) throw new RangeError(`vocab must be a whole number ≥ 2 (got ${V})`);
    if (!Number.isInteger(k) || k < 1) throw new RangeError(`order must be a whole number ≥ 1 (got ${k})`);
    if (!Number.isInteger(branching) || branching < 1 || branching > V) throw new RangeError(`branching must be a whole number from 1 to vocab (got ${branching})`);
    if (!(mix > 0 && mix < 1)) throw new RangeError(`mix must be in (0, 1) (got ${mix})`);
    const C = V ** k;
    if (C * V > MAX_TABLE) throw new RangeError(`vocab^(order+1) = ${C * V} is over ${MAX_TABLE}; use a smaller vocab or order`);
    this.vocab = V;
    this.order = k;
    this.contexts = C;

    const rng = new Rng(seed, 0x5eed);
    const table = new Float64Array(C * V);
    const picks = new Int32Array(V);
    for (let c = 0; c < C; c++) {
      for (let i = 0; i < V; i++) picks[i] = i;
      // partial Fisher–Yates: the first `branching` entries are the likely successors
      let total = 0;
      const w = new Float64Array(branching);
      for (let i = 0; i < branching; i++) {
        const j = i + Math.floor(rng.next() * (V - i));
        const t = picks[i]!;
        picks[i] = picks[j]!;
        picks[j] = t;
        w[i] = -Math.log(1 - rng.next()); // Exp(1): normalised, a Dirichlet(1) draw
        total += w[i]!;
      }
      const row = c * V;
      for (let x = 0; x < V; x++) table[row + x] = mix / V;
      for (let i = 0; i < branching; i++) table[row + picks[i]!]! += ((1 - mix) * w[i]!) / total;
    }
    this.table = table;
    this.cumulative = new Float64Array(C * V);
    for (let c = 0; c < C; c++) {
      let s = 0;
      for (let x = 0; x < V; x++) {
        s += table[c * V + x]!;
        this.cumulative[c * V + x] = s;
      }
      this.cumulative[c * V + V - 1] = 1;
    }

    // stationary distribution over contexts: the context after c and symbol x is (c·V + x) mod V^k
    let pi = new Float64Array(C).fill(1 / C);
    for (let iter = 0; iter < 100_000; iter++) {
      const next = new Float64Array(C);
      for (let c = 0; c < C; c++) {
        const p = pi[c]!;
        if (p === 0) continue;
        const base = (c * V) % C;
        for (let x = 0; x < V; x++) next[base + x]! += p * table[c * V + x]!;
      }
      let diff = 0;
      for (let c = 0; c < C; c++) diff += Math.abs(next[c]! - pi[c]!);
      pi = next;
      if (diff < 1e-14) break;
    }
    this.stationary = pi;
    this.stationaryCdf = new Float64Array(C);
    let s = 0;
    for (let c = 0; c < C; c++) this.stationaryCdf[c] = s += pi[c]!;
    this.stationaryCdf[C - 1] = 1;

    let h = 0;
    const marginal = new Float64Array(V);
    for (let c = 0; c < C; c++) {
      let hc = 0;
      for (let x = 0; x < V; x++) {
        const p = table[c * V + x]!;
        hc -= p * Math.log(p);
        marginal[x]! += pi[c]! * p;
      }
      h += pi[c]! * hc;
    }
    this.entropyRate = h;
    this.unigramEntropy = entropy(marginal);

    // block entropies from the marginals of the stationary k-block distribution (oldest symbol first)
    this.blockEntropies = [0];
    for (let j = 1; j <= k; j++) {
      const m = new Float64Array(V ** j);
      for (let c = 0; c < C; c++) m[c % V ** j]! += pi[c]!;
      this.blockEntropies.push(entropy(m));
    }
  }

  /**
   * The expected loss of the Bayes predictor over targets x_1..x_T when it sees x_0..x_{t-1} for target
   * x_t, from a stationary start: the floor no model with that window can beat.
   */
  bayesLoss(seqLen: number): number {
    let total = 0;
    for (let t = 1; t <= seqLen; t++) {
      // H(X_t | X_0..X_{t-1}) = H(block t+1) − H(block t) while t < order, then the entropy rate
      total += t < this.order ? this.blockEntropies[t + 1]! - this.blockEntropies[t]! : this.entropyRate;
    }
    return total / seqLen;
  }

  /** A context drawn from the stationary distribution, as a number in [0, V^k). */
  sampleContext(rng: Rng): number {
    return searchCdf(this.stationaryCdf, 0, this.contexts, rng.next());
  }

  /** Next symbol after `context`. */
  sampleNext(rng: Rng, context: number): number {
    const row = context * this.vocab;
    return searchCdf(this.cumulative, row, row + this.vocab, rng.next()) - row;
  }

  /** A stretch of `length` symbols from a stationary start, written into `out` at `offset`. */
  sample(rng: Rng, length: number, out: Int32Array = new Int32Array(length), offset = 0): Int32Array {
    const V = this.vocab;
    const k = this.order;
    let c = this.sampleContext(rng);
    // the context's own symbols come first (oldest first), then the chain continues
    const first = Math.min(k, length);
    for (let j = 0; j < first; j++) out[offset + j] = Math.floor(c / V ** (k - 1 - j)) % V;
    for (let i = first; i < length; i++) {
      const x = this.sampleNext(rng, c);
      out[offset + i] = x;
      c = (c * V + x) % this.contexts;
    }
    return out;
  }

  /** log P(x_t | the k symbols before it), for checking a sample against the source. */
  logProb(context: number, next: number): number {
    return Math.log(this.table[context * this.vocab + next]!);
  }
}

function entropy(p: ArrayLike<number>): number {
  let h = 0;
  for (let i = 0; i < p.length; i++) if (p[i]! > 0) h -= p[i]! * Math.log(p[i]!);
  return h;
}

/** First index i in [lo, hi) with cdf[i] > u. */
function searchCdf(cdf: Float64Array, lo: number, hi: number, u: number): number {
  let a = lo;
  let b = hi - 1;
  while (a < b) {
    const m = (a + b) >>> 1;
    if (cdf[m]! > u) b = m;
    else a = m + 1;
  }
  return a;
}
