/** `scales:`, `target:`, `fit:`, `verify:` and `backend: sim` in study configs. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { loadStudyConfig, parseConfigText } from '../../src/config/index.js';
import { studyConfigSchema } from '../../src/config/index.js';
import { SIM_DEFAULTS } from '../../src/backends/sim/model.js';
import { expectConfigRefused } from '../helpers/refused.js';
import { ROOT, tmpDir, writeFile } from '../helpers/fixtures.js';

const SIM = `method: bayes\nmetric: {name: loss}\nrun_cap: 6\nparameters:\n  lr: {distribution: log_uniform_values, min: 0.0001, max: 0.01}\nbackend: {type: sim}\n`;
const SCALES = `scales:\n  - {params: 1.0e8, tokens: 2.0e9}\n  - {params: 4.0e8, tokens: 8.0e9}\n  - {params: 1.6e9, tokens: 3.2e10}\n`;

/** [what is wrong, config text, substrings the message must contain] */
const MALFORMED: [string, string, string[]][] = [
  ['scales not a list', `${SIM}scales: {params: 1}\n`, ['scales: found a mapping', 'a non-empty list of scales']],
  ['scales empty', `${SIM}scales: []\n`, ['scales: found a list of 0']],
  ['a scale without tokens', `${SIM}scales:\n  - {params: 1.0e8}\n`, ['scales[0].tokens: missing', 'training tokens D']],
  ['sim scale without params', `${SIM}scales:\n  - {tokens: 2.0e9}\n`, ['scales[0].params: missing', 'backend sim needs it']],
  ['negative tokens', `${SIM}scales:\n  - {params: 1.0e8, tokens: -5}\n`, ['scales[0].tokens: found -5']],
  ['two scales with one name', `${SIM}scales:\n  - {name: a, params: 1.0e8, tokens: 2.0e9}\n  - {name: a, params: 4.0e8, tokens: 8.0e9}\n`, ['scales[1].name: found "a" twice']],
  ['unknown scale key', `${SIM}scales:\n  - {params: 1.0e8, tokens: 2.0e9, steps: 100}\n`, ['scales[0].steps: unknown key', 'name, params, tokens, model, run_cap, parameters']],
  ['scale parameter not in the study', `${SIM}scales:\n  - {params: 1.0e8, tokens: 2.0e9, parameters: {momentum: {value: 0.9}}}\n`, ['scales[0].parameters.momentum: not a parameter of this study']],
  ['scale run_cap zero', `${SIM}scales:\n  - {params: 1.0e8, tokens: 2.0e9, run_cap: 0}\n`, ['scales[0].run_cap: found 0']],
  ['a model on a sim scale', `${SIM}scales:\n  - {params: 1.0e8, tokens: 2.0e9, model: {width: 64}}\n`, ['scales[0].model.width: backend sim models a scale by its params and tokens only']],
  ['tokens inside model', `method: grid\nmetric: {name: loss}\nprogram: train.mjs\nparameters: {lr: {values: [0.1]}}\nscales:\n  - {tokens: 100, model: {tokens: 100}}\n`, ["scales[0].model.tokens: a scale's tokens are its own key"]],
  ['a tfjs scale model key that is no setting', `method: grid\nmetric: {name: val_loss}\nparameters: {lr: {values: [0.1]}}\nbackend: {type: tfjs}\nscales:\n  - {tokens: 1000, model: {widht: 16}}\n`, ['scales[0].model.widht: not a setting of the tfjs backend']],
  ['bayes ladder without a budget', `method: bayes\nmetric: {name: loss}\nparameters: {lr: {distribution: log_uniform_values, min: 0.0001, max: 0.01}}\nbackend: {type: sim}\n${SCALES}`, ['run_cap: missing; method bayes needs a budget at each scale']],
  ['a ladder without a metric', `method: grid\nparameters: {lr: {values: [0.1]}}\nbackend: {type: sim}\n${SCALES}`, ['metric: missing; a ladder finds the best run at each scale by a metric']],
  ['a ladder maximising', `method: grid\nmetric: {name: acc, goal: maximize}\nparameters: {lr: {values: [0.1]}}\nbackend: {type: sim}\n${SCALES}`, ['metric.goal: found maximize', 'allowed: minimize']],
  ['a ladder without lr', `method: grid\nmetric: {name: loss}\nparameters: {lr: {values: [0.1]}}\nbackend: {type: sim}\n${SCALES}fit: {lr_param: eta}\n`, ['fit.lr_param: found "eta"']],
  ['a ladder whose learning rate has no known name', `method: grid\nmetric: {name: loss}\nprogram: train.mjs\nparameters: {eta: {values: [0.1]}}\n${SCALES}`, ['parameters: a ladder searches the learning rate, and no parameter has one of the names it looks for (lr, learning_rate, peak_lr, max_lr, lr_max, base_lr, lr0); allowed: add one, or name yours with fit.lr_param']],
  ['transfer of an unknown kind', `${SIM}${SCALES}transfer: always\n`, ['transfer: found "always"', 'auto (later scales search around the laws’ prediction', 'recenter', 'none']],
  ['transfer recenter on a continuous lr', `${SIM}${SCALES}transfer: recenter\n`, ["transfer: found recenter, which moves a grid's points, but the learning rate's distribution (log_uniform_values) is continuous; allowed: auto, none"]],
  ['transfer auto on listed learning rates', `method: grid\nmetric: {name: loss}\nparameters: {lr: {values: [0.001, 0.01]}}\nbackend: {type: sim}\n${SCALES}transfer: auto\n`, ['transfer: found auto, which searches a range around the prediction, but the learning rate takes listed values (categorical); allowed: recenter']],
  ['transfer without scales', `${SIM}transfer: auto\n`, ['transfer: belongs to a scale ladder, and this study has no scales']],
  ['budget without params on every scale', `method: bayes\nmetric: {name: loss}\nprogram: train.mjs\nparameters: {lr: {distribution: log_uniform_values, min: 0.0001, max: 0.01}}\nscales:\n  - {tokens: 1000}\n  - {params: 1.0e6, tokens: 4000}\nbudget: {flops: 1.0e20}\n`, ["budget: shares compute by each scale's cost 6·N·D, and scale s1 declares no params"]],
  ['budget below the fewest runs', `${SIM}${SCALES}budget: {flops: 1.0e18}\n`, ['budget.flops: found 1000000000000000000 (a number); allowed: at least 1.64e+21 FLOPs: 5 runs at every scale']],
  ['budget of an unknown kind', `${SIM}${SCALES}budget: {gpu_hours: 4}\n`, ['budget.gpu_hours: unknown key; allowed: flops, runs', 'budget.flops: found nothing']],
  ['budget runs other than auto', `${SIM}${SCALES}budget: {runs: 100}\n`, ['budget.runs: found 100 (a number); allowed: auto (the compute of 8 runs at every scale, shared out by cost)']],
  ['harvest of an unknown design', `${SIM}${SCALES}harvest: {design: cosine}\n`, ['harvest.design: found "cosine" (a string); allowed: cooldown', 'or wsds']],
  ['harvest budgets not ending at 1', `${SIM}${SCALES}harvest: {budgets: [0.25, 0.5]}\n`, ['harvest.budgets: found a list of 2', 'the last 1', '(this one: the last is not 1)']],
  ['harvest budgets not ascending', `${SIM}${SCALES}harvest: {budgets: [0.5, 0.25, 1]}\n`, ['(this one: not ascending)']],
  ['harvest decay out of range', `${SIM}${SCALES}harvest: {decay: 1.5}\n`, ['harvest.decay: found 1.5 (a number); allowed: a number in (0, 1]']],
  ['harvest with an unknown key', `${SIM}${SCALES}harvest: {points: 4}\n`, ['harvest.points: unknown key; allowed: design, budgets, decay']],
  ['harvest without scales', `${SIM}harvest: true\n`, ['harvest: belongs to a scale ladder']],
  ['budget of both kinds', `${SIM}${SCALES}budget: {runs: auto, flops: 1.0e22}\n`, ['budget: sets both flops and runs; allowed: one of them']],
  ['pbt over scales', `method: pbt\nmetric: {name: loss}\nparameters: {lr: {min: 0.0, max: 1.0}}\nprogram: train.mjs\npbt: {population: 2, perturbation_interval: 2, max_steps: 4}\nscales:\n  - {tokens: 100}\n`, ['scales: a ladder searches each scale with its own budget; method pbt is not available for ladders']],
  ['target without scales', `${SIM}target: {params: 7.0e10, tokens: 1.4e12}\n`, ['target: belongs to a scale ladder, and this study has no scales']],
  ['target without params', `${SIM}${SCALES}target: {tokens: 1.4e12}\n`, ['target.params: missing']],
  ['target a list', `${SIM}${SCALES}target: [7.0e10, 1.4e12]\n`, ['target: found a list of 2']],
  ['fit.lr unknown input', `${SIM}${SCALES}fit: {lr: [N, C]}\n`, ['fit.lr: found a list of 2', '[N, D], [N] or [D]']],
  ['fit.loss unknown law', `${SIM}${SCALES}fit: {loss: kaplan}\n`, ['fit.loss: found "kaplan"', 'chinchilla', 'power-offset']],
  ['fit unknown key', `${SIM}${SCALES}fit: {law: chinchilla}\n`, ['fit.law: unknown key; allowed: lr, batch, loss, lr_param, batch_param']],
  ['verify elsewhere', `${SIM}${SCALES}verify: smallest\n`, ['verify: found "smallest"', 'largest', 'target']],
  ['verify target without a target', `${SIM}${SCALES}verify: target\n`, ['verify: found target, but the study has no target']],
  ['verify largest with two scales', `${SIM}scales:\n  - {params: 1.0e8, tokens: 2.0e9}\n  - {params: 4.0e8, tokens: 8.0e9}\n`.concat('verify: largest\n'), ['verify: found largest with 2 scales', 'allowed with 3 or more scales']],
  ['sim searching what it does not model', `method: grid\nmetric: {name: loss}\nparameters: {lr: {values: [0.1]}, weight_decay: {values: [0.1]}}\nbackend: {type: sim, params: 1.0e8, tokens: 2.0e9}\n`, ['parameters.weight_decay: not modelled by backend sim', 'lr, batch_size, params, tokens']],
  ['sim without lr', `method: grid\nmetric: {name: loss}\nparameters: {batch_size: {values: [32]}}\nbackend: {type: sim, params: 1.0e8, tokens: 2.0e9}\n`, ['parameters: backend sim needs a parameter lr']],
  ['sim unknown constant', `${SIM.replace('{type: sim}', '{type: sim, constants: {gamma: 1}}')}`, ['backend.constants.gamma: unknown constant', 'lr_coef']],
  ['sim negative constant', `${SIM.replace('{type: sim}', '{type: sim, constants: {E: -1}}')}`, ['backend.constants.E: found -1', 'a positive number']],
  ['sim divergence factor below 1', `${SIM.replace('{type: sim}', '{type: sim, constants: {lr_diverge: 0.5}}')}`, ['backend.constants.lr_diverge: found 0.5', 'a factor above 1']],
  ['sim unknown key', `${SIM.replace('{type: sim}', '{type: sim, noise: 0.1}')}`, ['backend.noise: unknown key; allowed for backend sim']],
  ['sim with a program', `program: train.mjs\n${SIM}`, ['program: not used by backend sim']],
  ['executor of an unknown type', `program: train.mjs\nmethod: random\nrun_cap: 2\nparameters: {lr: {min: 0.001, max: 0.1}}\nexecutor: {type: kubernetes}\n`, ['executor.type: found "kubernetes"', 'local', 'slurm']],
  ['executor sbatch not a list of options', `program: train.mjs\nmethod: random\nrun_cap: 2\nparameters: {lr: {min: 0.001, max: 0.1}}\nexecutor: {type: slurm, sbatch: "gpu"}\n`, ['executor.sbatch: found "gpu"', 'a list of sbatch options']],
  ['executor slurm with backend sim', `${SIM}executor: {type: slurm}\n`, ['executor: Slurm workers launch trainer programs: allowed with backend command only']],
  ['executor unknown key', `program: train.mjs\nmethod: random\nrun_cap: 2\nparameters: {lr: {min: 0.001, max: 0.1}}\nexecutor: {type: slurm, partition: gpu}\n`, ['executor.partition: unknown key; allowed: type, sbatch, array, stale_after, max_resubmits']],
  ['sim with pbt', `method: pbt\nmetric: {name: loss}\nparameters: {lr: {min: 0.001, max: 0.01}}\nbackend: {type: sim, params: 1.0e8, tokens: 2.0e9}\npbt: {population: 2, perturbation_interval: 2, max_steps: 4}\n`, ['method: found pbt; backend sim keeps no checkpoints']],
];

