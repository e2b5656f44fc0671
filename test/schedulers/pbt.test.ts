import { describe, expect, it } from 'vitest';
import { chooseDonor, explore, quantiles, type MemberState } from '../../schedulers/pbt.js';
import { Rng } from '../../src/core/rng.js';

const m = (member: number, score: number | null, checkpoint: string | null = `/ck/${member}`, step = 10): MemberState => ({ member, step, score, params: { lr: 0.01 * (member + 1) }, checkpoint });
const opts = { burnIn: 0, quantile: 0.25 };

describe('PBT quantiles', () => {
  it.each([
    // [scores by member, goal, top members, bottom members]
    [[3, 1], 'minimize', [1], [0]],
    [[1, 3], 'maximize', [1], [0]],
    [[2, 1, 3], 'minimize', [1], [2]],
    [[5, 1, 4, 2, 8, 3, 7, 6], 'minimize', [1, 3], [6, 4]],
    [[1, 1, 1, 1], 'minimize', [0], [3]], // ties: lower member number ranks first
    [[1], 'minimize', [], []],
  ] as const)('%j (%s) → top %j, bottom %j', (scores, goal, top, bottom) => {
    const q = quantiles(scores.map((s, i) => m(i, s)), goal, 0.25);
    expect(q.top.map((x) => x.member)).toEqual(top);
    expect(q.bottom.map((x) => x.member)).toEqual(bottom);
  });

  it('leaves out members without a score yet, and caps each quantile at half the population', () => {
    const q = quantiles([m(0, 1), m(1, null), m(2, 3), m(3, 2)], 'minimize', 0.9);
    expect(q.top.map((x) => x.member)).toEqual([0]);
    expect(q.bottom.map((x) => x.member)).toEqual([2]);
  });
});

describe('PBT exploit', () => {
  const pop = [m(0, 5), m(1, 1), m(2, 4), m(3, 2), m(4, 8), m(5, 3), m(6, 7), m(7, 6)];
  it('a bottom member copies a random top member; others keep training', () => {
    const seen = new Set<number>();
    for (let seed = 0; seed < 40; seed++) seen.add(chooseDonor(new Rng(seed), pop[4]!, pop, opts, 'minimize')!.member);
    expect([...seen].sort()).toEqual([1, 3]);
    expect(chooseDonor(new Rng(1), pop[0]!, pop, opts, 'minimize')).toBeNull();
    expect(chooseDonor(new Rng(1), pop[1]!, pop, opts, 'minimize')).toBeNull();
  });
  it('never picks a donor without a checkpoint, and waits for the burn-in', () => {
    const noCk = pop.map((x) => (x.member === 1 ? { ...x, checkpoint: null } : x));
    for (let seed = 0; seed < 20; seed++) expect(chooseDonor(new Rng(seed), noCk[4]!, noCk, opts, 'minimize')!.member).toBe(3);
    const none = pop.map((x) => ({ ...x, checkpoint: null }));
    expect(chooseDonor(new Rng(1), none[4]!, none, opts, 'minimize')).toBeNull();
    expect(chooseDonor(new Rng(1), pop[4]!, pop, { ...opts, burnIn: 11 }, 'minimize')).toBeNull();
  });
  it('populations of 2 and 3: the worst copies the best', () => {
    expect(chooseDonor(new Rng(3), m(0, 2), [m(0, 2), m(1, 1)], opts, 'minimize')!.member).toBe(1);
    expect(chooseDonor(new Rng(3), m(2, 9), [m(0, 2), m(1, 1), m(2, 9)], opts, 'minimize')!.member).toBe(1);
    expect(chooseDonor(new Rng(3), m(0, 2), [m(0, 2), m(1, 1), m(2, 9)], opts, 'minimize')).toBeNull();
  });
  it('is the same for the same seed', () => {
    const a = Array.from({ length: 10 }, (_, s) => chooseDonor(new Rng(s), pop[6]!, pop, opts, 'minimize')!.member);
    const b = Array.from({ length: 10 }, (_, s) => chooseDonor(new Rng(s), pop[6]!, pop, opts, 'minimize')!.member);
    expect(a).toEqual(b);
  });
});

describe('PBT explore', () => {
  const mutations = {
    lr: { type: 'log_uniform_values' as const, min: 1e-4, max: 1e-1 },
    layers: { type: 'int_uniform' as const, min: 1, max: 8 },
    opt: { type: 'categorical' as const, values: ['sgd', 'adam', 'lion'] },
  };
  const base = { mutations, resampleProbability: 0, factors: [0.8, 1.2] };
  it('multiplies numbers by a perturbation factor, rounds integers, keeps bounds', () => {
    const seen = new Set<number>();
    for (let s = 0; s < 30; s++) {
      const p = explore(new Rng(s), { lr: 0.01, layers: 5, opt: 'adam', keep: 'x' }, base);
      seen.add(Number((p.lr as number).toPrecision(6)));
      expect([4, 6]).toContain(p.layers);
      expect(p.keep).toBe('x');
    }
    expect([...seen].sort()).toEqual([0.008, 0.012]);
    for (let s = 0; s < 10; s++) expect(explore(new Rng(s), { lr: 0.1, layers: 8, opt: 'adam' }, { ...base, factors: [1.2] })).toMatchObject({ lr: 0.1, layers: 8 });
  });
  it('moves categoricals to a neighbour, clamped at the ends', () => {
    const from = (opt: string) => new Set(Array.from({ length: 30 }, (_, s) => explore(new Rng(s), { lr: 0.01, layers: 2, opt }, base).opt));
    expect([...from('adam')].sort()).toEqual(['lion', 'sgd']);
    expect([...from('sgd')].sort()).toEqual(['adam', 'sgd']);
  });
  it('resamples from the distribution with resample_probability', () => {
    for (let s = 0; s < 20; s++) {
      const p = explore(new Rng(s), { lr: 0.01, layers: 2, opt: 'adam' }, { ...base, resampleProbability: 1 });
      expect(p.lr).toBeGreaterThanOrEqual(1e-4);
      expect(p.lr).toBeLessThanOrEqual(1e-1);
      expect(p.lr).not.toBeCloseTo(0.008, 6);
      expect(p.lr).not.toBeCloseTo(0.012, 6);
    }
    expect(explore(new Rng(5), { lr: 0.01, layers: 2, opt: 'adam' }, base)).toEqual(explore(new Rng(5), { lr: 0.01, layers: 2, opt: 'adam' }, base));
  });
  it('keeps perturbed values of inv_log_uniform and beta inside their value ranges, q_beta on its grid', () => {
    const later = {
      decay: { type: 'inv_log_uniform' as const, min: 2, max: 4 },
      mix: { type: 'beta' as const, a: 2, b: 2 },
      drop: { type: 'q_beta' as const, a: 2, b: 5, q: 0.05 },
    };
    const o = { mutations: later, resampleProbability: 0, factors: [0.5, 2] };
    for (let s = 0; s < 20; s++) {
      // at the top of each range: doubling must be clamped to e^-min, 1 and 1
      const p = explore(new Rng(s), { decay: Math.exp(-2), mix: 0.9, drop: 0.9 }, o);
      expect([Math.exp(-2), Math.exp(-2) / 2]).toContain(p.decay);
      expect([1, 0.45]).toContain(p.mix);
      expect([1, 0.45]).toContain(p.drop);
    }
  });
});
