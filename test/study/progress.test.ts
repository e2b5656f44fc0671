import { describe, expect, it } from 'vitest';
import { validateStudyConfig } from '../../src/config/index.js';
import type { Trial } from '../../src/core/trial.js';
import { formatSearchCount, searchBudget, searchCount } from '../../src/study/progress.js';
import { gridSize } from '../../src/core/distributions.js';

const cfg = (raw: Record<string, unknown>) => validateStudyConfig({ metric: { name: 'loss' }, backend: { type: 'sim' }, ...raw }, { forRun: false });
const scales = [{ params: 1e8, tokens: 2e9 }, { params: 4e8, tokens: 8e9, run_cap: 3 }];

describe('search counts, as studies prints them', () => {
  it("a grid's budget is its points (at most its run cap); a random search's its run cap; none without one", () => {
    expect(searchBudget(cfg({ method: 'grid', parameters: { lr: { values: [1, 2, 3] }, batch_size: { values: [16, 32] } } }))).toBe(6);
    expect(searchBudget(cfg({ method: 'grid', run_cap: 4, parameters: { lr: { values: [1, 2, 3] }, batch_size: { values: [16, 32] } } }))).toBe(4);
    expect(searchBudget(cfg({ method: 'random', run_cap: 7, parameters: { lr: { min: 0.001, max: 0.1 } } }))).toBe(7);
    expect(searchBudget(cfg({ method: 'random', parameters: { lr: { min: 0.001, max: 0.1 } } }))).toBeNull();
  });

  it('a grid is as many points as its values multiply to; a continuous distribution has none', () => {
    expect(gridSize({ a: { type: 'categorical', values: [1, 2, 3] }, b: { type: 'constant', value: 1 }, c: { type: 'int_uniform', min: 1, max: 4 } })).toBe(12);
    expect(gridSize({ a: { type: 'uniform', min: 0, max: 1 } })).toBeNull();
  });

  it("a ladder's budget is the sum of its scales'; its verify runs are counted apart", () => {
    const c = cfg({ method: 'grid', parameters: { lr: { values: [1, 2, 3, 4, 5] } }, scales });
    expect(searchBudget(c)).toBe(5 + 3);
    const t = (state: Trial['state'], role?: 'verify') => ({ state, scale: { name: 's', ...(role ? { role } : {}) } }) as unknown as Trial;
    const count = searchCount(c, [t('COMPLETE'), t('COMPLETE'), t('FAIL'), t('COMPLETE', 'verify')]);
    expect(count).toEqual({ complete: 2, budget: 8, verify: 1 });
    expect(formatSearchCount(count)).toBe('2 of 8 + 1 verify');
    expect(formatSearchCount({ complete: 40, budget: null, verify: 0 })).toBe('40');
  });
});
