import { describe, expect, it } from 'vitest';
import { branchesFor, harvestCostFactor, harvestedRuns, harvestPlan, HARVEST_DEFAULTS } from '../../../fitters/ladder/harvest.js';
import type { Metric, Trial } from '../../../src/core/trial.js';

const trial = (over: Partial<Trial>): Trial => ({
  id: 1, studyId: 1, number: 0, state: 'COMPLETE', params: { lr: 0.01 }, scale: { name: 's', index: 0, tokens: 12_000, model: {} }, value: 2,
  worker: null, heartbeatAt: null, pid: null, createdAt: 0, startedAt: 0, finishedAt: 0, error: null, retryOf: null, checkpoint: null, resumeFrom: null, member: null, stopAt: null, ...over,
});
const metric = (trialId: number, step: number, name: string, value: number): Metric => ({ trialId, step, name, value, tokens: null, at: 0 });

describe('harvest plans', () => {
  it('cooldown: a WSD run whose decay starts at D/(1+decay), with a checkpoint where each smaller budget’s decay starts', () => {
    const p = harvestPlan(HARVEST_DEFAULTS, trial({}));
    expect(p).toEqual({ kind: 'cooldown', tokens: 12_000, decayFrom: 10_000, checkpoints: [1250, 2500, 5000] });
  });

  it('wsds: the points themselves; a verify run: plain WSD; a branch: its own stretch; no harvest: nothing', () => {
    expect(harvestPlan({ ...HARVEST_DEFAULTS, design: 'wsds' }, trial({}))).toEqual({ kind: 'wsds', tokens: 12_000, points: [1500, 3000, 6000, 12_000], decay: 0.2 });
    expect(harvestPlan(HARVEST_DEFAULTS, trial({ scale: { name: 's', index: 0, tokens: 12_000, model: {}, role: 'verify' } }))).toEqual({ kind: 'cooldown', tokens: 12_000, decayFrom: 10_000, checkpoints: [] });
    const branch = trial({ scale: { name: 's', index: 0, tokens: 12_000, model: {}, role: 'branch', branch: { parent: 0, budget: 0.25, from: 2500, tokens: 3000 } } });
    expect(harvestPlan(HARVEST_DEFAULTS, branch)).toEqual({ kind: 'branch', from: 2500, tokens: 3000 });
    expect(harvestPlan(undefined, trial({}))).toBeNull();
  });

  it('a cooldown run costs 1 + decay/(1+decay)·(sum of the smaller budgets) of a plain run; WSD-S nothing extra', () => {
    expect(harvestCostFactor(HARVEST_DEFAULTS)).toBeCloseTo(1 + (0.2 / 1.2) * 0.875, 12);
    expect(harvestCostFactor({ ...HARVEST_DEFAULTS, design: 'wsds' })).toBe(1);
  });
});

describe('branches of a finished cooldown run', () => {
  const cps = [{ path: '/c/1250', tokens: 1280 }, { path: '/c/2500', tokens: 2560 }, { path: '/c/5000', tokens: 4992 }];
  it('one per smaller budget, from the checkpoint nearest its decay start, with the parent’s parameters', () => {
    const { branches, missing } = branchesFor(HARVEST_DEFAULTS, trial({}), cps, []);
    expect(missing).toEqual([]);
    expect(branches.map((b) => [b.resumeFrom, (b.scale.branch as { budget: number }).budget])).toEqual([['/c/1250', 0.125], ['/c/2500', 0.25], ['/c/5000', 0.5]]);
    expect(branches[0]!.params).toEqual({ lr: 0.01 });
    expect(branches[0]!.scale.role).toBe('branch');
  });

  it('none twice, none for a failed run, and a note where no checkpoint is near the decay start', () => {
    const have = [trial({ number: 5, scale: { name: 's', index: 0, tokens: 12_000, model: {}, role: 'branch', branch: { parent: 0, budget: 0.125, from: 1280, tokens: 1500 } } })];
    const { branches, missing } = branchesFor(HARVEST_DEFAULTS, trial({}), cps.slice(0, 2), have);
    expect(branches.map((b) => (b.scale.branch as { budget: number }).budget)).toEqual([0.25]);
    expect(missing).toHaveLength(1);
    expect(missing[0]).toMatch(/no checkpoint near 5000 tokens .*budget 0.5/);
    expect(branchesFor(HARVEST_DEFAULTS, trial({ state: 'FAIL' }), cps, []).branches).toEqual([]);
  });
});

describe('harvested runs', () => {
  it('cooldown: budget 1 is the run itself, the others its branches’ losses', () => {
    const runs = [{ trial: 0, lr: 0.01, batch: null, loss: 2 }];
    const b = (budget: number, value: number) => trial({ id: 10 + budget * 8, number: 10 + budget * 8, value, scale: { name: 's', index: 0, tokens: 12_000, model: {}, role: 'branch', branch: { parent: 0, budget, from: 0, tokens: 0 } } });
    const out = harvestedRuns(HARVEST_DEFAULTS, runs, [trial({}), b(0.125, 2.6), b(0.25, 2.4), b(0.5, 2.2)], [], 'loss');
    expect([...out.entries()].map(([f, r]) => [f, r.map((x) => x.loss)])).toEqual([[0.125, [2.6]], [0.25, [2.4]], [0.5, [2.2]], [1, [2]]]);
  });

  it('wsds: the metric at each harvest marker, across a re-queued run’s predecessor', () => {
    const h = { ...HARVEST_DEFAULTS, design: 'wsds' as const };
    const stale = trial({ id: 1, number: 0, state: 'STALE', value: null });
    const copy = trial({ id: 2, number: 1, retryOf: 1, value: 2 });
    const metrics = [metric(1, 12, 'harvest', 1500), metric(1, 12, 'loss', 2.6), metric(1, 23, 'harvest', 3000), metric(1, 23, 'loss', 2.4), metric(2, 47, 'harvest', 6000), metric(2, 47, 'loss', 2.2)];
    const out = harvestedRuns(h, [{ trial: 1, lr: 0.01, batch: null, loss: 2 }], [stale, copy], metrics, 'loss');
    expect([...out.entries()].map(([f, r]) => [f, r.map((x) => x.loss)])).toEqual([[0.125, [2.6]], [0.25, [2.4]], [0.5, [2.2]], [1, [2]]]);
  });
});
