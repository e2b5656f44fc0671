/**
 * The `early_terminate:` block (W&B's hyperband keys, and asha and median): its parser and its JSON
 * Schema. A stopping rule compares a metric, so the study must name one.
 */
import { isNum, isObj, type Issues, type OptionSpec } from '../src/core/options.js';
import { ashaRungs, hyperbandBands, type StoppingRule } from './stopping.js';

export const STOPPING_KEYS: Record<string, string[]> = {
  hyperband: ['type', 'min_iter', 'max_iter', 's', 'eta', 'strict'],
  asha: ['type', 'grace', 'eta', 'max_t'],
  median: ['type', 'warmup_steps', 'startup_trials'],
};

/** early_terminate → a stopping rule (W&B's hyperband keys, and asha and median). */
function parseEarlyTerminate(et: Record<string, unknown>, issues: Issues): StoppingRule | undefined {
  const type = et.type;
  if (typeof type !== 'string' || !(type in STOPPING_KEYS)) {
    issues.bad('early_terminate.type', type, Object.keys(STOPPING_KEYS).join(', '));
    return undefined;
  }
  const before = issues.count;
  for (const k of Object.keys(et)) if (!STOPPING_KEYS[type]!.includes(k)) issues.add(`early_terminate.${k}`, `unknown key; allowed for ${type}: ${STOPPING_KEYS[type]!.join(', ')}`);
  const int = (k: string, min: number, dflt?: number): number | undefined => {
    const v = et[k];
    if (v === undefined) return dflt;
    if (typeof v === 'number' && Number.isInteger(v) && v >= min) return v;
    issues.bad(`early_terminate.${k}`, v, `a whole number, at least ${min}`);
    return dflt;
  };
  const eta = (): number => {
    const v = et.eta;
    if (v === undefined) return 3;
    if (isNum(v) && v > 1) return v;
    issues.bad('early_terminate.eta', v, 'a number above 1 (the reduction factor; default 3)');
    return 3;
  };
  let rule: StoppingRule | undefined;
  if (type === 'hyperband') {
    const e = eta();
    const minIter = int('min_iter', 1);
    const maxIter = int('max_iter', 1);
    const sv = int('s', 1);
    if (minIter === undefined && maxIter === undefined) issues.add('early_terminate', 'hyperband needs min_iter, or max_iter and s (in reports of the metric, as in W&B)');
    else if (minIter !== undefined && maxIter !== undefined) issues.add('early_terminate', 'found both min_iter and max_iter; allowed: one of them');
    else if (maxIter !== undefined && sv === undefined) issues.add('early_terminate.s', 'missing; allowed: the number of brackets, with max_iter');
    else {
      const bands = hyperbandBands({ ...(minIter !== undefined ? { minIter } : {}), ...(maxIter !== undefined ? { maxIter } : {}), ...(sv !== undefined ? { s: sv } : {}), eta: e });
      if (bands.length === 0) issues.add('early_terminate', `max_iter ${maxIter} / eta ${e} is below 1: no band; allowed: a larger max_iter or a smaller eta`);
      else rule = { type: 'hyperband', bands, eta: e };
    }
  } else if (type === 'asha') {
    const e = eta();
    const grace = int('grace', 1, 1)!;
    const maxT = int('max_t', 1);
    if (maxT === undefined) issues.add('early_terminate.max_t', 'missing; allowed: the most steps a trial trains (rungs lie below it)');
    else if (maxT <= grace) issues.add('early_terminate.max_t', `found ${maxT}; allowed: more than grace (${grace})`);
    else rule = { type: 'asha', rungs: ashaRungs(grace, e, maxT), eta: e };
  } else {
    rule = { type: 'median', warmupSteps: int('warmup_steps', 0, 0)!, startupTrials: int('startup_trials', 1, 5)! };
  }
  return issues.count > before ? undefined : rule;
}


export const stoppingOptions: OptionSpec<StoppingRule> = {
  parse(raw, ctx, issues) {
    if (!isObj(raw)) return void issues.bad('early_terminate', raw, 'a mapping such as {type: hyperband, min_iter: 3}');
    const rule = parseEarlyTerminate(raw, issues);
    if (rule && !ctx.metric) issues.add('early_terminate', 'stopping rules compare a metric, and the study names none; allowed: add metric: {name, goal}');
    return rule;
  },
  schema: () => ({
    description: 'stop running trials early: hyperband (W&B: bands in reports of the metric), asha (rungs in steps), median',
    oneOf: [
      {
        type: 'object',
        additionalProperties: false,
        required: ['type'],
        properties: { type: { const: 'hyperband' }, min_iter: { type: 'integer', minimum: 1 }, max_iter: { type: 'integer', minimum: 1 }, s: { type: 'integer', minimum: 1 }, eta: { type: 'number', exclusiveMinimum: 1, default: 3 }, strict: { type: 'boolean' } },
      },
      {
        type: 'object',
        additionalProperties: false,
        required: ['type', 'max_t'],
        properties: { type: { const: 'asha' }, grace: { type: 'integer', minimum: 1, default: 1 }, eta: { type: 'number', exclusiveMinimum: 1, default: 3 }, max_t: { type: 'integer', minimum: 2 } },
      },
      {
        type: 'object',
        additionalProperties: false,
        required: ['type'],
        properties: { type: { const: 'median' }, warmup_steps: { type: 'integer', minimum: 0, default: 0 }, startup_trials: { type: 'integer', minimum: 1, default: 5 } },
      },
    ],
  }),
};
