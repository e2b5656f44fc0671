/** The live view's running law fit: shown only once two scales are done. */
import { describe, expect, it } from 'vitest';
import { ladderFitLines } from '../../src/report/ladder-view.js';
import { liveLadder, trials } from '../helpers/ladder.js';

describe('ladderFitLines', () => {
  it('the live view: the running fit only once two scales are done', () => {
    const cfg = liveLadder();
    const all = trials(cfg);
    expect(ladderFitLines(cfg, all.slice(0, 10), 0)).toBeNull();
    const lines = ladderFitLines(cfg, all.slice(0, 14), 0)!;
    expect(lines.join('\n')).toMatch(/lr\* = a·N\^alpha_N: a=[\d.]+ alpha_N=-0\.4/);
    expect(lines.join('\n')).toMatch(/target: lr\* .* \(from 2 scales\)/);
  });
});