describe('ladder configs: the learning rate and the batch size found by their usual names', () => {
  it.each([
    ['learning_rate', 'per_device_train_batch_size'],
    ['peak_lr', 'global_batch_size'],
    ['max_lr', 'batch'],
    ['lr_max', 'train_batch_size'],
  ])('%s and %s without fit:', (lr, batch) => {
    const dir = tmpDir();
    writeFile(dir, 'train.mjs', '');
    const file = writeFile(dir, 'l.yaml', `method: grid\nmetric: {name: loss}\nprogram: train.mjs\nparameters: {${lr}: {values: [0.1, 0.01]}, ${batch}: {values: [16, 32]}}\n${SCALES}`);
    const cfg = loadStudyConfig(file);
    expect(cfg.fit).toMatchObject({ lrParam: lr, batchParam: batch });
  });

  it('fit: names one all the same', () => {
    const dir = tmpDir();
    writeFile(dir, 'train.mjs', '');
    const file = writeFile(dir, 'l.yaml', `method: grid\nmetric: {name: loss}\nprogram: train.mjs\nparameters: {lr: {values: [0.1]}, eta: {values: [0.1, 0.01]}}\n${SCALES}fit: {lr_param: eta}\n`);
    expect(loadStudyConfig(file).fit?.lrParam).toBe('eta');
  });
});

