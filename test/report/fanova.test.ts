/**
 * fANOVA's variance split: exact on trees small enough to work out by hand (a step, an interaction, a
 * categorical), and close to the true first-order indices when the forest is fitted to trials of a
 * function whose indices are known in closed form.
 */
import { describe, expect, it } from 'vitest';
import type { SearchSpace } from '../../src/core/distributions.js';
import { Rng } from '../../src/core/rng.js';
import type { Trial } from '../../src/core/trial.js';
import { fanova, FANOVA_SAMPLES, treeVariances } from '../../src/report/fanova.js';
import type { Feature, Leaf, Tree } from '../../src/report/forest.js';

const box = (value: number, lo: number[], hi: number[], sets: (boolean[] | null)[] = lo.map(() => null)): Leaf => ({ value, lo: Float64Array.from(lo), hi: Float64Array.from(hi), sets });
const tree = (leaves: Leaf[]): Tree => ({ leaves, root: { leaf: 0 } });
const NUM2: Feature[] = [{ kind: 'number' }, { kind: 'number' }];

/** Random trials of Sobol's G-function in six dimensions, and its first-order indices in closed form. */
function sobolG(n: number, seed: number): { rows: Trial[]; space: SearchSpace; exact: number[] } {
  const A = [0, 1, 4.5, 9, 99, 99];
  const v = A.map((a) => 1 / (3 * (1 + a) ** 2));
  const totalV = v.reduce((s, x) => s * (1 + x), 1) - 1;
  const space: SearchSpace = Object.fromEntries(A.map((_, i) => [`x${i}`, { type: 'uniform', min: 0, max: 1 }]));
  const rng = new Rng(seed);
  const rows = Array.from({ length: n }, (_, i) => {
    const params = Object.fromEntries(A.map((_, j) => [`x${j}`, rng.next()]));
    const value = A.reduce((p, a, j) => (p * (Math.abs(4 * (params[`x${j}`] as number) - 2) + a)) / (1 + a), 1);
    return { number: i, state: 'COMPLETE', params, value } as unknown as Trial;
  });
  return { rows, space, exact: v.map((x) => x / totalV) };
}

describe('fANOVA', () => {
  it('a step in a alone: all of the variance is a’s', () => {
    const { total, effects } = treeVariances(tree([box(0, [0, 0], [0.5, 1]), box(1, [0.5, 0], [1, 1])]), NUM2);
    expect(total).toBeCloseTo(0.25, 12);
    expect(effects[0]).toBeCloseTo(0.25, 12);
    expect(effects[1]).toBeCloseTo(0, 12);
  });

  it('1 only where a and b are both high: a third each alone, the last third their interaction', () => {
    const t = tree([box(0, [0, 0], [0.5, 1]), box(0, [0.5, 0], [1, 0.5]), box(1, [0.5, 0.5], [1, 1])]);
    const { total, effects } = treeVariances(t, NUM2);
    expect(total).toBeCloseTo(3 / 16, 12);
    expect(effects[0]! / total).toBeCloseTo(1 / 3, 12);
    expect(effects[1]! / total).toBeCloseTo(1 / 3, 12);
  });

  it('uneven intervals weigh by their width; a categorical by its values', () => {
    // a in [0, 0.2) → 2 for the category's first value, else 0; the category has three values
    const cat: Feature[] = [{ kind: 'number' }, { kind: 'category', levels: 3 }];
    const t = tree([box(2, [0, 0], [0.2, 0], [null, [true, false, false]]), box(0, [0, 0], [0.2, 0], [null, [false, true, true]]), box(0, [0.2, 0], [1, 0], [null, [true, true, true]])]);
    const { total, effects } = treeVariances(t, cat);
    // f = 2 on a fifteenth of the space
    const mean = 2 / 15;
    expect(total).toBeCloseTo((1 / 15) * 4 - mean * mean, 12);
    // along a: 2/3 on [0, 0.2), 0 beyond; along the category: 0.4 for its first value, 0 otherwise
    expect(effects[0]).toBeCloseTo(0.2 * (2 / 3 - mean) ** 2 + 0.8 * mean ** 2, 12);
    expect(effects[1]).toBeCloseTo(((0.4 - mean) ** 2 + 2 * mean ** 2) / 3, 12);
  });

  it("recovers Sobol's G-function's first-order indices from 400 random trials", () => {
    const { rows, space, exact } = sobolG(400, 5);
    const r = fanova(rows, space, { seed: 1 })!;
    const got = r.effects.map((e) => e.fraction);
    // the first two within 0.08 of the truth (0.59 and 0.15); the rest small, in order
    expect(Math.abs(got[0]! - exact[0]!)).toBeLessThan(0.08);
    expect(Math.abs(got[1]! - exact[1]!)).toBeLessThan(0.08);
    expect(got[0]).toBeGreaterThan(got[1]!);
    expect(got[1]).toBeGreaterThan(got[2]!);
    for (const g of got.slice(3)) expect(g).toBeLessThan(0.02);
    expect(r.oobR2!).toBeGreaterThan(0.5);
    for (const e of r.effects) expect(e.sd).toBeGreaterThanOrEqual(0);
  });

  it(`a study past ${FANOVA_SAMPLES} trials: each tree sees that many, and the split is what all of them give`, () => {
    const { rows, space, exact } = sobolG(FANOVA_SAMPLES * 2, 6);
    const capped = fanova(rows, space, { seed: 1, trees: 16 })!;
    const whole = fanova(rows, space, { seed: 1, trees: 16, maxSamples: rows.length })!;
    // different forests (the cap is applied) that agree
    expect(capped.effects.map((e) => e.fraction)).not.toEqual(whole.effects.map((e) => e.fraction));
    capped.effects.forEach((e, j) => expect(Math.abs(e.fraction - whole.effects[j]!.fraction), e.param).toBeLessThan(0.02));
    expect(Math.abs(capped.effects[0]!.fraction - exact[0]!)).toBeLessThan(0.05);
  });

  it('nothing to split when every value is alike, or nothing searched', () => {
    const space: SearchSpace = { a: { type: 'uniform', min: 0, max: 1 } };
    const rows = Array.from({ length: 12 }, (_, i) => ({ number: i, state: 'COMPLETE', params: { a: i / 12 }, value: 3 }) as unknown as Trial);
    expect(fanova(rows, space)).toBeNull();
    expect(fanova(rows, { a: { type: 'constant', value: 1 } })).toBeNull();
  });
});
