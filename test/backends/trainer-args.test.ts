import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildArgv, CommandArgsError } from '../../src/backends/command.js';
import { paramKinds, pythonValue, trainerParams } from '../../src/backends/trainer-args.js';
import { parseConfigText, validateStudyConfig, type StudyConfig } from '../../src/config/index.js';
import type { Params } from '../../src/core/distributions.js';
import { pyStr } from '../../src/core/python.js';

/** A config read as a file is read, so that literals keep their kinds. */
function fromText(text: string, ext = 'yaml'): StudyConfig {
  const { raw, intPaths } = parseConfigText(text, `study.${ext}`);
  return validateStudyConfig(raw, { intPaths, forRun: false });
}

const YAML = `method: random
program: train.py
parameters:
  grad_clip: {value: 1.0}
  zero: {value: 0.0}
  tiny: {value: 1e-5}
  wd: {value: 2.50}
  big: {value: 1e3}
  n_layer: {value: 4}
  bias: {values: [true, false]}
  betas: {value: [0.9, 1.0, 2]}
  sched: {value: {warmup: 100, ratio: 1.0, names: [a, 1.0]}}
  batch: {values: [16.0, 32]}
  heads: {values: [4.0, 8], probabilities: [0.5, 0.5]}
  lr: {min: 0.0, max: 1.0}
  layers: {min: 1, max: 8}
  steps: {distribution: q_uniform, min: 0, max: 100, q: 10}
  width: {distribution: q_uniform, min: 0, max: 100, q: 10.0}
  depth: {distribution: q_uniform, min: 0, max: 100}
  mix: {distribution: beta}
  decay: {distribution: inv_log_uniform, min: 0, max: 3}
`;

describe('literal kinds', () => {
  const c = fromText(YAML);
  const str = (name: string, v: Params[string]): string => pyStr(pythonValue(c.parameters[name], v));

  it('keeps YAML float literals of value and values, inside lists and mappings too', () => {
    expect(str('grad_clip', 1)).toBe('1.0');
    expect(str('zero', 0)).toBe('0.0');
    expect(str('tiny', 1e-5)).toBe('1e-05');
    expect(str('wd', 2.5)).toBe('2.5');
    expect(str('big', 1000)).toBe('1000.0');
    expect(str('n_layer', 4)).toBe('4');
    expect(str('bias', false)).toBe('False');
    expect(str('betas', [0.9, 1, 2])).toBe('[0.9, 1.0, 2]');
    expect(str('sched', { warmup: 100, ratio: 1, names: ['a', 1] })).toBe("{'warmup': 100, 'ratio': 1.0, 'names': ['a', 1.0]}");
    expect(str('batch', 16)).toBe('16.0');
    expect(str('batch', 32)).toBe('32');
    expect(str('heads', 4)).toBe('4.0');
    expect(str('heads', 8)).toBe('8');
  });

  it('types draws as W&B does: continuous ones floats, int_uniform ints, q_* ints only for an int q', () => {
    expect(str('lr', 0)).toBe('0.0');
    expect(str('layers', 3)).toBe('3');
    expect(str('steps', 30)).toBe('30');
    expect(str('width', 30)).toBe('30.0');
    // W&B's default q is 1.0
    expect(str('depth', 30)).toBe('30.0');
    expect(str('mix', 1)).toBe('1.0');
    expect(str('decay', 1)).toBe('1.0');
  });

  it('keeps JSON float literals the same way', () => {
    const j = fromText('{"method": "random", "parameters": {"clip": {"value": 1.0}, "n": {"value": 1}, "l": {"values": [[1.0, 2]]}}}', 'json');
    expect(pyStr(pythonValue(j.parameters.clip, 1))).toBe('1.0');
    expect(pyStr(pythonValue(j.parameters.n, 1))).toBe('1');
    expect(pyStr(pythonValue(j.parameters.l, [1, 2]))).toBe('[1.0, 2]');
  });

  it('a config given as an object has only ints for whole numbers, and a stored config without kinds formats as before', () => {
    const o = validateStudyConfig({ method: 'random', parameters: { clip: { value: 1.0 }, s: { distribution: 'q_uniform', min: 0, max: 9, q: 3 } } }, { forRun: false });
    expect(o.parameters.clip).toEqual({ type: 'constant', value: 1 });
    expect(pyStr(pythonValue(o.parameters.clip, 1))).toBe('1');
    expect(pyStr(pythonValue(o.parameters.s, 3))).toBe('3');
    const stored = JSON.parse(JSON.stringify({ type: 'q_uniform', min: 0, max: 9, q: 1 }));
    expect(pyStr(pythonValue(stored, 3))).toBe('3');
  });

  it('kinds survive the JSON round trip the study config takes through storage', () => {
    const again = JSON.parse(JSON.stringify(c)) as StudyConfig;
    expect(pyStr(pythonValue(again.parameters.sched, { warmup: 100, ratio: 1, names: ['a', 1] }))).toBe("{'warmup': 100, 'ratio': 1.0, 'names': ['a', 1.0]}");
    expect(pyStr(pythonValue(again.parameters.width, 30))).toBe('30.0');
  });
});

