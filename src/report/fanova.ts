/**
 * fANOVA (Hutter, Hoos and Leyton-Brown 2014): fit a random forest to the trials, then split each
 * tree's variance over the search space into the parts each parameter explains on its own. A tree is
 * a piecewise-constant function over boxes, so its marginal along one parameter (the mean over all the
 * others) is exact: along a number it is constant between the tree's split points on it, along a
 * categorical constant per value. A parameter's importance is the variance of its marginal as a
 * fraction of the tree's variance, averaged over the trees. Integration is uniform over the unit cube
 * the searchers use, so a log-scaled parameter counts each decade alike (Optuna integrates such a
 * parameter on its raw scale, where the top decade is nine tenths of the range). Each tree sees at most
 * FANOVA_SAMPLES trials (a bootstrap sample of that size): a forest grown to purity on all of a large
 * study's trials costs seconds that the dashboard, refitting as trials complete, would spend blocked.
 * Pure.
 */
import { isFixed, toUnit, valueIndex, type SearchSpace } from '../core/distributions.js';
import type { Trial } from '../core/trial.js';
import { fitForest, type Feature, type ForestOptions, type Tree } from './forest.js';

/** Up to here every trial is in each tree's sample (Optuna's fANOVA uses them all); beyond, the forest's cost stays that of this many. */
export const FANOVA_SAMPLES = 2048;

/** Per parameter: the fraction of the variance it explains alone, mean and spread over the trees. */
export interface MainEffect {
  param: string;
  fraction: number;
  sd: number;
}

/** Each tree's variance and each feature's main-effect variance in it. */
const inSet = (set: readonly boolean[]): number => {
  let k = 0;
  for (const x of set) if (x) k++;
  return k;
};

export function treeVariances(tree: Tree, features: readonly Feature[]): { total: number; effects: number[] } {
  const vol = tree.leaves.map((l) => {
    let v = 1;
    features.forEach((f, j) => (v *= f.kind === 'category' ? inSet(l.sets[j]!) / f.levels : l.hi[j]! - l.lo[j]!));
    return v;
  });
  const mean = tree.leaves.reduce((s, l, i) => s + vol[i]! * l.value, 0);
  const total = tree.leaves.reduce((s, l, i) => s + vol[i]! * (l.value - mean) ** 2, 0);
  const effects = features.map((f, j) => {
    if (f.kind === 'category') {
      const marginal = new Float64Array(f.levels);
      tree.leaves.forEach((l, i) => {
        const share = inSet(l.sets[j]!) / f.levels;
        // the leaf's weight over the other parameters, spread on the values it covers here
        for (let c = 0; c < f.levels; c++) if (l.sets[j]![c]) marginal[c]! += (l.value * vol[i]!) / share;
      });
      return marginal.reduce((s, m) => s + (m - mean) ** 2, 0) / f.levels;
    }
    const cuts = [...new Set([0, 1, ...tree.leaves.flatMap((l) => [l.lo[j]!, l.hi[j]!])])].sort((a, b) => a - b);
    const at = new Map(cuts.map((c, k) => [c, k]));
    // a leaf adds to every interval between its ends: a difference array keeps that linear
    const steps = new Float64Array(cuts.length);
    tree.leaves.forEach((l, i) => {
      const width = l.hi[j]! - l.lo[j]!;
      if (width <= 0) return;
      const add = (l.value * vol[i]!) / width;
      steps[at.get(l.lo[j]!)!]! += add;
      steps[at.get(l.hi[j]!)!]! -= add;
    });
    let run = 0;
    let v = 0;
    for (let k = 0; k < cuts.length - 1; k++) {
      run += steps[k]!;
      v += (cuts[k + 1]! - cuts[k]!) * (run - mean) ** 2;
    }
    return v;
  });
  return { total, effects };
}

/**
 * Main effects of the searched parameters over the completed trials given (already filtered to those
 * with a finite value), with the forest's out-of-bag R²; null when the forest varies nowhere (every
 * value alike) or nothing is searched.
 */
export function fanova(rows: readonly Trial[], space: SearchSpace, o: ForestOptions = {}): { effects: MainEffect[]; oobR2: number | null } | null {
  const params = Object.entries(space).filter(([, d]) => !isFixed(d));
  if (params.length === 0) return null;
  const features: Feature[] = params.map(([, d]) => (d.type === 'categorical' ? { kind: 'category', levels: d.values.length } : { kind: 'number' }));
  const X = rows.map((t) =>
    Float64Array.from(params, ([name, d]) => {
      if (d.type !== 'categorical') return Math.min(1, Math.max(0, toUnit(d, t.params[name] ?? null)));
      return Math.max(0, valueIndex(d, t.params[name] ?? null));
    }),
  );
  const { trees, oobR2 } = fitForest(X, rows.map((t) => t.value!), features, { maxSamples: FANOVA_SAMPLES, ...o });
  const fractions = params.map(() => [] as number[]);
  for (const tree of trees) {
    const { total, effects } = treeVariances(tree, features);
    if (!(total > 0)) continue;
    effects.forEach((e, j) => fractions[j]!.push(Math.max(0, e) / total));
  }
  if (fractions[0]!.length === 0) return null;
  const effects = params.map(([param], j) => {
    const xs = fractions[j]!;
    const m = xs.reduce((a, b) => a + b, 0) / xs.length;
    return { param, fraction: m, sd: Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length) };
  });
  return { effects, oobR2 };
}
