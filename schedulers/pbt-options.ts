/** The `pbt:` block of methods pbt and pb2 (Ray Tune's names): its parser and its JSON Schema. */
import type { SearchSpace, Distribution } from '../src/core/distributions.js';
import { isNum, isObj, type Issues, type OptionSpec } from '../src/core/options.js';
import type { PbtOptions } from './pbt.js';

const PBT_KEYS = ['population', 'perturbation_interval', 'quantile', 'resample_probability', 'perturbation_factors', 'hyperparam_mutations', 'burn_in', 'synch', 'max_steps', 'max_tokens', 'keep_checkpoints', 'max_retries'];

/** The `pbt:` block (Ray Tune's names); the searched parameters give the initial distributions. */
function parsePbt(raw: unknown, parameters: SearchSpace, issues: Issues): PbtOptions | undefined {
  if (raw === undefined) {
    issues.add('pbt', 'missing; methods pbt and pb2 need at least {population, perturbation_interval, max_steps}');
    return undefined;
  }
  if (!isObj(raw)) {
    issues.bad('pbt', raw, 'a mapping {population, perturbation_interval, max_steps, quantile, resample_probability, perturbation_factors, hyperparam_mutations, burn_in, synch}');
    return undefined;
  }
  const before = issues.count;
  for (const k of Object.keys(raw)) if (!PBT_KEYS.includes(k)) issues.add(`pbt.${k}`, `unknown key; allowed: ${PBT_KEYS.join(', ')}`);
  const int = (k: string, min: number, dflt?: number): number | undefined => {
    const v = raw[k];
    if (v === undefined) {
      if (dflt === undefined) issues.add(`pbt.${k}`, `missing; allowed: a whole number, at least ${min}`);
      return dflt;
    }
    if (typeof v === 'number' && Number.isInteger(v) && v >= min) return v;
    issues.bad(`pbt.${k}`, v, k === 'perturbation_interval' ? 'a whole number of steps, or {tokens: N}' : `a whole number, at least ${min}`);
    return dflt;
  };
  const frac = (k: string, dflt: number, lo: number, hi: number, text: string): number => {
    const v = raw[k];
    if (v === undefined) return dflt;
    if (isNum(v) && v >= lo && v <= hi && (k !== 'quantile' || v > 0)) return v;
    issues.bad(`pbt.${k}`, v, text);
    return dflt;
  };
  const population = int('population', 2);
  // intervals in tokens (with max_tokens) keep members comparable when the batch size is searched
  const byTokens = isObj(raw.perturbation_interval);
  let interval: number | undefined;
  let maxSteps: number | undefined;
  if (byTokens) {
    const it = raw.perturbation_interval as Record<string, unknown>;
    if (Object.keys(it).join() !== 'tokens' || !isNum(it.tokens) || !Number.isInteger(it.tokens) || it.tokens < 1) issues.bad('pbt.perturbation_interval', it, 'a whole number of steps, or {tokens: N} with N a whole number of tokens');
    else interval = it.tokens;
    if (raw.max_steps !== undefined) issues.add('pbt.max_steps', 'the interval is in tokens, so the budget is too; allowed: max_tokens instead');
    const mt = raw.max_tokens;
    if (mt === undefined) issues.add('pbt.max_tokens', 'missing; allowed: the tokens each member trains on (the interval is in tokens)');
    else if (!isNum(mt) || !Number.isInteger(mt) || mt < 1) issues.bad('pbt.max_tokens', mt, 'a whole number of tokens');
    else maxSteps = mt;
  } else {
    interval = int('perturbation_interval', 1);
    maxSteps = int('max_steps', 1);
    if (raw.max_tokens !== undefined) issues.add('pbt.max_tokens', 'the interval is in steps, so the budget is too; allowed: max_steps instead (or perturbation_interval: {tokens: N})');
  }
  const quantile = frac('quantile', 0.25, 0, 0.5, 'a fraction above 0, at most 0.5');
  const resampleProbability = frac('resample_probability', 0.25, 0, 1, 'a probability from 0 to 1');
  let factors = [0.8, 1.2];
  if (raw.perturbation_factors !== undefined) {
    const f = raw.perturbation_factors;
    if (Array.isArray(f) && f.length > 0 && f.every((x) => isNum(x) && x > 0)) factors = f as number[];
    else issues.bad('pbt.perturbation_factors', f, 'a non-empty list of positive numbers, e.g. [0.8, 1.2]');
  }
  const mutations: Record<string, Distribution> = {};
  const m = raw.hyperparam_mutations;
  if (m === undefined) {
    for (const [k, d] of Object.entries(parameters)) if (d.type !== 'constant' && !(d.type === 'categorical' && d.values.length === 1)) mutations[k] = d;
  } else if (Array.isArray(m)) {
    m.forEach((k: unknown, i: number) => {
      if (typeof k !== 'string' || !(k in parameters)) issues.bad(`pbt.hyperparam_mutations[${i}]`, k, `a parameter of this study (${Object.keys(parameters).join(', ')})`);
      else mutations[k] = parameters[k]!;
    });
  } else issues.bad('pbt.hyperparam_mutations', m, 'a list of parameter names that may change (default: every searched parameter)');
  if (Object.keys(mutations).length === 0 && issues.count === before) issues.add('pbt.hyperparam_mutations', 'no parameter may change; allowed: at least one searched (not constant) parameter');
  let synch = false;
  if (raw.synch !== undefined) {
    if (typeof raw.synch === 'boolean') synch = raw.synch;
    else issues.bad('pbt.synch', raw.synch, 'true or false');
  }
  const burnIn = int('burn_in', 0, 0)!;
  const keepCheckpoints = int('keep_checkpoints', 1, 2)!;
  const maxRetries = int('max_retries', 0, 2)!;
  if (interval !== undefined && maxSteps !== undefined && interval > maxSteps) issues.add('pbt.perturbation_interval', `found ${interval}; allowed: at most ${byTokens ? 'max_tokens' : 'max_steps'} (${maxSteps})`);
  if (issues.count > before) return undefined;
  return { population: population!, unit: byTokens ? 'tokens' : 'steps', interval: interval!, maxSteps: maxSteps!, quantile, resampleProbability, factors, mutations, synch, burnIn, keepCheckpoints, maxRetries };
}


