import { describe, expect, it } from 'vitest';
import { chebyshev, constraintTargets, costCooling, expectedHvi, hypervolumeImprovement, logNormalCdf, runCost, simplexWeights } from '../../searchers/bayes-objectives.js';
import { hypervolume } from '../../src/core/pareto.js';
import { normalCdf } from '../../src/core/distributions.js';
import { Rng } from '../../src/core/rng.js';
import type { HistoryTrial } from '../../searchers/types.js';

const done = (values: Record<string, number | null>, extra: Partial<HistoryTrial> = {}): HistoryTrial => ({ number: 0, state: 'COMPLETE', params: {}, value: 1, values, ...extra });

describe('what bayes optimises beyond one metric', () => {
  it('log Φ matches tabulated values into the tail and stays finite and monotone beyond', () => {
    for (const z of [-3, 0, 2]) expect(logNormalCdf(z)).toBeCloseTo(Math.log(normalCdf(z)), 6);
    // Φ(−6), Φ(−8), Φ(−10) to 12 digits
    expect(logNormalCdf(-6.0000001)).toBeCloseTo(Math.log(9.865876450377e-10), 4);
    expect(logNormalCdf(-8)).toBeCloseTo(Math.log(6.22096057427e-16), 5);
    expect(logNormalCdf(-10)).toBeCloseTo(Math.log(7.61985302416e-24), 5);
    for (const z of [-10, -40, -200]) expect(Number.isFinite(logNormalCdf(z))).toBe(true);
    expect(logNormalCdf(-40)).toBeLessThan(logNormalCdf(-10));
  });

  it("ParEGO's scalarisation puts the point best in the weighted objective lowest, on objectives scaled to [0, 1]", () => {
    const v = [[0, 100], [1, 0], [0.5, 50]];
    const heavyOnFirst = chebyshev(v, [0.9, 0.1]);
    expect(heavyOnFirst.indexOf(Math.min(...heavyOnFirst))).toBe(0);
    const heavyOnSecond = chebyshev(v, [0.1, 0.9]);
    expect(heavyOnSecond.indexOf(Math.min(...heavyOnSecond))).toBe(1);
    const rng = new Rng(1);
    const w = simplexWeights(3, () => rng.next());
    expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(w.every((x) => x > 0)).toBe(true);
  });

  it('hypervolume improvement is what adding the point adds; its expectation under no uncertainty is that', () => {
    const front = [[1, 3], [3, 1]];
    const ref = [4, 4];
    expect(hypervolumeImprovement([2, 2], front, ref)).toBeCloseTo(hypervolume([...front, [2, 2]], ref) - hypervolume(front, ref), 12);
    expect(hypervolumeImprovement([3, 3], front, ref)).toBe(0);
    expect(hypervolumeImprovement([5, 0], front, ref)).toBe(0);
    expect(expectedHvi([2, 2], [0, 0], front, ref, [[0.3, -1], [1, 2]])).toBeCloseTo(1, 12);
    // uncertainty can only add: a point with no improvement at its mean may improve in some draws
    const rng = new Rng(2);
    const draws = Array.from({ length: 256 }, () => [rng.normal(), rng.normal()]);
    expect(expectedHvi([3, 3], [1, 1], front, ref, draws)).toBeGreaterThan(0);
  });

  it("a constraint's slack is in units of its bound, ≤ 0 inside; one never reported counts as clearly broken", () => {
    const rows = [done({ mem: 40 }), done({ mem: 120 }), done({ mem: null })];
    const [slack] = constraintTargets(rows, [{ name: 'mem', max: 80 }]);
    expect(slack![0]).toBeCloseTo(-0.5, 12);
    expect(slack![1]).toBeCloseTo(0.5, 12);
    expect(slack![2]).toBeCloseTo(1.5, 12);
  });

  it("a run's cost: reported flops, else 6·params·tokens; wall time; or a metric — null when it cannot be told", () => {
    expect(runCost(done({ flops: 3e15, params: 1, tokens: 1 }), { kind: 'flops' })).toBe(3e15);
    expect(runCost(done({ flops: null, params: 1e6, tokens: 2e7 }), { kind: 'flops' })).toBe(6 * 1e6 * 2e7);
    expect(runCost(done({ flops: null, params: 1e6, tokens: null }), { kind: 'flops' })).toBeNull();
    expect(runCost(done({}, { startedAt: 1000, finishedAt: 4500 }), { kind: 'time' })).toBe(3.5);
    expect(runCost(done({ gpu_hours: 2 }), { kind: 'metric', name: 'gpu_hours' })).toBe(2);
    expect(runCost(done({ gpu_hours: 0 }), { kind: 'metric', name: 'gpu_hours' })).toBeNull();
  });

  it("cost cooling weighs the cost fully after the initial design and not at all once run_cap is spent", () => {
    expect(costCooling(6, 6, 50)).toBe(1);
    expect(costCooling(28, 6, 50)).toBeCloseTo(0.5, 12);
    expect(costCooling(50, 6, 50)).toBe(0);
    expect(costCooling(70, 6, 50)).toBe(0);
  });
});