describe('ladder configs: budget', () => {
  it("shares the budget out as each scale's run_cap, needs no run_cap of its own, and a scale's own run_cap wins", () => {
    const dir = tmpDir();
    const text = `method: bayes\nmetric: {name: loss}\nparameters:\n  lr: {distribution: log_uniform_values, min: 0.0001, max: 0.01}\nbackend: {type: sim}\nscales:\n  - {name: s, params: 1.0e8, tokens: 2.0e9}\n  - {name: m, params: 4.0e8, tokens: 8.0e9, run_cap: 7}\n  - {name: l, params: 1.6e9, tokens: 3.2e10}\nbudget: {flops: 5.0e21}\n`;
    const cfg = loadStudyConfig(writeFile(dir, 'b.yaml', text));
    const caps = Object.fromEntries(cfg.scales!.map((x) => [x.name, x.runCap]));
    expect(caps.m).toBe(7);
    expect(caps.s).toBeGreaterThan(caps.l!);
    expect(caps.l).toBeGreaterThanOrEqual(5);
    expect(cfg.budget).toEqual({ flops: 5e21 });
  });

  it('transfer defaults to auto for a proposing method over a continuous lr, and stays off for a grid or where the config says none', () => {
    const dir = tmpDir();
    const base = `metric: {name: loss}\nbackend: {type: sim}\nrun_cap: 6\nscales:\n  - {params: 1.0e8, tokens: 2.0e9}\n  - {params: 4.0e8, tokens: 8.0e9}\n  - {params: 1.6e9, tokens: 3.2e10}\n`;
    const continuous = 'parameters: {lr: {distribution: log_uniform_values, min: 0.0001, max: 0.01}}\n';
    for (const method of ['random', 'sobol', 'bayes']) expect(loadStudyConfig(writeFile(dir, `${method}.yaml`, `method: ${method}\n${continuous}${base}`)).transfer).toBe('auto');
    expect(loadStudyConfig(writeFile(dir, 'none.yaml', `method: bayes\n${continuous}${base}transfer: none\n`)).transfer).toBe('none');
    expect(loadStudyConfig(writeFile(dir, 'grid.yaml', `method: grid\nparameters: {lr: {values: [0.001, 0.01]}}\n${base}`)).transfer).toBeUndefined();
    expect(loadStudyConfig(writeFile(dir, 'listed.yaml', `method: random\nparameters: {lr: {values: [0.001, 0.01]}}\n${base}`)).transfer).toBeUndefined();
  });

  it('runs: auto is the compute of 8 runs at every scale, shared out the same way: cheap scales many, the largest few', () => {
    const dir = tmpDir();
    const text = `method: bayes\nmetric: {name: loss}\nparameters:\n  lr: {distribution: log_uniform_values, min: 0.0001, max: 0.01}\nbackend: {type: sim}\nscales:\n  - {name: s, params: 1.0e8, tokens: 2.0e9}\n  - {name: m, params: 4.0e8, tokens: 8.0e9}\n  - {name: l, params: 1.6e9, tokens: 3.2e10}\nbudget: {runs: auto}\n`;
    const cfg = loadStudyConfig(writeFile(dir, 'auto.yaml', text));
    const cost = (N: number, D: number) => 6 * N * D;
    expect(cfg.budget).toEqual({ flops: 8 * (cost(1e8, 2e9) + cost(4e8, 8e9) + cost(1.6e9, 3.2e10)), runs: 'auto' });
    const caps = Object.fromEntries(cfg.scales!.map((x) => [x.name, x.runCap]));
    expect(caps).toEqual({ s: 48, m: 48, l: 5 });
  });
});

