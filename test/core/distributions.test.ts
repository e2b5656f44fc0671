import { describe, expect, it } from 'vitest';
import { betaCdf, betaQuantile, contains, fromUnit, gridValues, logGamma, normalCdf, normalQuantile, quantize, sample, toUnit, valueBounds, type Distribution } from '../../src/core/distributions.js';
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
  { type: 'inv_log_uniform', min: 2, max: 9 },
  { type: 'inv_log_uniform_values', min: 1e-4, max: 1e-1 },
  { type: 'beta', a: 0.5, b: 3 },
  { type: 'q_beta', a: 2, b: 2, q: 0.05 },
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

describe('distributions W&B added later', () => {
  it('inv_log_uniform: log(1/x) is uniform on [min, max], so values run from e^-max to e^-min', () => {
    const d: Distribution = { type: 'inv_log_uniform', min: 2, max: 4 };
    expect(fromUnit(d, 0)).toBeCloseTo(Math.exp(-4), 15);
    expect(fromUnit(d, 0.5)).toBeCloseTo(Math.exp(-3), 15);
    expect(fromUnit(d, 1 - 1e-12)).toBeCloseTo(Math.exp(-2), 9);
    expect(valueBounds(d)).toEqual([Math.exp(-4), Math.exp(-2)]);
    expect(contains(d, 0.5)).toBe(false);
  });

  it('inv_log_uniform_values: values from min to max, log(1/x) uniform between log(1/max) and log(1/min)', () => {
    const d: Distribution = { type: 'inv_log_uniform_values', min: 1e-4, max: 1e-2 };
    expect(fromUnit(d, 0)).toBeCloseTo(1e-4, 15);
    expect(fromUnit(d, 0.5)).toBeCloseTo(1e-3, 15);
    expect(toUnit(d, 1e-3)).toBeCloseTo(0.5, 12);
  });

  it('log Γ matches known values', () => {
    expect(logGamma(1)).toBeCloseTo(0, 13);
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 12);
    expect(logGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 12);
    expect(logGamma(0.1)).toBeCloseTo(2.252712651734206, 11);
  });

  // closed forms: Beta(2, 1) has CDF x², Beta(1, 3) has 1 − (1 − x)³, Beta(1/2, 1/2) is the arcsine law
  it.each([
    [2, 1, (x: number) => x * x],
    [1, 3, (x: number) => 1 - (1 - x) ** 3],
    [0.5, 0.5, (x: number) => (2 / Math.PI) * Math.asin(Math.sqrt(x))],
    [2, 2, (x: number) => 3 * x * x - 2 * x ** 3],
  ])('the Beta(%s, %s) CDF is its closed form', (a, b, cdf) => {
    for (const x of [0.001, 0.1, 0.37, 0.5, 0.8, 0.999]) expect(betaCdf(x, a, b)).toBeCloseTo(cdf(x), 12);
  });

  // scipy.stats.beta.ppf(p, a, b)
  it.each([
    [2, 5, 0.1, 0.09259525891312873],
    [2, 5, 0.5, 0.26444998329566005],
    [2, 5, 0.9, 0.5103163065514917],
    [0.5, 0.5, 0.25, 0.14644660940672624],
    [0.3, 4, 0.5, 0.019778314565049332],
    [0.3, 4, 0.99, 0.5118187304300781],
    [10, 10, 0.01, 0.25395307951451707],
    [1, 3, 0.7, 0.3305670499178305],
    [50, 0.7, 0.2, 0.9771825447059834],
  ])('the Beta(%s, %s) quantile at %s is scipy’s', (a, b, p, x) => {
    expect(Math.abs(betaQuantile(p, a, b) - x)).toBeLessThan(1e-12);
    expect(fromUnit({ type: 'beta', a, b }, p)).toBeCloseTo(x, 12);
  });

  it('q_beta lands on its grid inside [0, 1], which a grid search walks', () => {
    const d: Distribution = { type: 'q_beta', a: 2, b: 5, q: 0.25 };
    expect(fromUnit(d, 0.5)).toBe(0.25);
    expect(gridValues(d)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(contains(d, 0.3)).toBe(false);
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
