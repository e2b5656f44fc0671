/**
 * A regression random forest over a study's trials, kept as explicit boxes so that fANOVA
 * (src/report/fanova.ts) can integrate it exactly. Numbers live in [0, 1] (the unit cube the searchers
 * use) and split at midpoints between neighbouring values; a categorical splits into two sets of its
 * values, found by ordering the values by their mean (optimal for squared error, Breiman's result),
 * so that one split can group any values together, where one-hot columns would need a split per value.
 * Each tree is grown on a bootstrap sample to purity with every feature considered at each split, as
 * scikit-learn's regressor does by default; `maxSamples` bounds the sample's size (its max_samples), so
 * that a tree's cost stops growing with the study. Pure and seeded.
 */
import { Rng } from '../core/rng.js';

/** `levels` values of a categorical, coded 0 … levels−1; a number in [0, 1] otherwise. */
export type Feature = { kind: 'number' } | { kind: 'category'; levels: number };

/**
 * A leaf: its mean and the region it covers. `lo`/`hi` bound numbers (unused entries for categories);
 * `sets` holds, for a categorical, which of its values fall here (null entries for numbers).
 */
export interface Leaf {
  value: number;
  lo: Float64Array;
  hi: Float64Array;
  sets: (boolean[] | null)[];
}

/** How a tree is walked: a leaf's index, or a split with its two sides. */
export type Node = { leaf: number } | { f: number; threshold: number; leftSet: boolean[] | null; left: Node; right: Node };

export interface Tree {
  leaves: Leaf[];
  root: Node;
}

/** The forest, and how well it predicts the trials each tree did not see (out of bag). */
export interface Forest {
  trees: Tree[];
  /** 1 − the out-of-bag squared error over the values' variance; null with no row out of every bag */
  oobR2: number | null;
}

export interface ForestOptions {
  trees?: number;
  maxDepth?: number;
  minLeaf?: number;
  seed?: number;
  /** each tree's bootstrap sample: this many rows drawn with replacement, at most (all of them by default) */
  maxSamples?: number;
}

interface Region {
  lo: Float64Array;
  hi: Float64Array;
  sets: (boolean[] | null)[];
}

interface Split {
  f: number;
  threshold: number;
  leftSet: boolean[] | null;
}

const goesLeft = (s: Split, x: number): boolean => (s.leftSet ? s.leftSet[x]! : x <= s.threshold);

// the decrease in squared error from splitting n values summing to `total` after nl of them, up to a constant
const gainOf = (sumLeft: number, nl: number, total: number, n: number): number => (sumLeft * sumLeft) / nl + ((total - sumLeft) * (total - sumLeft)) / (n - nl) - (total * total) / n;

/**
 * A tree grown on the rows `idx` of `X` (repeats allowed: a bootstrap sample). Each node keeps its
 * samples sorted along every number, the order sorted once at the root and kept by stable partitions,
 * so that no node sorts again.
 */
