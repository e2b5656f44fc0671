/** The live view of a ladder: each done scale's optimum, the running fit once two are, the target once its interval is narrow. */
import { describe, expect, it } from 'vitest';
import { summarizeLadder } from '../../fitters/ladder/index.js';
import { ladderLive } from '../../src/report/ladder-view.js';
import { fmtPredicted } from '../../src/report/ladder-text.js';
import { liveLadder, trials } from '../helpers/ladder.js';

describe('ladderLive', () => {
  const cfg = liveLadder();
  const all = trials(cfg);

  it('shows the running fit only once two scales are done, and a target only once its lr interval spans less than 10x', () => {
    expect(ladderLive(cfg, all.slice(0, 6), 0).lines).toBeNull();
    const one = ladderLive(cfg, all.slice(0, 7), 0);
    expect(one.lines).toBeNull();
    expect(one.optima['s1']).toMatchObject({ method: 'interpolated' });
    // two scales fit a two-coefficient law exactly: no interval, so nothing to extrapolate with yet
    const two = ladderLive(cfg, all.slice(0, 14), 0).lines!.join('\n');
    expect(two).toMatch(/lr\* = a·N\^alpha_N: a=[\d.]+ alpha_N=-0\.4/);
    expect(two).toMatch(/target: too few scales to extrapolate \(no interval for lr\* yet\)\s+\(from 2 scales\)/);
  });

  it('once every scale is done, shows what the final summary shows: the same lr* per scale and the same prediction', () => {
    const live = ladderLive(cfg, all, 3);
    const final = summarizeLadder({ config: cfg, trials: all, seed: 3 });
    for (const z of final.scales) expect(live.optima[z.name]).toEqual(z.optimum);
    expect(live.lines!.join('\n')).toContain(`target: lr* ${fmtPredicted(final.prediction!.lr)}`);
  });
});
