/** Verify plans (pure): the run at the largest scale or at the target, with the hyperparameters the laws predict. */
import { describe, expect, it } from 'vitest';
import { planVerify } from '../../../fitters/ladder/index.js';
import { ladder, lrStar, trials } from '../../helpers/ladder.js';

describe('planVerify', () => {
  it('plans a verify run at the largest scale from the laws fitted without it, and at the target from all', () => {
    const cfg = ladder([[1e8, 2e9], [4e8, 8e9], [1.6e9, 3.2e10], [6.4e9, 1.28e11]]);
    const largest = planVerify(cfg, trials(cfg), [], 'largest');
    expect(largest.scale).toMatchObject({ name: 's4', role: 'verify', params: 6.4e9, tokens: 1.28e11 });
    expect((largest.params.lr as number) / lrStar(6.4e9, 1.28e11)).toBeCloseTo(1, 4);
    const target = planVerify(cfg, trials(cfg), [], 'target');
    expect(target.scale).toMatchObject({ name: 'target', target: true, params: 7e10 });
    expect(target.scale.predicted.loss).not.toBeNull();
    expect(() => planVerify(ladder([[1e8, 2e9], [4e8, 8e9]]), trials(ladder([[1e8, 2e9], [4e8, 8e9]])), [], 'largest')).toThrow(/at least 2 others/);
  });
});
