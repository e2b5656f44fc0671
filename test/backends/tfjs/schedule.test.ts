import { describe, expect, it } from 'vitest';
import { learningRate, type ScheduleSettings } from '../../../src/backends/tfjs/schedule.js';

const base: ScheduleSettings = { schedule: 'cosine', lr: 1e-2, warmupSteps: 10, totalSteps: 100, decay: 0.2, minLrRatio: 0.1, powerA: 4.6, powerB: -0.51, batchSize: 16, tokensPerStep: 1024 };

describe('learning-rate schedules', () => {
  it('warm up linearly to the peak', () => {
    const lrs = Array.from({ length: 10 }, (_, i) => learningRate(base, i));
    for (let i = 1; i < 10; i++) expect(lrs[i]!).toBeGreaterThan(lrs[i - 1]!);
    expect(lrs[9]).toBeLessThan(1e-2);
    expect(learningRate(base, 10)).toBeCloseTo(1e-2, 12);
  });

  it('cosine ends at lr · min_lr_ratio and is halfway at the middle', () => {
    expect(learningRate(base, 100)).toBeCloseTo(1e-3, 12);
    expect(learningRate(base, 55)).toBeCloseTo(1e-3 + 0.5 * 9e-3, 12);
  });

  it('constant stays at lr; wsd is flat until the last 20% and then falls linearly', () => {
    expect(learningRate({ ...base, schedule: 'constant' }, 99)).toBe(1e-2);
    const wsd = { ...base, schedule: 'wsd' as const };
    expect(learningRate(wsd, 79)).toBe(1e-2);
    expect(learningRate(wsd, 80)).toBeLessThan(1e-2);
    expect(learningRate(wsd, 99)).toBeCloseTo(1e-3, 12);
    expect(learningRate(wsd, 90)).toBeCloseTo(1e-2 + (11 / 20) * (1e-3 - 1e-2), 12);
  });

  it('wsds decays before each point to lr · min_lr_ratio, re-warms over the warm-up, and holds lr between', () => {
    const s = { ...base, schedule: 'wsds' as const, points: [25, 50, 100], decay: 0.25 };
    // each decay runs from point/(1 + decay): steps 20, 40 and 80
    expect(learningRate(s, 19)).toBe(1e-2);
    expect(learningRate(s, 24)).toBeCloseTo(1e-3, 12);
    expect(learningRate(s, 22)).toBeLessThan(1e-2);
    // after the bottom: back up over 10 steps (the warm-up's length), capped by the stable part
    expect(learningRate(s, 25)).toBeLessThan(learningRate(s, 28));
    expect(learningRate(s, 39)).toBe(1e-2);
    expect(learningRate(s, 49)).toBeCloseTo(1e-3, 12);
    expect(learningRate(s, 70)).toBe(1e-2);
    expect(learningRate(s, 99)).toBeCloseTo(1e-3, 12);
  });

  it('power follows min(lr, batch·a·n^b) in tokens seen, then decays', () => {
    const p = { ...base, schedule: 'power' as const, lr: 1, warmupSteps: 0 };
    const at = (step: number): number => Math.min(1, 16 * 4.6 * (step * 1024) ** -0.51);
    expect(learningRate(p, 50)).toBeCloseTo(at(50), 12);
    expect(learningRate(p, 60)).toBeLessThan(learningRate(p, 50));
    expect(learningRate(p, 99)).toBeCloseTo(at(80) * 0.1, 12);
    // capped by lr_max early on
    expect(learningRate({ ...p, lr: 0.01 }, 1)).toBe(0.01);
  });
});
