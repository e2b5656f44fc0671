import { describe, expect, it } from 'vitest';
import { contains, fromUnit, gridValues, normalCdf, normalQuantile, quantize, sample, toUnit, type Distribution } from '../../src/core/distributions.js';
import { Rng } from '../../src/core/rng.js';

const ALL: Distribution[] = [
  { type: 'constant', value: 'adam' },
  { type: 'categorical', values: [16, 32, 64], probabilities: [0.2, 0.3, 0.5] },
  { type: 'int_uniform', min: 1, max: 6 },
  { type: 'uniform', min: -1, max: 3 },
  { type: 'q_uniform', min: 0, max: 1, q: 0.1 },
  { type: 'log_uniform_values', min: 1e-5, max: 1e-1 },
  { type: 'q_log_uniform_values', min: 8, max: 512, q: 8 },
  { type: 'log_uniform', min: -7, max: -2 },
  { type: 'q_log_uniform', min: 0, max: 5, q: 1 },
  { type: 'normal', mu: 1, sigma: 2 },
  { type: 'q_normal', mu: 0, sigma: 5, q: 1 },
  { type: 'log_normal', mu: 0, sigma: 1 },
  { type: 'q_log_normal', mu: 2, sigma: 0.5, q: 1 },
];

describe('distributions', () => {
  it.each(ALL.map((d) => [d.type, d]))('%s: samples and unit-cube points lie in the domain', (_t, d) => {
    const rng = new Rng(3);
    for (let i = 0; i < 500; i++) {
      expect(contains(d, sample(d, rng))).toBe(true);
      expect(contains(d, fromUnit(d, rng.next()))).toBe(true);
    }
  });

  it.each(ALL.filter((d) => !['constant', 'categorical'].includes(d.type) && !d.type.startsWith('q_') && d.type !== 'int_uniform').map((d) => [d.type, d]))(
    '%s: toUnit inverts fromUnit',
    (_t, d) => {
      for (const u of [0.01, 0.2, 0.5, 0.77, 0.99]) expect(toUnit(d, fromUnit(d, u))).toBeCloseTo(u, 6);
    },
  );

  it('warps log-scale parameters: the middle of the cube is the geometric mean', () => {
    expect(fromUnit({ type: 'log_uniform_values', min: 1e-4, max: 1e-2 }, 0.5)).toBeCloseTo(1e-3, 12);
    expect(fromUnit({ type: 'log_uniform', min: Math.log(1e-4), max: Math.log(1e-2) }, 0.5)).toBeCloseTo(1e-3, 12);
  });

  it('draws categoricals with their probabilities', () => {
    const d: Distribution = { type: 'categorical', values: ['a', 'b'], probabilities: [0.1, 0.9] };
    const rng = new Rng(5);
    const n = Array.from({ length: 5000 }, () => sample(d, rng)).filter((v) => v === 'b').length;
    expect(n / 5000).toBeGreaterThan(0.87);
    expect(n / 5000).toBeLessThan(0.93);
  });

  it('quantizes without binary noise and lists grid values', () => {
    expect(quantize(0.30000000000000004, 0.1)).toBe(0.3);
    expect(gridValues({ type: 'q_uniform', min: 0, max: 0.5, q: 0.1 })).toEqual([0, 0.1, 0.2, 0.3, 0.4, 0.5]);
    expect(gridValues({ type: 'int_uniform', min: 2, max: 4 })).toEqual([2, 3, 4]);
    expect(gridValues({ type: 'uniform', min: 0, max: 1 })).toBeNull();
  });

  it('normal CDF and quantile agree', () => {
    for (const p of [0.001, 0.05, 0.5, 0.9, 0.999]) expect(normalCdf(normalQuantile(p))).toBeCloseTo(p, 6);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
  });

  it('the same seed gives the same numbers', () => {
    const a = new Rng(42, 7);
    const b = new Rng(42, 7);
    const c = new Rng(42, 8);
    const xs = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(xs);
  });
});

describe('the normal quantile', () => {
  // scipy.stats.norm.ppf. simple-statistics' probit was the maintained alternative; it is off by up to
  // 1.3e-2 in the tails (4.7405 at 1 − 1e-6), which would bend normal distributions' samples, so the
  // project keeps Acklam's algorithm and holds it to scipy here.
  const SCIPY: [number, number][] = [
    [1e-10, -6.361340902404056],
    [1e-6, -4.753424308822899],
    [0.001, -3.090232306167813],
    [0.0249, -1.9616778690637864],
    [0.1, -1.2815515655446004],
    [0.5, 0],
    [0.8, 0.8416212335729143],
    [0.975, 1.959963984540054],
    [0.999999, 4.753424308817087],
  ];
  it.each(SCIPY)('at %s is scipy’s within 1e-8 relative', (p, z) => {
    expect(Math.abs(normalQuantile(p) - z)).toBeLessThanOrEqual(1e-8 * Math.max(1, Math.abs(z)));
  });
});
