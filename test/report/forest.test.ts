/**
 * The regression forest fANOVA integrates: its leaves tile the search space, a tree grown to purity
 * reproduces the rows it saw, categorical values are grouped by one split, and the out-of-bag R² tells
 * a function from noise.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { fitForest, fitTree, predictTree, type Feature, type Tree } from '../../src/report/forest.js';

const volume = (tree: Tree, features: readonly Feature[]): number =>
  tree.leaves.reduce((s, l) => s + features.reduce((v, f, j) => v * (f.kind === 'category' ? l.sets[j]!.filter(Boolean).length / f.levels : l.hi[j]! - l.lo[j]!), 1), 0);

function data(n: number, seed: number, f: (x: Float64Array) => number, features: readonly Feature[]): { X: Float64Array[]; y: number[] } {
  const rng = new Rng(seed);
  const X = Array.from({ length: n }, () => Float64Array.from(features, (ft) => (ft.kind === 'category' ? rng.int(0, ft.levels - 1) : rng.next())));
  return { X, y: X.map(f) };
}

describe('regression forest', () => {
  const features: Feature[] = [{ kind: 'number' }, { kind: 'category', levels: 4 }, { kind: 'number' }];
  const f = (x: Float64Array): number => Math.sin(6 * x[0]!) + (x[1] === 2 ? 1 : 0) + 0.1 * x[2]!;

  it('a tree grown to purity tiles the space and gives back every row it saw', () => {
    const { X, y } = data(200, 1, f, features);
    const tree = fitTree(X, Float64Array.from(y), [...X.keys()], features);
    expect(volume(tree, features)).toBeCloseTo(1, 12);
    X.forEach((x, i) => expect(predictTree(tree, x)).toBeCloseTo(y[i]!, 12));
    // no two leaves overlap: a point inside one leaf's box is inside no other's
    const rng = new Rng(9);
    for (let k = 0; k < 200; k++) {
      const x = Float64Array.from(features, (ft) => (ft.kind === 'category' ? rng.int(0, ft.levels - 1) : rng.next()));
      const holding = tree.leaves.filter((l) => features.every((ft, j) => (ft.kind === 'category' ? l.sets[j]![x[j]!] : x[j]! > l.lo[j]! && x[j]! < l.hi[j]!)));
      expect(holding).toHaveLength(1);
      expect(predictTree(tree, x)).toBe(holding[0]!.value);
    }
  });

  it('splits a step at its midpoint, and groups categorical values in one split by their means', () => {
    const X = [0.1, 0.2, 0.3, 0.7, 0.8].map((v) => Float64Array.of(v));
    const step = fitTree(X, Float64Array.of(0, 0, 0, 1, 1), [0, 1, 2, 3, 4], [{ kind: 'number' }]);
    expect(step.root).toMatchObject({ f: 0, threshold: 0.5 });
    expect(step.leaves.map((l) => [l.lo[0], l.hi[0], l.value])).toEqual([[0, 0.5, 0], [0.5, 1, 1]]);
    // values 0 and 3 alike, 1 and 2 alike: one split, not three one-hot ones
    const C = [0, 3, 1, 2, 0, 3, 1, 2].map((v) => Float64Array.of(v));
    const cat = fitTree(C, Float64Array.of(5, 5, 9, 9, 5, 5, 9, 9), [...C.keys()], [{ kind: 'category', levels: 4 }]);
    expect(cat.leaves).toHaveLength(2);
    expect(cat.leaves.map((l) => l.sets[0])).toEqual(expect.arrayContaining([[true, false, false, true], [false, true, true, false]]));
  });

  it('a value no trial in a node had goes with the larger side, so the leaves still cover it', () => {
    const C = [0, 0, 0, 1].map((v) => Float64Array.of(v));
    const tree = fitTree(C, Float64Array.of(1, 1, 1, 4), [0, 1, 2, 3], [{ kind: 'category', levels: 3 }]);
    const withTwo = tree.leaves.find((l) => l.sets[0]![2]);
    expect(withTwo?.sets[0]).toEqual([true, false, true]);
    expect(predictTree(tree, Float64Array.of(2))).toBe(1);
  });

  it('out-of-bag R² is high on a function and near zero or below on noise; the same seed, the same forest', () => {
    const { X, y } = data(300, 2, f, features);
    const fit = fitForest(X, y, features, { seed: 3 });
    expect(fit.trees).toHaveLength(64);
    expect(fit.oobR2!).toBeGreaterThan(0.9);
    const rng = new Rng(4);
    const noise = fitForest(X, X.map(() => rng.normal()), features, { seed: 3 });
    expect(noise.oobR2!).toBeLessThan(0.1);
    const again = fitForest(X, y, features, { seed: 3 });
    expect(again.trees.map((t) => t.leaves.map((l) => l.value))).toEqual(fit.trees.map((t) => t.leaves.map((l) => l.value)));
    expect(fitForest(X, y, features, { seed: 4 }).trees[0]!.leaves.map((l) => l.value)).not.toEqual(fit.trees[0]!.leaves.map((l) => l.value));
  });

  it('maxSamples bounds each tree to that many draws, and the rest of the rows judge it out of bag', () => {
    const { X, y } = data(3000, 5, f, features);
    const fit = fitForest(X, y, features, { seed: 3, trees: 8, maxSamples: 256 });
    // grown to purity, a tree has a leaf per distinct row drawn: at most the draws
    for (const t of fit.trees) expect(t.leaves.length).toBeLessThanOrEqual(256);
    expect(fit.oobR2!).toBeGreaterThan(0.8);
    const all = fitForest(X, y, features, { seed: 3, trees: 8 });
    expect(Math.min(...all.trees.map((t) => t.leaves.length))).toBeGreaterThan(1000);
  });
});
