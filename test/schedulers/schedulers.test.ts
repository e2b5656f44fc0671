/**
 * One seeded table for every scheduler: each early-stopping rule and each population method, as the
 * registries list them, faces the same populations and must keep the same contract — the same seed
 * and population give the same decision; the best member is never acted against; the worst one of a
 * large enough population is; a population too small to compare gives no decision; hyperparameters it
 * changes stay inside their distributions.
 */
import { describe, expect, it } from 'vitest';
import { contains, type Params, type SearchSpace } from '../../src/core/distributions.js';
import { Rng } from '../../src/core/rng.js';
import { METHOD_NAMES, METHODS, STOPPING_RULES, type MethodEntry } from '../../src/registry/index.js';
import { pb2Explore, type Pb2Observation } from '../../schedulers/pb2.js';
import { chooseDonor, explore, type MemberState } from '../../schedulers/pbt.js';
import { ashaRungs, decideStop, hyperbandBands, isDecisionPoint, type Curve, type StoppingRule } from '../../schedulers/stopping.js';

const SPACE: SearchSpace = {
  lr: { type: 'log_uniform_values', min: 1e-4, max: 1e-1 },
  batch_size: { type: 'categorical', values: [16, 32, 64, 128] },
};

/** A population of `n` members: final loss rising with the index (member 0 best), seeded noise on the way. */
function population(n: number, seed: number): { curves: number[][]; params: Params[] } {
  const rng = new Rng(seed);
  const curves = Array.from({ length: n }, (_, i) => Array.from({ length: 10 }, (_, s) => 1 + i / n + 2 / (s + 1) + 0.01 * rng.next()));
  const params = Array.from({ length: n }, () => ({ lr: 10 ** (-4 + 3 * rng.next()), batch_size: [16, 32, 64, 128][rng.int(0, 3)]! }));
  return { curves, params };
}

/** What a scheduler decided about member `me`: whether it acts against it, and any new hyperparameters. */
type Verdict = { acts: boolean; params?: Params } | null;

interface Row {
  /** the largest population (me included) that must give no decision */
  tooFew: number;
  decide(pop: ReturnType<typeof population>, me: number, seed: number): Verdict;
}

function stoppingRow(rule: StoppingRule, tooFew: number): Row {
  return {
    tooFew,
    decide(pop, me) {
      const curve = (i: number, points: number[]): Curve => ({ trialId: i, number: i, complete: i !== me, points: points.map((value, step) => ({ step: step + 1, value })) });
      // `me` is running: cut its curve at its first decision point past the first few reports
      let mine = curve(me, []);
      for (let len = 3; len <= 10; len++) {
        mine = curve(me, pop.curves[me]!.slice(0, len));
        if (isDecisionPoint(rule, mine)) break;
      }
      const d = decideStop(rule, mine, pop.curves.map((c, i) => curve(i, c)).filter((_, i) => i !== me));
      return d ? { acts: d.stop } : null;
    },
  };
}

function populationRow(explorer: 'perturb' | 'pb2'): Row {
  const o = { burnIn: 0, quantile: 0.25, mutations: SPACE, resampleProbability: 0.25, factors: [0.8, 1.2], maxSteps: 20 };
  return {
    tooFew: 1,
    decide(pop, me, seed) {
      const members: MemberState[] = pop.curves.map((c, i) => ({ member: i, step: 10, score: c.at(-1)!, params: pop.params[i]!, checkpoint: `/ckpt/${i}` }));
      const rng = new Rng(seed, me);
      const donor = chooseDonor(rng, members[me]!, members, o, 'minimize');
      if (!donor) return members.length === 1 ? null : { acts: false };
      const observations: Pb2Observation[] = pop.curves.map((c, i) => ({ t: 0, params: pop.params[i]!, gain: c[0]! - c.at(-1)! }));
      const params = (explorer === 'pb2' ? pb2Explore(rng, donor.params, 10, observations, o) : null) ?? explore(rng, donor.params, o);
      return { acts: true, params };
    },
  };
}

const ROWS: Record<string, Row> = {
  hyperband: stoppingRow({ type: 'hyperband', bands: hyperbandBands({ minIter: 1, eta: 3 }), eta: 3 }, 2),
  asha: stoppingRow({ type: 'asha', rungs: ashaRungs(1, 3, 10), eta: 3 }, 2),
  median: stoppingRow({ type: 'median', warmupSteps: 0, startupTrials: 3 }, 3),
  pbt: populationRow('perturb'),
  pb2: populationRow('pb2'),
};

const SCHEDULERS = [...STOPPING_RULES, ...METHOD_NAMES.filter((m) => (METHODS[m] as MethodEntry).scheduler === 'population')];

it('every scheduler the registries list has a row in this table', () => {
  expect(SCHEDULERS.sort()).toEqual(Object.keys(ROWS).sort());
});

describe.each(SCHEDULERS)('scheduler %s', (name) => {
  const row = ROWS[name]!;
  const pop = population(9, 17);

  it('same seed and population, same decision', () => {
    for (const me of [0, 4, 8]) expect(row.decide(population(9, 17), me, 5)).toEqual(row.decide(pop, me, 5));
  });

  it('never acts against the best member', () => {
    for (const seed of [1, 2, 3]) expect(row.decide(population(9, seed), 0, seed)?.acts ?? false).toBe(false);
  });

  it('acts against the worst member of a population large enough to compare', () => {
    for (const seed of [1, 2, 3]) expect(row.decide(population(9, seed), 8, seed)?.acts).toBe(true);
  });

  it('gives no decision when the population is too small to compare', () => {
    const few = population(row.tooFew, 4);
    expect(row.decide(few, row.tooFew - 1, 4)).toBeNull();
  });

  if (name in METHODS) {
    it('changes hyperparameters only within their distributions, and changes some', () => {
      for (const seed of [1, 2, 3, 4, 5]) {
        const v = row.decide(population(9, seed), 8, seed);
        expect(Object.keys(v?.params ?? {}).sort()).toEqual(Object.keys(SPACE).sort());
        for (const [k, value] of Object.entries(v!.params!)) expect(contains(SPACE[k]!, value)).toBe(true);
      }
    });
  }
});
