import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src/core/rng.js';
import { MarkovSource } from '../../../src/backends/tfjs/language.js';
import { SyntheticLmTask, TextLmTask } from '../../../src/backends/tfjs/tasks.js';

const opts = { vocab: 16, order: 2, branching: 3, mix: 0.05, seed: 3 };

describe('MarkovSource (synthetic-lm)', () => {
  it('is reproducible from its seed, and another seed gives another language', () => {
    const a = new MarkovSource(opts);
    const b = new MarkovSource(opts);
    const c = new MarkovSource({ ...opts, seed: 4 });
    expect(Array.from(a.table)).toEqual(Array.from(b.table));
    expect(a.entropyRate).toBe(b.entropyRate);
    expect(Array.from(a.table)).not.toEqual(Array.from(c.table));
    expect(Array.from(a.sample(new Rng(9), 500))).toEqual(Array.from(b.sample(new Rng(9), 500)));
  });

  it('has rows and a stationary distribution that sum to one, and the stationary one is stationary', () => {
    const m = new MarkovSource(opts);
    const V = m.vocab;
    for (let c = 0; c < m.contexts; c++) {
      let s = 0;
      for (let x = 0; x < V; x++) s += m.table[c * V + x]!;
      expect(s).toBeCloseTo(1, 12);
    }
    const pi = m.stationary;
    expect(pi.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    const next = new Float64Array(m.contexts);
    for (let c = 0; c < m.contexts; c++) for (let x = 0; x < V; x++) next[(c * V + x) % m.contexts]! += pi[c]! * m.table[c * V + x]!;
    for (let c = 0; c < m.contexts; c++) expect(next[c]).toBeCloseTo(pi[c]!, 10);
  });

  it("samples whose per-symbol log-loss under the source matches the generator's entropy rate", () => {
    const m = new MarkovSource({ vocab: 32, order: 2, branching: 4, mix: 0.02, seed: 0 });
    const n = 400_000;
    const xs = m.sample(new Rng(1), n);
    let sum = 0;
    let sumSq = 0;
    let ctx = xs[0]! * 32 + xs[1]!;
    for (let i = 2; i < n; i++) {
      const l = -m.logProb(ctx, xs[i]!);
      sum += l;
      sumSq += l * l;
      ctx = (ctx * 32 + xs[i]!) % m.contexts;
    }
    const k = n - 2;
    const mean = sum / k;
    const se = Math.sqrt((sumSq / k - mean * mean) / k);
    expect(Math.abs(mean - m.entropyRate)).toBeLessThan(4 * se + 1e-3);
    // and the symbol frequencies give the unigram entropy
    const counts = new Float64Array(32);
    for (const x of xs) counts[x]!++;
    let h = 0;
    for (const c of counts) if (c) h -= (c / n) * Math.log(c / n);
    expect(h).toBeCloseTo(m.unigramEntropy, 2);
    expect(m.entropyRate).toBeLessThan(m.unigramEntropy);
  });

  it('gives the Bayes loss of a window: the unigram entropy for one token, the entropy rate in the limit', () => {
    const m = new MarkovSource(opts);
    // target 1 sees one symbol: H(X1|X0) lies between the rate and the unigram entropy
    expect(m.bayesLoss(1)).toBeGreaterThan(m.entropyRate);
    expect(m.bayesLoss(1)).toBeLessThan(m.unigramEntropy);
    expect(m.bayesLoss(64)).toBeGreaterThan(m.entropyRate);
    expect(m.bayesLoss(10_000)).toBeCloseTo(m.entropyRate, 3);
    expect(m.bayesLoss(8)).toBeGreaterThan(m.bayesLoss(64));
  });

  it('refuses settings it cannot build', () => {
    expect(() => new MarkovSource({ ...opts, branching: 17 })).toThrow(/branching/);
    expect(() => new MarkovSource({ ...opts, vocab: 256, order: 3 })).toThrow(/over/);
    expect(() => new MarkovSource({ ...opts, mix: 0 })).toThrow(/mix/);
  });
});

describe('tasks', () => {
  it('synthetic-lm batches are a pure function of (seed, split, index)', () => {
    const t = new SyntheticLmTask({ vocab: 16, order: 2, branching: 3, mix: 0.05, seed: 5 });
    const b = t.batch('train', 7, 4, 10);
    expect(b.length).toBe(4 * 11);
    expect(Array.from(t.batch('train', 7, 4, 10))).toEqual(Array.from(b));
    expect(Array.from(t.batch('train', 8, 4, 10))).not.toEqual(Array.from(b));
    expect(Array.from(t.batch('val', 7, 4, 10))).not.toEqual(Array.from(b));
    expect(Math.max(...b)).toBeLessThan(16);
    expect(t.lossFloor(10)).toBeGreaterThan(t.source.entropyRate);
  });

  it('text-lm builds a character vocabulary, holds out the end and samples windows from each part', () => {
    const text = 'the quick brown fox jumps over the lazy dog. '.repeat(40) + 'ÄÖÜ ünïcödé';
    const t = new TextLmTask({ path: 'corpus.txt', text }, 1, 0.1);
    expect(t.vocab).toBe(new Set(Array.from(text)).size);
    expect(t.chars).toContain('ü');
    const b = t.batch('val', 0, 2, 8);
    expect(Array.from(t.batch('val', 0, 2, 8))).toEqual(Array.from(b));
    const decoded = Array.from(b.subarray(0, 9), (i) => t.chars[i]).join('');
    expect(text.slice(Math.floor(Array.from(text).length * 0.9))).toContain(decoded.slice(0, 3));
    expect(t.unigramEntropy).toBeGreaterThan(1);
    expect(t.lossFloor()).toBeNull();
    expect(() => t.checkWindow(10_000)).toThrow(/corpus\.txt: the training part has \d+ characters/);
    expect(() => new TextLmTask({ path: 'one.txt', text: 'aaaa' }, 0)).toThrow(/one\.txt/);
  });
});
