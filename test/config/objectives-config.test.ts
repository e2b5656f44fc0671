/** `metric:` as a list of objectives, `constraints:` and `cost:`: what is accepted, and every way they can be wrong refused with exit 2. */
import { describe, expect, it } from 'vitest';
import { validateStudyConfig } from '../../src/config/index.js';
import { constraintViolation } from '../../src/config/objectives.js';
import { expectConfigRefused } from '../helpers/refused.js';

const MO = `metric:\n  - {name: val_loss, goal: minimize}\n  - {name: params, goal: minimize}\n`;
const body = (method: string, extra = ''): string => `program: train.mjs\nmethod: ${method}\nrun_cap: 4\nparameters:\n  lr: {min: 0.0001, max: 0.1}\n${extra}`;
const PBT = 'pbt: {population: 4, perturbation_interval: 5, max_steps: 20}\n';
const LLM = 'llm: {base_url: "http://127.0.0.1:9", model: m}\n';

describe('config: objectives, constraints, cost', () => {
  it('a list metric is the objectives, its first also the metric; a list of one is one metric', () => {
    const c = validateStudyConfig({ program: 'x', method: 'bayes', metric: [{ name: 'val_loss' }, { name: 'acc', goal: 'maximize' }], parameters: { lr: { min: 0.1, max: 1 } } }, { forRun: false });
    expect(c.metric).toEqual({ name: 'val_loss', goal: 'minimize' });
    expect(c.objectives).toEqual([{ name: 'val_loss', goal: 'minimize' }, { name: 'acc', goal: 'maximize' }]);
    const one = validateStudyConfig({ program: 'x', method: 'bayes', metric: [{ name: 'val_loss' }], parameters: { lr: { min: 0.1, max: 1 } } }, { forRun: false });
    expect(one.objectives).toBeUndefined();
    expect(one.metric).toEqual({ name: 'val_loss', goal: 'minimize' });
  });

  it('constraints and cost are kept as written', () => {
    const c = validateStudyConfig({ program: 'x', method: 'bayes', metric: { name: 'loss' }, constraints: [{ name: 'peak_memory_gb', max: 80 }, { name: 'tokens_per_s', min: 1000 }], cost: 'time', parameters: { lr: { min: 0.1, max: 1 } } }, { forRun: false });
    expect(c.constraints).toEqual([{ name: 'peak_memory_gb', max: 80 }, { name: 'tokens_per_s', min: 1000 }]);
    expect(c.cost).toEqual({ kind: 'time' });
  });

  it('a constraint never reported, or outside its bounds, makes a trial infeasible and says which', () => {
    const cs = [{ name: 'mem', max: 80 }, { name: 'tps', min: 10 }];
    expect(constraintViolation({ mem: 80, tps: 10 }, cs)).toBeNull();
    expect(constraintViolation({ mem: 81, tps: 10 }, cs)).toBe('mem = 81 is above its max 80');
    expect(constraintViolation({ mem: 1, tps: null }, cs)).toBe('tps was never reported as a number (a constrained metric must be)');
  });

  it.each([
    ['pbt', `${MO}${PBT}`, ['metric: method pbt ranks members by one score to exploit the best: a list of objectives does not fit it', 'allowed with a list of objectives: random, grid, sobol, bayes']],
    ['pb2', `${MO}${PBT}`, ['metric: method pb2 ranks members by one score']],
    ['llm', `${MO}${LLM}`, ['metric: method llm asks the LLM for configurations that reach one target score']],
  ])('method %s refuses a list of objectives', (method, extra, expected) => expectConfigRefused(body(method, extra), expected));

  it.each([
    ['early_terminate with objectives', body('bayes', `${MO}early_terminate: {type: hyperband, min_iter: 3}\n`), ['early_terminate: stopping rules compare the curves of one metric, and this study has a list of objectives']],
    ['a target in a list', body('bayes', 'metric:\n  - {name: a, target: 1}\n  - {name: b}\n'), ['metric[0].target: a target ends a single-objective study at a value']],
    ['an objective twice', body('bayes', 'metric:\n  - {name: a}\n  - {name: a}\n'), ['metric[1].name: found "a" twice']],
    ['an empty list', body('bayes', 'metric: []\n'), ['metric: found a list of 0']],
    ['a bad goal in a list', body('bayes', 'metric:\n  - {name: a}\n  - {name: b, goal: up}\n'), ['metric[1].goal: found "up" (a string); allowed: minimize, maximize']],
    ['a constraint without a bound', body('bayes', 'metric: {name: loss}\nconstraints: [{name: mem}]\n'), ['constraints[0]: has no bound; allowed: max, min or both']],
    ['a constraint min above max', body('bayes', 'metric: {name: loss}\nconstraints: [{name: mem, min: 5, max: 1}]\n'), ['constraints[0]: min 5 is above max 1']],
    ['a constraint on an objective', body('bayes', 'metric: {name: loss}\nconstraints: [{name: loss, max: 1}]\n'), ['constraints[0].name: "loss" is also an objective']],
    ['a constraint bound not a number', body('bayes', 'metric: {name: loss}\nconstraints: [{name: mem, max: lots}]\n'), ['constraints[0].max: found "lots" (a string); allowed: a finite number']],
    ['constraints not a list', body('bayes', 'metric: {name: loss}\nconstraints: {name: mem, max: 1}\n'), ['constraints: found a mapping; allowed: a list of {name, max?, min?}']],
    ['constraints on pbt', body('pbt', `metric: {name: loss}\n${PBT}constraints: [{name: mem, max: 1}]\n`), ['constraints: method pbt ranks members by one score to exploit the best: constraints do not fit it']],
    ['cost on random', body('random', 'metric: {name: loss}\ncost: time\n'), ['cost: steers the proposals of a model of the objective; method random does not model it; allowed with cost: bayes']],
    ['cost with objectives', body('bayes', `${MO}cost: flops\n`), ['cost: cost-aware proposals seek improvement of one objective per unit of cost']],
    ['cost not a string', body('bayes', 'metric: {name: loss}\ncost: 3\n'), ['cost: found 3 (a number); allowed: flops']],
    ['cost that is the objective', body('bayes', 'metric: {name: loss}\ncost: loss\n'), ['cost: "loss" is an objective']],
    ['warm start with objectives', body('bayes', `${MO}bayes: {warm_start: other}\n`), ['bayes.warm_start: warm starts read one metric of another study']],
    ['multi_objective unknown', body('bayes', `${MO}bayes: {multi_objective: nsga}\n`), ['bayes.multi_objective: found "nsga" (a string); allowed: ehvi']],
  ])('%s is refused', (_what, text, expected) => expectConfigRefused(text, expected));

  it('a ladder stays single-objective, and says so', () =>
    expectConfigRefused(
      `program: train.mjs\nmethod: random\nrun_cap: 2\n${MO}parameters:\n  lr: {min: 0.0001, max: 0.1}\nscales:\n  - {params: 1.0e+6, tokens: 1.0e+7}\n  - {params: 4.0e+6, tokens: 4.0e+7}\n`,
      ['metric: a ladder finds one best run per scale to fit its laws: a list of objectives does not fit it (a ladder is single-objective)'],
    ));
});
