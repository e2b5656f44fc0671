/** A ladder's progress per scale (pure), as the live view's bars show it. */
import { describe, expect, it } from 'vitest';
import { ladderProgress } from '../../../fitters/ladder/index.js';
import { lawLoss, liveLadder, trials } from '../../helpers/ladder.js';

describe('ladderProgress', () => {
  it('the live view: bars per scale', () => {
    const cfg = liveLadder();
    const p = ladderProgress(cfg, trials(cfg).slice(0, 10));
    expect(p.map((x) => [x.name, x.finished, x.budget, x.done])).toEqual([['s1', 7, 7, true], ['s2', 3, 7, false], ['s3', 0, 7, false]]);
    expect(p[0]!.best).toBeCloseTo(lawLoss(1e8, 2e9) * (1 + 0.004 * Math.log(1.1) ** 2), 10);
  });
});
