/** The `bayes:` block of a study config: its parser and its JSON Schema. */
import { isNum, isObj, type OptionSpec } from '../src/core/options.js';
import type { BayesOptions } from './bayes.js';

const KEYS = ['acquisition', 'beta', 'initial', 'transform', 'candidates', 'max_observations', 'warm_start', 'multi_objective', 'cost_cooling'];
const isInt = (v: unknown, min: number, max = Infinity): v is number => Number.isInteger(v) && (v as number) >= min && (v as number) <= max;

export const bayesOptions: OptionSpec<BayesOptions> = {
  parse(raw, _ctx, issues) {
    if (!isObj(raw)) return void issues.bad('bayes', raw, 'a mapping {acquisition, beta, initial, transform, candidates, max_observations}');
    const o: BayesOptions = {};
    for (const [k, v] of Object.entries(raw)) {
      const p = `bayes.${k}`;
      if (k === 'acquisition') v === 'logei' || v === 'ucb' ? (o.acquisition = v) : issues.bad(p, v, 'logei, ucb');
      else if (k === 'transform') v === 'none' || v === 'log' || v === 'rank' || v === 'power' ? (o.transform = v) : issues.bad(p, v, 'power, none, log, rank');
      else if (k === 'beta') isNum(v) && v > 0 ? (o.beta = v) : issues.bad(p, v, 'a positive number');
      else if (k === 'initial') isInt(v, 1) ? (o.initial = v) : issues.bad(p, v, 'a whole number, at least 1');
      else if (k === 'candidates') isInt(v, 16, 100_000) ? (o.candidates = v) : issues.bad(p, v, 'a whole number from 16 to 100000');
      else if (k === 'max_observations') isInt(v, 10) ? (o.maxObservations = v) : issues.bad(p, v, 'a whole number, at least 10');
      else if (k === 'multi_objective') v === 'ehvi' || v === 'parego' ? (o.multiObjective = v) : issues.bad(p, v, 'ehvi (expected hypervolume improvement), parego (random Chebyshev scalarisations)');
      else if (k === 'cost_cooling') typeof v === 'boolean' ? (o.costCooling = v) : issues.bad(p, v, 'true (the cost counts less as run_cap is spent), false (EI per unit cost throughout)');
      else if (k === 'warm_start') typeof v === 'string' && v !== '' ? (o.warmStart = v) : issues.bad(p, v, 'the name of another study in the same database');
      else issues.add(p, `unknown key; allowed: ${KEYS.join(', ')}`);
    }
    return o;
  },
  schema: () => ({
    type: 'object',
    additionalProperties: false,
    description: 'options of method bayes',
    properties: {
      acquisition: { enum: ['logei', 'ucb'], default: 'logei' },
      beta: { type: 'number', exclusiveMinimum: 0, description: 'UCB exploration weight' },
      initial: { type: 'integer', minimum: 1, description: 'Sobol initial design size (default max(5, d+1))' },
      transform: { enum: ['power', 'none', 'log', 'rank'], default: 'power' },
      candidates: { type: 'integer', minimum: 16, maximum: 100000, default: 1024 },
      max_observations: { type: 'integer', minimum: 10, default: 150 },
      warm_start: { type: 'string', description: 'another study whose completed trials seed the surrogate' },
      cost_cooling: { type: 'boolean', default: true, description: 'with cost: the cost counts less as run_cap is spent (Lee et al. 2020); false: EI per unit cost throughout' },
      multi_objective: { enum: ['ehvi', 'parego'], description: 'with a list of objectives: expected hypervolume improvement (default for two), or random Chebyshev scalarisations (default for three or more)' },
    },
  }),
};
