/** A ladder's compute budget shared out as runs per scale, and when a budgeted scale may stop early (pure). */
import { describe, expect, it } from 'vitest';
import { allocateRuns, BUDGET_MIN_RUNS, leastBudget, runCost, scaleOptimum, scaleSettled } from '../../../fitters/ladder/index.js';
import type { ScaleConfig } from '../../../src/config/index.js';
import type { LadderRun } from '../../../fitters/ladder/index.js';

const scale = (name: string, params: number, tokens: number): ScaleConfig => ({ name, params, tokens, model: {}, parameters: {} });
const scales = [scale('s', 1e8, 2e9), scale('m', 4e8, 8e9), scale('l', 1.6e9, 3.2e10)];

describe('budget: {flops}', () => {
  it('gives every scale its fewest runs, then fills the cheapest scales first: cheap scales search long, the largest get few', () => {
    const flops = 8 * runCost(scales[2]!) + 30 * runCost(scales[1]!) + 48 * runCost(scales[0]!);
    const runs = allocateRuns(scales, flops)!;
    expect(runs.get('s')).toBe(48);
    expect(runs.get('l')).toBeGreaterThanOrEqual(BUDGET_MIN_RUNS);
    expect(runs.get('m')).toBe(48);
    expect(runs.get('l')).toBe(6);
    const spent = scales.reduce((sum, s) => sum + runs.get(s.name)! * runCost(s), 0);
    expect(spent).toBeLessThanOrEqual(flops);
    // nothing more fits: one more run at the cheapest scale below its cap would overspend
    expect(allocateRuns(scales, flops, 24)!.get('s')).toBe(24);
  });

  it('refuses a budget below the fewest runs at every scale, saying how much that is', () => {
    expect(allocateRuns(scales, leastBudget(scales) * 0.99)).toBeNull();
    expect(allocateRuns(scales, leastBudget(scales))!.get('l')).toBe(BUDGET_MIN_RUNS);
  });

  it('a scale settles once its optimum is interpolated and its last four runs no longer improve its best', () => {
    const basin = (lr: number) => 2 + 0.01 * Math.log(lr / 1e-3) ** 2;
    const lrs = [1e-4, 1e-2, 3e-4, 3e-3, 1e-3, 1.2e-3, 8e-4, 1.1e-3];
    const runs: LadderRun[] = lrs.map((lr, i) => ({ trial: i, lr, batch: null, loss: basin(lr) }));
    expect(scaleSettled({ runs, optimum: { lr: 1e-3, batch: null, loss: 2, method: 'interpolated' } })).toBe(false);
    const flat = [...runs, ...[9e-4, 1.05e-3, 9.5e-4, 1.02e-3].map((lr, i) => ({ trial: 8 + i, lr, batch: null, loss: basin(lr) + 1e-3 }))];
    expect(scaleSettled({ runs: flat, optimum: { lr: 1e-3, batch: null, loss: 2, method: 'interpolated' } })).toBe(true);
    expect(scaleSettled({ runs: flat, optimum: { lr: 1e-3, batch: null, loss: 2, method: 'best-run' } })).toBe(false);
  });

  it('a scale whose last runs no longer improve its best but still move its optimum has not settled', () => {
    const basin = (lr: number) => 2 + 0.01 * Math.log(lr / 1e-3) ** 2;
    const lrs = [1e-4, 1e-2, 3e-4, 3e-3, 1e-3, 1.2e-3, 8e-4, 1.1e-3, 5e-4, 2e-3];
    const runs: LadderRun[] = lrs.map((lr, i) => ({ trial: i, lr, batch: null, loss: basin(lr) }));
    // four runs above the optimum that come out better than the basin says (noise, or a basin flatter
    // there): none beats the best, but they pull the fitted optimum up
    const pulled = [...runs, ...[2.5e-3, 3e-3, 3.5e-3, 4e-3].map((lr, i) => ({ trial: 10 + i, lr, batch: null, loss: 2 + 1e-4 * (i + 1) }))];
    const now = scaleOptimum(pulled, false, { grid: false })!;
    const then = scaleOptimum(runs, false, { grid: false })!;
    expect(now.method).toBe('interpolated');
    expect(now.lr / then.lr).toBeGreaterThan(1.1);
    expect(Math.min(...pulled.map((r) => r.loss))).toBe(Math.min(...runs.map((r) => r.loss)));
    expect(scaleSettled({ runs: pulled, optimum: now })).toBe(false);
    // the same number of runs that leave the optimum where it was: settled
    const steady = [...runs, ...[9e-4, 1.05e-3, 9.5e-4, 1.02e-3].map((lr, i) => ({ trial: 10 + i, lr, batch: null, loss: basin(lr) + 1e-5 }))];
    expect(scaleSettled({ runs: steady, optimum: scaleOptimum(steady, false, { grid: false })! })).toBe(true);
  });
});