export const pbtOptions: OptionSpec<PbtOptions> = {
  parse: (raw, ctx, issues) => parsePbt(raw, ctx.parameters, issues),
  schema: () => ({
    type: 'object',
    additionalProperties: false,
    description: 'options of methods pbt and pb2 (Ray Tune names)',
    required: ['population', 'perturbation_interval'],
    properties: {
      population: { type: 'integer', minimum: 2 },
      perturbation_interval: { oneOf: [{ type: 'integer', minimum: 1, description: 'steps' }, { type: 'object', additionalProperties: false, required: ['tokens'], properties: { tokens: { type: 'integer', minimum: 1 } } }] },
      max_steps: { type: 'integer', minimum: 1 },
      max_tokens: { type: 'integer', minimum: 1, description: 'with an interval in tokens' },
      quantile: { type: 'number', exclusiveMinimum: 0, maximum: 0.5, default: 0.25 },
      resample_probability: { type: 'number', minimum: 0, maximum: 1, default: 0.25 },
      perturbation_factors: { type: 'array', minItems: 1, items: { type: 'number', exclusiveMinimum: 0 }, default: [0.8, 1.2] },
      hyperparam_mutations: { type: 'array', items: { type: 'string' }, description: 'parameters that may change (default: every searched one)' },
      burn_in: { type: 'integer', minimum: 0, default: 0 },
      synch: { type: 'boolean', default: false },
      keep_checkpoints: { type: 'integer', minimum: 1, default: 2 },
      max_retries: { type: 'integer', minimum: 0, default: 2 },
    },
  }),
};
