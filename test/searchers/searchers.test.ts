/** One seeded table for every searcher: the same contract, the same checks. */
import { describe, expect, it } from 'vitest';
import { contains, toUnit, type SearchSpace } from '../../src/core/distributions.js';
import { SEARCHERS } from '../../searchers/index.js';
import { SobolSequence } from '../../searchers/sobol.js';
import type { HistoryTrial, Searcher } from '../../searchers/types.js';

const SPACE: SearchSpace = {
  lr: { type: 'log_uniform_values', min: 1e-4, max: 1e-1 },
  batch_size: { type: 'categorical', values: [16, 32, 64, 128] },
  layers: { type: 'int_uniform', min: 2, max: 4 },
  warmup: { type: 'q_uniform', min: 0, max: 0.2, q: 0.05 },
  opt: { type: 'constant', value: 'adamw' },
};
const GRID_SPACE: SearchSpace = { batch_size: SPACE.batch_size!, layers: SPACE.layers!, opt: SPACE.opt! };

const asHistory = (ps: { params: HistoryTrial['params'] }[]): HistoryTrial[] => ps.map((p, i) => ({ number: i, state: 'COMPLETE', params: p.params, value: i }));

const TABLE = (Object.keys(SEARCHERS) as (keyof typeof SEARCHERS)[]).map((m) => [m, m === 'grid' ? GRID_SPACE : SPACE] as const);

describe.each(TABLE)('searcher %s', (method, space) => {
  const make = (seed: number): Searcher => SEARCHERS[method]({ space, seed, goal: 'minimize' });

  it('same seed, same proposals', () => {
    expect(make(11).suggest([], 6)).toEqual(make(11).suggest([], 6));
  });

  it('proposes only values inside the space, for every parameter', () => {
    for (const p of make(3).suggest([], 12)) {
      expect(Object.keys(p.params).sort()).toEqual(Object.keys(space).sort());
      for (const [k, d] of Object.entries(space)) expect(contains(d, p.params[k]!)).toBe(true);
    }
  });

  it('continues the same sequence after a resume (history-based, no hidden state)', () => {
    const all = make(5).suggest([], 6);
    const first = make(5).suggest([], 3);
    const rest = make(5).suggest(asHistory(first), 3);
    expect([...first, ...rest]).toEqual(all);
  });

  it('returns n distinct proposals for parallel workers', () => {
    const ps = make(9).suggest([], 8).map((p) => JSON.stringify(p.params));
    expect(new Set(ps).size).toBe(8);
  });

  if (method !== 'grid') {
    it('another seed, other proposals', () => {
      expect(make(1).suggest([], 4)).not.toEqual(make(2).suggest([], 4));
    });
  }
});

describe('grid (W&B semantics)', () => {
  const grid = SEARCHERS.grid({ space: GRID_SPACE, seed: 0 });
  it('walks every combination once, last parameter fastest, then is exhausted', () => {
    const all = grid.suggest([], 100);
    expect(all.length).toBe(12);
    expect(all.slice(0, 4).map((p) => [p.params.batch_size, p.params.layers])).toEqual([
      [16, 2],
      [16, 3],
      [16, 4],
      [32, 2],
    ]);
    expect(grid.suggest(asHistory(all), 1)).toEqual([]);
  });
  it('gives a STALE point out again, and skips points other workers hold', () => {
    const all = grid.suggest([], 12);
    const history = asHistory(all.slice(0, 3));
    history[1]!.state = 'STALE';
    history[2]!.state = 'RUNNING';
    expect(grid.suggest(history, 2).map((p) => p.params)).toEqual([all[1]!.params, all[3]!.params]);
  });
});

describe('sobol', () => {
  it('is the Sobol sequence (Joe-Kuo directions) before scrambling', () => {
    const s = new SobolSequence(3, 0, false);
    expect([0, 1, 2, 3, 4].map((k) => s.point(k))).toEqual([
      [0, 0, 0],
      [0.5, 0.5, 0.5],
      [0.75, 0.25, 0.25],
      [0.25, 0.75, 0.75],
      [0.375, 0.375, 0.625],
    ]);
  });

  it('scrambled, every 2^k block still fills each of the 2^k strata once per dimension', () => {
    const s = new SobolSequence(32, 123);
    const pts = Array.from({ length: 256 }, (_, k) => s.point(k));
    for (let d = 0; d < 32; d++) expect(new Set(pts.map((p) => Math.floor(p[d]! * 256))).size).toBe(256);
  });

  it('covers a log-scale learning rate evenly in log space (better than random)', () => {
    const strata = (m: 'sobol' | 'random'): number => {
      const ps = SEARCHERS[m]({ space: { lr: SPACE.lr! }, seed: 4 }).suggest([], 32);
      return new Set(ps.map((p) => Math.floor(toUnit(SPACE.lr!, p.params.lr!) * 32))).size;
    };
    expect(strata('sobol')).toBe(32);
    expect(strata('random')).toBeLessThan(32);
  });
});