describe('macros', () => {
  const c = fromText(`method: random
program: train.py
parameters:
  clip: {value: 1.0}
  amp: {value: true}
  off: {value: false}
  name: {value: "it's"}
  none: {value: null}
`);
  const params = { clip: 1, amp: true, off: false, name: "it's", none: null };
  const argv = (command: string[], env: Record<string, string> = {}): string[] =>
    buildArgv({ ...c, command }, params, '/runs/t/params.json', { runDir: '/runs/t', checkpointDir: '/runs/t/checkpoints', env });

  it.each([
    ['${args}', ['--clip=1.0', '--amp=True', '--off=False', "--name=it's", '--none=None']],
    ['${args_no_hyphens}', ['clip=1.0', 'amp=True', 'off=False', "name=it's", 'none=None']],
    ['${args_no_equals}', ['--clip', '1.0', '--amp', 'True', '--off', 'False', '--name', "it's", '--none', 'None']],
    ['${args_no_boolean_flags}', ['--clip=1.0', '--amp', "--name=it's", '--none=None']],
    ['${args_json}', ['{"clip": 1.0, "amp": true, "off": false, "name": "it\'s", "none": null}']],
    ['${args_json_file}', ['/runs/t/params.json']],
    ['${run_dir}', ['/runs/t']],
    ['--out_dir=${run_dir}/out', ['--out_dir=/runs/t/out']],
    ['--ckpt=${checkpoint_dir}', ['--ckpt=/runs/t/checkpoints']],
    ['${program}', ['train.py']],
    ['--data=${envvar:DATA_DIR}/${envvar:SPLIT}', ['--data=/data/owt/train']],
  ])('%s', (item, expected) => {
    expect(argv([item], { DATA_DIR: '/data/owt', SPLIT: 'train' })).toEqual(expected);
  });

  it('an unset ${envvar:NAME} is an error naming every missing variable, not the name passed as its value', () => {
    expect(() => argv(['--a=${envvar:NOPE_A}', '${envvar:NOPE_B}', '${envvar:SET}'], { SET: 'x' })).toThrow(CommandArgsError);
    expect(() => argv(['--a=${envvar:NOPE_A}', '${envvar:NOPE_B}'])).toThrow(/\$\{envvar:NOPE_A\}, \$\{envvar:NOPE_B\}, but NOPE_A, NOPE_B are not set/);
  });

  it('${run_dir} without the trial folder is an error, not an empty argument', () => {
    expect(() => buildArgv({ ...c, command: ['${run_dir}'] }, params, 'f')).toThrow(/needs the trial's folder/);
  });
});

describe('nested parameters', () => {
  const c = fromText(`method: random
program: train.py
parameters:
  optimizer:
    parameters:
      lr: {min: 0.0001, max: 0.1}
      name: {values: [adam, sgd]}
      betas:
        parameters:
          b1: {value: 0.9}
          b2: {value: 1.0}
  model.lr: {value: 0.5}
  epochs: {value: 3}
`);

  it('are searched under dotted names, and a flat dotted name stays flat', () => {
    expect(Object.keys(c.parameters)).toEqual(['optimizer.lr', 'optimizer.name', 'optimizer.betas.b1', 'optimizer.betas.b2', 'model.lr', 'epochs']);
    expect(c.nested).toEqual({ 'optimizer.lr': ['optimizer', 'lr'], 'optimizer.name': ['optimizer', 'name'], 'optimizer.betas.b1': ['optimizer', 'betas', 'b1'], 'optimizer.betas.b2': ['optimizer', 'betas', 'b2'] });
  });

  it('reach the trainer as one dict argument, as W&B passes them', () => {
    const params = { 'optimizer.lr': 0.01, 'optimizer.name': 'adam', 'optimizer.betas.b1': 0.9, 'optimizer.betas.b2': 1, 'model.lr': 0.5, epochs: 3 };
    expect(buildArgv({ ...c, command: ['${args}', '${args_json}'] }, params, 'f')).toEqual([
      "--optimizer={'lr': 0.01, 'name': 'adam', 'betas': {'b1': 0.9, 'b2': 1.0}}",
      '--model.lr=0.5',
      '--epochs=3',
      '{"optimizer": {"lr": 0.01, "name": "adam", "betas": {"b1": 0.9, "b2": 1.0}}, "model.lr": 0.5, "epochs": 3}',
    ]);
  });

  it('a scale of a ladder types its own distributions', () => {
    const base = fromText('method: random\nparameters:\n  w: {value: 2}\n');
    const kinds = paramKinds({ ...base, scales: [{ name: 's', tokens: 1, model: {}, parameters: { w: { type: 'uniform', min: 1, max: 3 } } }] }, { name: 's' });
    expect(pyStr(trainerParams(kinds, { w: 2 }))).toBe("{'w': 2.0}");
    expect(pyStr(trainerParams(paramKinds(base, null), { w: 2 }))).toBe("{'w': 2}");
  });

  it("a scale's and the target's model settings keep the kinds the file wrote (dropout: 0.0 reaches the trainer as 0.0)", () => {
    const c2 = fromText(`method: grid
program: train.py
metric: {name: loss}
parameters:
  lr: {values: [0.001, 0.01]}
scales:
  - {name: s, params: 1000, tokens: 10000, model: {n_embd: 32, dropout: 0.0, betas: [0.9, 1.0]}}
  - {name: m, params: 4000, tokens: 10000, model: {n_embd: 64, dropout: 0.1, betas: [0.9, 1.0]}}
target: {name: t, params: 16000, tokens: 10000, model: {n_embd: 128, dropout: 0.0}}
`);
    const at = (scale: string, model: Params): string => pyStr(trainerParams(paramKinds(c2, { name: scale }), { ...model, lr: 0.001 }));
    expect(at('s', { n_embd: 32, dropout: 0, betas: [0.9, 1] })).toBe("{'n_embd': 32, 'dropout': 0.0, 'betas': [0.9, 1.0], 'lr': 0.001}");
    expect(at('t', { n_embd: 128, dropout: 0 })).toBe("{'n_embd': 128, 'dropout': 0.0, 'lr': 0.001}");
  });

  // nanoGPT's configurator: literal_eval the value and require the type of the default
  const PY = '/usr/bin/python3';
  it.skipIf(!existsSync(PY))('Python reads each argument back as the value it was, with its type', () => {
    const params = { 'optimizer.lr': 0.01, 'optimizer.name': 'adam', 'optimizer.betas.b1': 0.9, 'optimizer.betas.b2': 1, 'model.lr': 0.5, epochs: 3 };
    const args = buildArgv({ ...c, command: ['${args}'] }, params, 'f');
    const out = execFileSync(PY, ['-c', 'import ast, sys, json; print(json.dumps([[a.split("=", 1)[0], repr(ast.literal_eval(a.split("=", 1)[1]))] for a in sys.argv[1:]]))', ...args], { encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual([
      ['--optimizer', "{'lr': 0.01, 'name': 'adam', 'betas': {'b1': 0.9, 'b2': 1.0}}"],
      ['--model.lr', '0.5'],
      ['--epochs', '3'],
    ]);
  });
});