describe('ladder configs: malformed ones exit 2 naming the field and what is allowed, before anything runs', () => {
  it.each(MALFORMED)('%s', (_what, text, expected) => expectConfigRefused(text, expected));
});

describe('ladder configs: what a good one becomes', () => {
  it('reads scales, target, fit, verify and the sim constants', () => {
    const dir = tmpDir();
    const file = writeFile(
      dir,
      'ladder.yaml',
      `${SIM.replace('{type: sim}', '{type: sim, seq_len: 1024, constants: {E: 1.5, lr_diverge: 20, noise: 0}}')}${SCALES}  - {name: big, params: 6.4e9, tokens: 1.28e11, run_cap: 3, parameters: {lr: {distribution: log_uniform_values, min: 0.00001, max: 0.001}}}\ntarget: {name: 70B, params: 7.0e10, tokens: 1.4e12}\nfit: {lr: [N, D], loss: chinchilla}\nverify: target\n`,
    );
    const cfg = loadStudyConfig(file);
    expect(cfg.scales?.map((s) => s.name)).toEqual(['s1', 's2', 's3', 'big']);
    expect(cfg.scales?.[3]).toMatchObject({ params: 6.4e9, tokens: 1.28e11, runCap: 3 });
    expect(cfg.scales?.[3]?.parameters.lr).toMatchObject({ type: 'log_uniform_values', min: 1e-5, max: 1e-3 });
    expect(cfg.target).toEqual({ name: '70B', params: 7e10, tokens: 1.4e12, model: {} });
    expect(cfg.fit).toMatchObject({ lr: ['N', 'D'], batch: 'auto', loss: 'chinchilla', lrParam: 'lr', batchParam: 'batch_size' });
    expect(cfg.verify).toBe('target');
    expect(cfg.backend).toMatchObject({ type: 'sim', seqLen: 1024, reports: 20 });
    const c = (cfg.backend as { constants: typeof SIM_DEFAULTS }).constants;
    expect(c.E).toBe(1.5);
    expect(c.lrDiverge).toBeCloseTo(Math.log(20), 12);
    expect(c.noise).toBe(0);
    expect(c.A).toBe(SIM_DEFAULTS.A);
  });

  it('the fixture ladders pass the validator and the published JSON Schema', () => {
    const ajv = new Ajv2020.default({ allErrors: true, strict: false });
    const validate = ajv.compile(studyConfigSchema());
    for (const f of ['fixtures/studies/ladder-sim.yaml', 'fixtures/studies/demo.yaml']) {
      expect(loadStudyConfig(path.join(ROOT, f)).scales?.length).toBeGreaterThanOrEqual(4);
      const { raw } = parseConfigText(readFileSync(path.join(ROOT, f), 'utf8'), f);
      expect(validate(raw), JSON.stringify(validate.errors)).toBe(true);
    }
    expect(validate({ method: 'grid', metric: { name: 'loss' }, parameters: { lr: { values: [1] } }, backend: { type: 'sim', constants: { gamma: 1 } } })).toBe(false);
    expect(validate({ method: 'grid', metric: { name: 'loss' }, parameters: { lr: { values: [1] } }, scales: [{ params: 1 }] })).toBe(false);
  });
});
