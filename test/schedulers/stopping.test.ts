import { describe, expect, it } from 'vitest';
import { ashaRungs, decideStop, hyperbandBands, isDecisionPoint, type Curve, type StoppingRule } from '../../schedulers/stopping.js';

const curve = (trialId: number, values: number[], opts: { complete?: boolean; steps?: number[] } = {}): Curve => ({
  trialId,
  number: trialId,
  complete: opts.complete ?? true,
  points: values.map((value, i) => ({ step: opts.steps?.[i] ?? i + 1, value })),
});

describe('stopping rules: rungs and bands', () => {
  it("hyperband's bands as W&B computes them (0-based report indices)", () => {
    expect(hyperbandBands({ minIter: 3, eta: 3 }).slice(0, 4)).toEqual([3, 9, 27, 81]);
    expect(hyperbandBands({ maxIter: 27, s: 2, eta: 3 })).toEqual([3, 9]);
    expect(hyperbandBands({ maxIter: 5, s: 2, eta: 2 })).toEqual([1, 2]);
    expect(hyperbandBands({ maxIter: 2, s: 3, eta: 3 })).toEqual([]);
  });
  it("ASHA's rungs: grace·eta^k below max_t", () => {
    expect(ashaRungs(1, 3, 81)).toEqual([1, 3, 9, 27]);
    expect(ashaRungs(10, 2, 100)).toEqual([10, 20, 40, 80]);
    expect(ashaRungs(5, 4, 6)).toEqual([5]);
  });
});

describe('hyperband (W&B semantics)', () => {
  const rule: StoppingRule = { type: 'hyperband', bands: [1, 2], eta: 2 };
  it("reproduces W&B's own example: b stops at band 1, c passes band 1", () => {
    // runs a (finished), e (finished) and d (running) as in wandb/sweeps' hyperband_stop_runs docstring
    const a = curve(1, [10, 9]);
    const e = curve(5, [10, 6, 6]);
    const d = curve(4, [10, 7, 7], { complete: false });
    const b = curve(2, [10, 10], { complete: false });
    const c = curve(3, [10, 8], { complete: false });
    // at band 1 the values are a 9, b 10, c 8, d 7, e 6 → sorted [6,7,8,9,10], threshold index ⌊5/2⌋ = 2 → 8
    expect(decideStop(rule, b, [a, c, d, e])).toEqual({ stop: true, rung: 1, value: 10, cutoff: 8, compared: 5 });
    expect(decideStop(rule, c, [a, b, d, e])).toMatchObject({ stop: false, cutoff: 8 });
  });
  it('decides only at a band, and only with at least eta runs there', () => {
    expect(decideStop(rule, curve(1, [10]), [curve(2, [1, 1])])).toBeNull();
    expect(decideStop(rule, curve(1, [10, 10]), [])).toBeNull();
    // two runs at eta 2: the threshold is the worse of them, so nobody stops yet; a third changes that
    expect(decideStop(rule, curve(1, [10, 10]), [curve(2, [1, 1])])).toMatchObject({ stop: false, compared: 2 });
    expect(decideStop(rule, curve(1, [10, 10]), [curve(2, [1, 1]), curve(3, [2, 2])])).toMatchObject({ stop: true, cutoff: 2, compared: 3 });
  });
});

describe('ASHA', () => {
  const rule: StoppingRule = { type: 'asha', rungs: [1, 3], eta: 3 };
  it('keeps the top ⌊m/eta⌋ of the m trials at a rung, ties in the newcomer’s favour, and waits for eta trials', () => {
    const others = [curve(1, [5.5, 5.3, 5.25]), curve(2, [3.5, 3.3, 3.25])];
    expect(decideStop(rule, curve(3, [8.5]), others.slice(0, 1))).toBeNull(); // 2 trials < eta
    expect(decideStop(rule, curve(3, [8.5]), others)).toEqual({ stop: true, rung: 1, value: 8.5, cutoff: 3.5, compared: 3 });
    expect(decideStop(rule, curve(3, [3.5]), others)).toMatchObject({ stop: false });
    expect(decideStop(rule, curve(3, [1.5]), others)).toMatchObject({ stop: false });
  });
  it('takes a trial’s first report at or after the rung, and decides once per rung', () => {
    const others = [curve(1, [5, 4, 3], { steps: [2, 4, 6] }), curve(2, [9, 8, 7], { steps: [2, 4, 6] })];
    // rung 3 is reached at step 4 by everyone: values there 4, 8 and the newcomer's
    expect(decideStop(rule, curve(3, [9, 8.5], { steps: [2, 4] }), others)).toMatchObject({ stop: true, rung: 3, cutoff: 4 });
    expect(isDecisionPoint(rule, curve(3, [9, 8.5, 8], { steps: [2, 4, 6] }))).toBe(false);
    // a report that jumps over both rungs is judged at the higher one
    expect(decideStop(rule, curve(3, [1], { steps: [5] }), others)).toMatchObject({ rung: 3, stop: false });
  });
});

describe('median stopping', () => {
  const rule: StoppingRule = { type: 'median', warmupSteps: 2, startupTrials: 3 };
  const done = [curve(1, [4, 3, 2, 1]), curve(2, [5, 4, 3, 2]), curve(3, [6, 5, 4, 3]), curve(4, [9, 9], { complete: false })];
  it('compares the best value so far with the median of completed trials at that step', () => {
    expect(decideStop(rule, curve(9, [9]), done)).toBeNull(); // before warmup
    expect(decideStop(rule, curve(9, [9, 4.5]), done)).toEqual({ stop: true, rung: 2, value: 4.5, cutoff: 4, compared: 4 });
    expect(decideStop(rule, curve(9, [9, 4]), done)).toMatchObject({ stop: false, cutoff: 4 });
    // the best so far counts, not the latest
    expect(decideStop(rule, curve(9, [3, 9, 9]), done)).toMatchObject({ stop: false, rung: 3, value: 3, cutoff: 3 });
  });
  it('waits for startup_trials completed trials that reached the step', () => {
    expect(decideStop(rule, curve(9, [9, 9]), done.slice(0, 2))).toBeNull();
    expect(decideStop(rule, curve(9, [9, 9, 9, 9, 9]), done)).toBeNull(); // nobody completed reached step 5
  });
});
