/** Scale-aware search: what a later scale takes from the smaller ones (fitters/ladder/transfer.ts, pure). */
import { describe, expect, it } from 'vitest';
import { earlierScales, planTransfer, transferActive, TRANSFER_MIN_SPAN, type TransferPlan } from '../../../fitters/ladder/index.js';
import type { Distribution } from '../../../src/core/distributions.js';
import type { Trial } from '../../../src/core/trial.js';
import { ladder, lrStar, pushRun, trials } from '../../helpers/ladder.js';

const continuous: Distribution = { type: 'log_uniform_values', min: 1e-6, max: 1 };
const grid: Distribution = { type: 'categorical', values: [1e-4, 1e-3, 1e-2] };

describe('transfer', () => {
  it('is off unless asked; auto acts on a continuous lr searched by a proposing method, recenter on a discrete one', () => {
    expect(transferActive(undefined, false, continuous)).toBe('none');
    expect(transferActive('auto', false, continuous)).toBe('auto');
    expect(transferActive('auto', true, grid)).toBe('none');
    expect(transferActive('auto', false, grid)).toBe('none');
    expect(transferActive('recenter', true, grid)).toBe('recenter');
    expect(transferActive('recenter', false, continuous)).toBe('none');
  });

  const cfg = ladder([[1e8, 2e9], [4e8, 8e9], [1.6e9, 3.2e10]], { method: 'random', run_cap: 7, transfer: 'auto', parameters: { lr: { distribution: 'log_uniform_values', min: 1e-6, max: 1 } } });
  const third = cfg.scales![2]!;
  const done = trials(cfg, ['s3']);

  it('a third scale waits for the two before it, then searches a box centred on their prediction; its first run is the prediction', () => {
    const running = done.map((t, i) => (i === done.length - 1 ? { ...t, state: 'RUNNING' as const } : t));
    expect(earlierScales(cfg, running, 's3')).toEqual({ names: ['s1', 's2'], finished: false });
    expect(earlierScales(cfg, done, 's3').finished).toBe(true);
    const plan = planTransfer({ config: cfg, trials: done, seed: 1 }, third, 'auto') as TransferPlan;
    const truth = lrStar(third.params!, third.tokens);
    // noiseless runs: the law recovers lr* (to the basin's quartic, ln(1 + c·u²) against the fit's c·u²),
    // the box is at least TRANSFER_MIN_SPAN either side of it
    expect(plan.detail.lr.value / truth).toBeCloseTo(1, 2);
    const [lo, hi] = plan.detail.boxes.lr!;
    expect(Math.sqrt(lo * hi) / plan.detail.lr.value).toBeCloseTo(1, 6);
    expect(hi / lo).toBeGreaterThanOrEqual(TRANSFER_MIN_SPAN ** 2 * 0.999);
    expect(plan.space.lr).toEqual({ type: 'log_uniform_values', min: lo, max: hi });
    expect(plan.first!.lr).toBeCloseTo(plan.detail.lr.value, 12);
    expect(plan.detail.from).toEqual(['s1', 's2']);
  });

  it("never leaves the user's bounds: a prediction beyond them gets a box at the nearer edge", () => {
    const tight = ladder([[1e8, 2e9], [4e8, 8e9], [1.6e9, 3.2e10]], { method: 'random', run_cap: 7, transfer: 'auto', parameters: { lr: { distribution: 'log_uniform_values', min: 1e-2, max: 1 } } });
    const plan = planTransfer({ config: tight, trials: trials(tight, ['s3']), seed: 1 }, tight.scales![2]!, 'auto') as TransferPlan;
    expect(plan.detail.lr.value).toBeLessThan(1e-2);
    const space = plan.space.lr as { min: number; max: number };
    expect(space.min).toBe(1e-2);
    expect(space.max).toBeLessThanOrEqual(1);
    expect(plan.first!.lr).toBe(1e-2);
  });

  it('a law that extrapolates to no usable lr (two near-equal N, optima far apart) leaves the scale searched from scratch, saying why', () => {
    const near = ladder([[1e8, 2e9], [1.01e8, 2e9], [1.6e9, 3.2e10]], { method: 'random', run_cap: 7, transfer: 'auto', parameters: { lr: { distribution: 'log_uniform_values', min: 1e-6, max: 1 } } });
    // the second scale's optimum 300x the first's: lr* ∝ N^573, which is Infinity at 1.6e9
    const t = trials(near, ['s3']).map((x) => (x.scale!.name === 's2' ? { ...x, params: { lr: (x.params.lr as number) * 300 } } : x));
    const plan = planTransfer({ config: near, trials: t, seed: 1 }, near.scales![2]!, 'auto');
    expect(plan).toEqual({ none: expect.stringMatching(/the laws of the smaller scales predict lr\* = (Infinity|0|NaN) here, which no search can be centred on/) });
  });

  it("the batch size keeps the user's range (whatever its distribution), its first run at the predicted B*", () => {
    for (const batch of [{ distribution: 'q_log_uniform_values', min: 16, max: 2048, q: 1 }, { distribution: 'log_uniform_values', min: 16, max: 2048 }]) {
      const cfg2 = ladder([[1e8, 2e9], [4e8, 8e9], [1.6e9, 3.2e10]], { method: 'random', run_cap: 25, transfer: 'auto', parameters: { lr: { distribution: 'log_uniform_values', min: 1e-6, max: 1 }, batch_size: batch } });
      const bStar = (D: number) => 0.001 * D ** 0.5;
      const t: Trial[] = [];
      cfg2.scales!.slice(0, 2).forEach((sc, i) => {
        for (const fu of [0.25, 0.5, 1, 2, 4])
          for (const fv of [0.25, 0.5, 1, 2, 4]) {
            const [u, v] = [Math.log(fu * 1.1), Math.log(fv * 0.9)];
            const params = { lr: lrStar(sc.params!, sc.tokens) * Math.exp(u), batch_size: Math.round(bStar(sc.tokens) * Math.exp(v)) };
            pushRun(t, cfg2, i, params, (1 + 0.004 * u * u + 0.002 * v * v) * 3);
          }
      });
      const plan = planTransfer({ config: cfg2, trials: t, seed: 1 }, cfg2.scales![2]!, 'auto') as TransferPlan;
      expect(plan.detail.batch!.value / bStar(3.2e10)).toBeCloseTo(1, 0);
      expect(plan.detail.boxes.batch_size).toBeUndefined();
      expect(plan.space.batch_size).toEqual(cfg2.parameters.batch_size);
      expect(plan.detail.boxes.lr).toBeDefined();
      expect(Math.abs(Math.log((plan.first!.batch_size as number) / plan.detail.batch!.value))).toBeLessThan(0.01);
    }
  });

  it('recenter moves a grid onto the prediction, keeping its points relative to each other', () => {
    const g = ladder([[1e8, 2e9], [4e8, 8e9], [1.6e9, 3.2e10]], { transfer: 'recenter', parameters: { lr: { values: [1e-4, 1e-3, 1e-2, 1e-1, 1] } } });
    const plan = planTransfer({ config: g, trials: trials(g, ['s3']), seed: 1 }, g.scales![2]!, 'recenter') as TransferPlan;
    const moved = (plan.space.lr as { values: number[] }).values;
    expect(moved).toHaveLength(5);
    for (let i = 1; i < 5; i++) expect(moved[i]! / moved[i - 1]!).toBeCloseTo(10, 4);
    expect(moved[2]! / plan.detail.lr.value).toBeCloseTo(1, 4);
    expect(plan.first).toBeNull();
  });

  it('says why not where it cannot: too few earlier scales, or a scale without N', () => {
    expect(planTransfer({ config: cfg, trials: trials(cfg, ['s2', 's3']) }, cfg.scales![1]!, 'auto')).toEqual({ none: '1 earlier scale; transfer needs two' });
    expect(planTransfer({ config: cfg, trials: done }, { ...third, params: undefined } as never, 'auto')).toMatchObject({ none: expect.stringContaining('declares no params') });
  });
});
