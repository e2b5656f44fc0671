import { describe, expect, it } from 'vitest';
import { pb2Explore, type Pb2Observation } from '../../schedulers/pb2.js';
import { Rng } from '../../src/core/rng.js';

const mutations = { lr: { type: 'uniform' as const, min: 0, max: 1 } };

describe('PB2 explore (GP-UCB on the improvement per interval)', () => {
  it('picks hyperparameters where the improvements were largest, inside the bounds', () => {
    // improvement peaks at lr = 0.8, observed at several times
    const obs: Pb2Observation[] = [];
    for (const t of [0, 10, 20]) for (const lr of [0.05, 0.2, 0.35, 0.5, 0.65, 0.8, 0.95]) obs.push({ t, params: { lr }, gain: 1 - 4 * (lr - 0.8) ** 2 });
    for (let seed = 0; seed < 5; seed++) {
      const p = pb2Explore(new Rng(seed), { lr: 0.1, other: 'kept' }, 30, obs, { mutations, maxSteps: 40, kappa: 0.5 })!;
      expect(p.other).toBe('kept');
      expect(p.lr as number).toBeGreaterThan(0.65);
      expect(p.lr as number).toBeLessThanOrEqual(0.95);
    }
  });
  it('explores where it knows little when kappa is large, and leaves the choice to PBT with under 3 observations', () => {
    const obs: Pb2Observation[] = [0.1, 0.15, 0.2].map((lr) => ({ t: 0, params: { lr }, gain: lr }));
    const p = pb2Explore(new Rng(1), { lr: 0.1 }, 5, obs, { mutations, maxSteps: 40, kappa: 50 })!;
    expect(p.lr as number).toBeGreaterThan(0.5);
    expect(pb2Explore(new Rng(1), { lr: 0.1 }, 5, obs.slice(0, 2), { mutations, maxSteps: 40 })).toBeNull();
  });
  it('is the same for the same seed', () => {
    const obs: Pb2Observation[] = [0.1, 0.5, 0.9, 0.3].map((lr, i) => ({ t: i, params: { lr }, gain: Math.sin(5 * lr) }));
    expect(pb2Explore(new Rng(7), { lr: 0.2 }, 4, obs, { mutations, maxSteps: 10 })).toEqual(pb2Explore(new Rng(7), { lr: 0.2 }, 4, obs, { mutations, maxSteps: 10 }));
  });
});