export function fitTree(X: readonly Float64Array[], y: Float64Array, idx: readonly number[], features: readonly Feature[], o: Omit<ForestOptions, 'trees' | 'seed'> = {}, rowsSorted: readonly (Int32Array | null)[] = sortRows(X, features)): Tree {
  const d = features.length;
  const m = idx.length;
  const maxDepth = o.maxDepth ?? 64;
  const minLeaf = o.minLeaf ?? 1;
  // by sample position, not row: a row drawn twice is two samples
  const xs = features.map(() => new Float64Array(m));
  const ys = new Float64Array(m);
  idx.forEach((i, pos) => {
    ys[pos] = y[i]!;
    for (let f = 0; f < d; f++) xs[f]![pos] = X[i]![f]!;
  });
  const all = Int32Array.from({ length: m }, (_, k) => k);
  // the samples of each row, to lay them out in the rows' sorted order without sorting again
  const start = new Int32Array(X.length + 1);
  for (const i of idx) start[i + 1]! += 1;
  for (let i = 0; i < X.length; i++) start[i + 1]! += start[i]!;
  const fill = start.slice(0, X.length);
  const byRow = new Int32Array(m);
  idx.forEach((i, pos) => (byRow[fill[i]!++] = pos));
  const rootOrder = features.map((_, f) => {
    const rows = rowsSorted[f];
    if (!rows) return all;
    const out = new Int32Array(m);
    let k = 0;
    for (const i of rows) for (let q = start[i]!; q < start[i + 1]!; q++) out[k++] = byRow[q]!;
    return out;
  });
  const toLeft = new Uint8Array(m);
  const leaves: Leaf[] = [];

  function bestSplit(order: readonly Int32Array[], region: Region, total: number): Split | null {
    const n = order[0]!.length;
    let best = 0;
    let found: Split | null = null;
    const better = (gain: number): boolean => gain > best + 1e-12 * Math.abs(best);
    for (let f = 0; f < d; f++) {
      const feat = features[f]!;
      const col = xs[f]!;
      const ord = order[f]!;
      if (feat.kind === 'number') {
        let sumLeft = 0;
        for (let k = 0; k < n - 1; k++) {
          sumLeft += ys[ord[k]!]!;
          const here = col[ord[k]!]!;
          const next = col[ord[k + 1]!]!;
          if (next <= here || k + 1 < minLeaf || n - k - 1 < minLeaf) continue;
          const gain = gainOf(sumLeft, k + 1, total, n);
          if (better(gain)) {
            best = gain;
            found = { f, threshold: (here + next) / 2, leftSet: null };
          }
        }
        continue;
      }
      const sums = new Float64Array(feat.levels);
      const counts = new Float64Array(feat.levels);
      for (const pos of ord) {
        sums[col[pos]!]! += ys[pos]!;
        counts[col[pos]!]! += 1;
      }
      const present = [...Array(feat.levels).keys()].filter((c) => counts[c]! > 0).sort((p, q) => sums[p]! / counts[p]! - sums[q]! / counts[q]!);
      let sumLeft = 0;
      let nl = 0;
      for (let k = 0; k < present.length - 1; k++) {
        sumLeft += sums[present[k]!]!;
        nl += counts[present[k]!]!;
        if (nl < minLeaf || n - nl < minLeaf) continue;
        const gain = gainOf(sumLeft, nl, total, n);
        if (!better(gain)) continue;
        best = gain;
        const within = region.sets[f]!;
        const leftSet = new Array<boolean>(feat.levels).fill(false);
        for (const c of present.slice(0, k + 1)) leftSet[c] = true;
        // values this node has no sample of go with the larger side: nothing says where they belong
        if (nl >= n - nl) for (let c = 0; c < feat.levels; c++) if (within[c] && counts[c] === 0) leftSet[c] = true;
        found = { f, threshold: 0, leftSet };
      }
    }
    return found;
  }

  function grow(order: Int32Array[], region: Region, depth: number): Node {
    const members = order[0]!;
    const n = members.length;
    let total = 0;
    let pure = true;
    for (const pos of members) {
      total += ys[pos]!;
      if (ys[pos] !== ys[members[0]!]) pure = false;
    }
    const split = depth < maxDepth && n >= 2 * minLeaf && !pure ? bestSplit(order, region, total) : null;
    if (!split) {
      leaves.push({ value: total / n, ...region });
      return { leaf: leaves.length - 1 };
    }
    const col = xs[split.f]!;
    let nl = 0;
    for (const pos of members) nl += toLeft[pos] = goesLeft(split, col[pos]!) ? 1 : 0;
    const lefts: Int32Array[] = [];
    const rights: Int32Array[] = [];
    for (const ord of order) {
      const l = new Int32Array(nl);
      const r = new Int32Array(n - nl);
      let i = 0;
      let j = 0;
      for (const pos of ord) {
        if (toLeft[pos]) l[i++] = pos;
        else r[j++] = pos;
      }
      lefts.push(l);
      rights.push(r);
    }
    const left: Region = { lo: region.lo.slice(), hi: region.hi.slice(), sets: region.sets.slice() };
    const right: Region = { lo: region.lo.slice(), hi: region.hi.slice(), sets: region.sets.slice() };
    const { f, threshold, leftSet } = split;
    if (leftSet) {
      left.sets[f] = region.sets[f]!.map((inside, c) => inside && leftSet[c]!);
      right.sets[f] = region.sets[f]!.map((inside, c) => inside && !leftSet[c]!);
    } else {
      left.hi[f] = threshold;
      right.lo[f] = threshold;
    }
    return { f, threshold, leftSet, left: grow(lefts, left, depth + 1), right: grow(rights, right, depth + 1) };
  }

  const region: Region = { lo: new Float64Array(d), hi: new Float64Array(d).fill(1), sets: features.map((f) => (f.kind === 'category' ? new Array<boolean>(f.levels).fill(true) : null)) };
  const root = grow(d > 0 ? rootOrder : [all], region, 0);
  return { leaves, root };
}

/** Each number's rows in increasing order (null for categoricals): sorted once for all the trees. */
function sortRows(X: readonly Float64Array[], features: readonly Feature[]): (Int32Array | null)[] {
  const rows = Int32Array.from({ length: X.length }, (_, i) => i);
  return features.map((feat, f) => (feat.kind === 'number' ? rows.slice().sort((p, q) => X[p]![f]! - X[q]![f]!) : null));
}

/** What a tree predicts at `x`. */
export function predictTree(tree: Tree, x: Float64Array): number {
  let node = tree.root;
  while (!('leaf' in node)) node = goesLeft(node, x[node.f]!) ? node.left : node.right;
  return tree.leaves[node.leaf]!.value;
}

/** `trees` trees, each on its own bootstrap sample of the rows (as many as there are rows, or `maxSamples`). */
export function fitForest(X: readonly Float64Array[], y: readonly number[], features: readonly Feature[], o: ForestOptions = {}): Forest {
  const rng = new Rng(o.seed ?? 0, 0x6f7265);
  const ys = Float64Array.from(y);
  const n = X.length;
  const oobSum = new Float64Array(n);
  const oobCount = new Float64Array(n);
  const rowsSorted = sortRows(X, features);
  const draws = Math.min(n, o.maxSamples ?? n);
  const trees = Array.from({ length: o.trees ?? 64 }, () => {
    const idx = Array.from({ length: draws }, () => rng.int(0, n - 1));
    const tree = fitTree(X, ys, idx, features, o, rowsSorted);
    const inBag = new Uint8Array(n);
    for (const i of idx) inBag[i] = 1;
    for (let i = 0; i < n; i++) {
      if (inBag[i]) continue;
      oobSum[i]! += predictTree(tree, X[i]!);
      oobCount[i]! += 1;
    }
    return tree;
  });
  const seen = [...Array(n).keys()].filter((i) => oobCount[i]! > 0);
  if (seen.length < 2) return { trees, oobR2: null };
  const mean = seen.reduce((s, i) => s + ys[i]!, 0) / seen.length;
  const variance = seen.reduce((s, i) => s + (ys[i]! - mean) ** 2, 0);
  const error = seen.reduce((s, i) => s + (ys[i]! - oobSum[i]! / oobCount[i]!) ** 2, 0);
  return { trees, oobR2: variance > 0 ? 1 - error / variance : null };
}
