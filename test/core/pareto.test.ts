import { describe, expect, it } from 'vitest';
import { dominates, hypervolume, nondominated, paretoTrials, referencePoint, signedVector } from '../../src/core/pareto.js';
import { Rng } from '../../src/core/rng.js';

/** The volume dominated by `points` up to `ref`, estimated on a regular grid of cell centres (slow, obviously right). */
function gridVolume(points: number[][], ref: number[], lo: number[], cells: number): number {
  const d = ref.length;
  const size = ref.map((r, i) => (r - lo[i]!) / cells);
  let hits = 0;
  const idx = new Array<number>(d).fill(0);
  for (let n = 0; n < cells ** d; n++) {
    let k = n;
    for (let i = 0; i < d; i++) {
      idx[i] = k % cells;
      k = Math.floor(k / cells);
    }
    const c = idx.map((j, i) => lo[i]! + (j + 0.5) * size[i]!);
    if (points.some((p) => p.every((v, i) => v <= c[i]!))) hits++;
  }
  return hits * size.reduce((a, b) => a * b, 1);
}

describe('Pareto dominance and fronts', () => {
  it('a point dominates another when no worse anywhere and better somewhere; equal points do not dominate', () => {
    expect(dominates([1, 2], [2, 2])).toBe(true);
    expect(dominates([1, 2], [1, 2])).toBe(false);
    expect(dominates([1, 3], [2, 2])).toBe(false);
  });

  it('keeps the nondominated points, duplicates included, in input order', () => {
    expect(nondominated([[3, 1], [1, 3], [2, 2], [2, 3], [1, 3], [4, 4]])).toEqual([0, 1, 2, 4]);
  });

  it('puts maximised objectives in minimisation form and refuses a missing or non-finite value', () => {
    const o = [{ name: 'loss', goal: 'minimize' as const }, { name: 'acc', goal: 'maximize' as const }];
    expect(signedVector({ loss: 1, acc: 0.9 }, o)).toEqual([1, -0.9]);
    expect(signedVector({ loss: 1, acc: null }, o)).toBeNull();
    expect(signedVector({ loss: Number.NaN, acc: 1 }, o)).toBeNull();
    expect(signedVector(null, o)).toBeNull();
  });

  it('the front of trials leaves out unfinished, infeasible and incomplete ones', () => {
    const o = [{ name: 'a', goal: 'minimize' as const }, { name: 'b', goal: 'minimize' as const }];
    const t = (n: number, state: 'COMPLETE' | 'FAIL', values: Record<string, number | null> | null, infeasible: string | null = null) => ({ number: n, state, values, infeasible });
    const trials = [t(0, 'COMPLETE', { a: 1, b: 5 }), t(1, 'COMPLETE', { a: 0, b: 0 }, 'too big'), t(2, 'FAIL', null), t(3, 'COMPLETE', { a: 2, b: 2 }), t(4, 'COMPLETE', { a: 3, b: 3 }), t(5, 'COMPLETE', { a: 0.5, b: null })];
    expect(paretoTrials(trials, o).map((x) => x.number)).toEqual([0, 3]);
  });
});

describe('hypervolume', () => {
  it('is exact on small fronts worked by hand, in two and three objectives', () => {
    expect(hypervolume([[1, 3], [2, 2], [3, 1]], [4, 4])).toBeCloseTo(6, 12);
    // dominated and outside points change nothing
    expect(hypervolume([[1, 3], [2, 2], [3, 1], [3, 3], [5, 0]], [4, 4])).toBeCloseTo(6, 12);
    expect(hypervolume([[0, 0, 0]], [1, 2, 3])).toBeCloseTo(6, 12);
    expect(hypervolume([[1, 0, 0], [0, 1, 0], [0, 0, 1]], [2, 2, 2])).toBeCloseTo(7, 12); // 3 boxes of 4, less 3 overlaps of 2, plus the cube of 1 they share
    expect(hypervolume([], [1, 1])).toBe(0);
  });

  it('agrees with a grid count on random fronts of three and four objectives', () => {
    const rng = new Rng(7);
    for (const d of [3, 4]) {
      const pts = Array.from({ length: 8 }, () => Array.from({ length: d }, () => rng.next()));
      const ref = new Array<number>(d).fill(1);
      const cells = d === 3 ? 60 : 24;
      expect(Math.abs(hypervolume(pts, ref) - gridVolume(pts, ref, new Array<number>(d).fill(0), cells))).toBeLessThan(d === 3 ? 0.01 : 0.03);
    }
  });

  it('the reference point lies beyond the worst value of each objective', () => {
    expect(referencePoint([[1, 10], [3, 20]])).toEqual([3.2, 21]);
  });
});
