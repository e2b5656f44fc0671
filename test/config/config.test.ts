import { chmodSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { loadStudyConfig, parseConfigText, validateStudyConfig } from '../../src/config/index.js';
import { ConfigError } from '../../src/core/errors.js';
import { METHOD_NAMES, METHODS, type MethodEntry } from '../../src/registry/index.js';
import { studyConfigSchema } from '../../src/config/index.js';
import { runCli } from '../helpers/cli.js';
import { expectConfigRefused } from '../helpers/refused.js';
import { ROOT, tmpDir, writeFile } from '../helpers/fixtures.js';

const HEAD = `program: train.mjs\nmethod: random\nmetric: {name: loss}\n`;
const P = (body: string): string => `${HEAD}parameters:\n${body}`;

/** [what is wrong, config text, substrings the message must contain] */
const MALFORMED: [string, string, string[]][] = [
  ['empty file', '', ['the file is empty']],
  ['not YAML', 'method: [random\nparameters: {', ['not valid YAML or JSON']],
  ['not JSON', '{"method": "random", "parameters": {"a": 1,}', ['not valid YAML or JSON']],
  ['unquoted macros in a flow list', `${P('  a: {value: 1}\n')}command: [python3, \${program}]\n`, ['not valid YAML or JSON', 'quote macros']],
  ['a list at the top', '- 1\n- 2\n', ['(document)', 'a mapping of study keys']],
  ['a scalar at the top', 'hello', ['(document)', 'found "hello"']],
  ['duplicate keys', 'method: random\nmethod: grid\nparameters: {a: {value: 1}}', ['not valid YAML or JSON']],
  ['unknown top-level key', `${P('  a: {value: 1}\n')}runcap: 5\n`, ['runcap: unknown key', 'run_cap']],
  ['missing method', `program: train.mjs\nparameters: {a: {value: 1}}\n`, ['method: missing', 'random, grid, sobol, bayes, pbt, pb2, llm']],
  ['unknown method', `program: train.mjs\nmethod: annealing\nparameters: {a: {value: 1}}\n`, ['method: found "annealing"', 'random, grid, sobol, bayes, pbt, pb2, llm']],
  ['method not built yet', `program: train.mjs\nmethod: hyperband\nparameters: {a: {value: 1}}\n`, ['method: found "hyperband"', 'not available in this version yet']],
  ['method llm without its block', `program: train.mjs\nmethod: llm\nmetric: {name: loss}\nparameters: {a: {min: 0.0, max: 1.0}}\n`, ['llm: missing; method llm needs at least {base_url, model}']],
  ['pbt without its block', `${HEAD.replace('random', 'pbt')}parameters: {a: {min: 0.0, max: 1.0}}\n`, ['pbt: missing; methods pbt and pb2 need at least {population, perturbation_interval, max_steps}']],
  ['pbt block on another method', `${P('  a: {min: 0.0, max: 1.0}\n')}pbt: {population: 4}\n`, ['pbt: options for methods pbt and pb2, but method is random']],
  ['pbt interval in tokens with max_steps', `${HEAD.replace('random', 'pbt')}parameters: {a: {min: 0.0, max: 1.0}}\npbt: {population: 4, max_steps: 100, perturbation_interval: {tokens: 1000}}\n`, ['pbt.max_steps: the interval is in tokens, so the budget is too; allowed: max_tokens instead', 'pbt.max_tokens: missing']],
  ['pbt interval in epochs', `${HEAD.replace('random', 'pbt')}parameters: {a: {min: 0.0, max: 1.0}}\npbt: {population: 4, max_steps: 100, perturbation_interval: {epochs: 2}}\n`, ['pbt.perturbation_interval: found', 'a whole number of steps, or {tokens: N}']],
  ['pbt max_tokens with an interval in steps', `${HEAD.replace('random', 'pbt')}parameters: {a: {min: 0.0, max: 1.0}}\npbt: {population: 4, max_tokens: 100, max_steps: 100, perturbation_interval: 10}\n`, ['pbt.max_tokens: the interval is in steps']],
  ['pbt mutation of an unknown parameter', `${HEAD.replace('random', 'pbt')}parameters: {a: {min: 0.0, max: 1.0}}\npbt: {population: 4, max_steps: 100, perturbation_interval: 10, hyperparam_mutations: [b]}\n`, ['pbt.hyperparam_mutations[0]: found "b"', 'a parameter of this study (a)']],
  ['pbt quantile above a half', `${HEAD.replace('random', 'pbt')}parameters: {a: {min: 0.0, max: 1.0}}\npbt: {population: 4, max_steps: 100, perturbation_interval: 10, quantile: 0.7}\n`, ['pbt.quantile: found 0.7']],
  ['pbt interval above max_steps', `${HEAD.replace('random', 'pbt')}parameters: {a: {min: 0.0, max: 1.0}}\npbt: {population: 4, max_steps: 10, perturbation_interval: 20}\n`, ['pbt.perturbation_interval: found 20; allowed: at most max_steps (10)']],
  ['bayes option misspelt', `program: train.mjs\nmethod: bayes\nmetric: {name: loss}\nbayes: {acquisition: ei}\nparameters: {a: {min: 0.0, max: 1.0}}\n`, ['bayes.acquisition: found "ei"', 'logei, ucb']],
  ['bayes options on another method', `program: train.mjs\nmethod: random\nbayes: {initial: 4}\nparameters: {a: {min: 0.0, max: 1.0}}\n`, ['bayes: options for method bayes, but method is random']],
  ['missing parameters', `${HEAD}`, ['parameters: missing']],
  ['parameters not a mapping', `${HEAD}parameters: [lr, bs]\n`, ['parameters: found a list of 2']],
  ['empty parameters', `${HEAD}parameters: {}\n`, ['parameters: is empty']],
  ['parameter is a bare number', P('  lr: 0.1\n'), ['parameters.lr: found 0.1 (a number)', 'a mapping with value, values']],
  ['parameter without a domain', P('  lr: {q: 2}\n'), ['parameters.lr: cannot tell the distribution']],
  ['unknown parameter key', P('  lr: {min: 0.1, max: 1, step: 0.1}\n'), ['parameters.lr.step: unknown key']],
  ['unknown distribution', P('  lr: {distribution: loguniform, min: 1, max: 2}\n'), ['parameters.lr.distribution: found "loguniform"', 'log_uniform_values']],
  ['min is a string', P('  lr: {min: abc, max: 1.0}\n'), ['parameters.lr.min: found "abc" (a string)', 'a finite number']],
  ['max missing', P('  lr: {distribution: uniform, min: 0.1}\n'), ['parameters.lr.max: missing']],
  ['min above max', P('  lr: {min: 0.5, max: 0.1}\n'), ['parameters.lr.max: found 0.1', 'greater than min (0.5)']],
  ['int_uniform with fractions', P('  layers: {distribution: int_uniform, min: 1.5, max: 4}\n'), ['parameters.layers.min: found 1.5', 'a whole number']],
  ['int_uniform reversed', P('  layers: {min: 8, max: 2}\n'), ['parameters.layers.max: found 2', 'at least min (8)']],
  ['log_uniform_values at zero', P('  lr: {distribution: log_uniform_values, min: 0, max: 0.1}\n'), ['parameters.lr.min: found 0', 'a positive number']],
  ['q_log_uniform_values negative', P('  bs: {distribution: q_log_uniform_values, min: -4, max: 512, q: 8}\n'), ['parameters.bs.min: found -4', 'a positive number']],
  ['q of zero', P('  x: {distribution: q_uniform, min: 0, max: 1, q: 0}\n'), ['parameters.x.q: found 0', 'a positive number']],
  ['q as text', P('  x: {distribution: q_uniform, min: 0, max: 1, q: small}\n'), ['parameters.x.q: found "small"']],
  ['sigma negative', P('  w: {distribution: normal, mu: 0, sigma: -1}\n'), ['parameters.w.sigma: found -1', 'a positive number']],
  ['mu as text', P('  w: {distribution: log_normal, mu: high, sigma: 1}\n'), ['parameters.w.mu: found "high"']],
  ['values empty', P('  opt: {values: []}\n'), ['parameters.opt.values: found a list of 0', 'a non-empty list']],
  ['values not a list', P('  opt: {values: adam}\n'), ['parameters.opt.values: found "adam"']],
  ['probabilities wrong length', P('  opt: {values: [adam, sgd], probabilities: [1]}\n'), ['parameters.opt.probabilities', 'a list of 2 non-negative numbers']],
  ['probabilities do not sum to 1', P('  opt: {values: [adam, sgd], probabilities: [0.5, 0.6]}\n'), ['parameters.opt.probabilities', 'sum to 1.1']],
  ['key that the distribution does not use', P('  lr: {distribution: uniform, min: 0, max: 1, values: [1]}\n'), ['parameters.lr.values: is not used by distribution uniform']],
  ['NaN bound', P('  lr: {min: .nan, max: 1.0}\n'), ['parameters.lr.min: found NaN']],
  ['nested parameter out of range, named by its full path', P('  optimizer:\n    parameters:\n      lr: {min: 0.1, max: 0.01}\n'), ['parameters.optimizer.parameters.lr.max: found 0.01']],
  ['nested parameters beside a distribution key', P('  optimizer:\n    values: [1]\n    parameters:\n      lr: {value: 1}\n'), ['parameters.optimizer.values: not allowed beside parameters']],
  ['empty nested parameters', P('  optimizer:\n    parameters: {}\n'), ['parameters.optimizer.parameters: is empty; allowed: a non-empty mapping']],
  ['nested and flat parameter of one dotted name', P('  optimizer.lr: {value: 1}\n  optimizer:\n    parameters:\n      lr: {value: 2}\n'), ['parameters.optimizer.parameters.lr: is searched as optimizer.lr, as parameters.optimizer.lr is']],
  ['beta shape of zero', P('  mix: {distribution: beta, a: 0}\n'), ['parameters.mix.a: found 0', 'a positive number']],
  ['beta with min and max', P('  mix: {distribution: beta, min: 0, max: 1}\n'), ['parameters.mix.min: is not used by distribution beta; it takes a, b']],
  ['inv_log_uniform past e^-709', P('  w: {distribution: inv_log_uniform, min: -710, max: 2}\n'), ['parameters.w.min: found -710', 'an exponent from -709 to 708']],
  ['inv_log_uniform_values not positive', P('  w: {distribution: inv_log_uniform_values, min: 0, max: 2}\n'), ['parameters.w.min: found 0', 'a positive number']],
  ['nested parameters in a scale', `program: train.mjs\nmethod: random\nrun_cap: 2\nmetric: {name: loss}\nparameters:\n  optimizer:\n    parameters:\n      lr: {min: 0.001, max: 0.1}\nscales:\n  - tokens: 1000\n    parameters:\n      optimizer: {parameters: {lr: {value: 0.01}}}\n`, ['scales[0].parameters.optimizer: not a parameter of this study (nested parameters are named here by their dotted names: optimizer.lr)']],
  ['envvar macro without a name', `${HEAD}command: [python, "--x=\${envvar:}"]\nparameters:\n  a: {value: 1}\n`, ['command[1]', '${envvar:NAME} needs an environment variable name']],
  ['envvar macro with a bad name', `${HEAD}command: [python, "\${envvar:a-b}"]\nparameters:\n  a: {value: 1}\n`, ['command[1]', 'found "a-b"']],
  ['list macro inside an item', `${HEAD}command: [python, "x\${args_no_equals}"]\nparameters:\n  a: {value: 1}\n`, ['${args_no_equals} expands to several arguments']],
  ['unknown macro lists the new ones', `${HEAD}command: [python, "\${argz}"]\nparameters:\n  a: {value: 1}\n`, ['unknown macro ${argz}', '${args_no_boolean_flags}', '${run_dir}', '${checkpoint_dir}', '${envvar:NAME}']],
  ['bad parameter name', P('  "1lr": {value: 1}\n'), ['parameters.1lr', 'dotted names such as model.lr']],
  ['grid over a continuous range', `program: train.mjs\nmethod: grid\nparameters:\n  lr: {min: 0.001, max: 0.1}\n`, ['parameters.lr: distribution uniform is continuous', 'method grid']],
  ['metric without a name', P('  a: {value: 1}\n').replace('metric: {name: loss}', 'metric: {goal: minimize}'), ['metric.name: found nothing']],
  ['metric goal misspelt', P('  a: {value: 1}\n').replace('metric: {name: loss}', 'metric: {name: loss, goal: minimise}'), ['metric.goal: found "minimise"', 'minimize, maximize']],
  ['metric target not a number', P('  a: {value: 1}\n').replace('metric: {name: loss}', 'metric: {name: loss, target: low}'), ['metric.target: found "low"']],
  ['metric a string', P('  a: {value: 1}\n').replace('metric: {name: loss}', 'metric: loss'), ['metric: found "loss"', 'a mapping {name, goal']],
  ['run_cap zero', `${P('  a: {value: 1}\n')}run_cap: 0\n`, ['run_cap: found 0', 'at least 1']],
  ['run_cap fractional', `${P('  a: {value: 1}\n')}run_cap: 2.5\n`, ['run_cap: found 2.5']],
  ['parallel too large', `${P('  a: {value: 1}\n')}parallel: 1000\n`, ['parallel: found 1000', 'from 1 to 256']],
  ['seed negative', `${P('  a: {value: 1}\n')}seed: -3\n`, ['seed: found -3']],
  ['timeout unreadable', `${P('  a: {value: 1}\n')}timeout: soon\n`, ['timeout: found "soon"', '30s, 10m, 1h30m']],
  ['timeout zero', `${P('  a: {value: 1}\n')}timeout: 0\n`, ['timeout: found 0']],
  ['backend unknown', `${P('  a: {value: 1}\n')}backend: {type: docker}\n`, ['backend.type: found "docker"', 'command']],
  ['unknown backend', `${P('  a: {value: 1}\n')}backend: slurm\n`, ['backend: found "slurm"', 'command, tfjs, torch, sim']],
  ['tfjs parameter that is no setting', `${P('  a: {value: 1}\n')}backend: tfjs\n`, ['parameters.a: not a setting of the tfjs backend']],
  ['backend extra key', `${P('  a: {value: 1}\n')}backend: {type: command, gpus: 2}\n`, ['backend.gpus: unknown key']],
  ['command not a list', `${P('  a: {value: 1}\n')}command: python train.py\n`, ['command: found "python train.py"', 'a non-empty list']],
  ['command unknown macro', `${P('  a: {value: 1}\n')}command: [python3, "\${program}", "\${arguments}"]\n`, ['command[2]: unknown macro ${arguments}']],
  ['list macro glued to text', `${P('  a: {value: 1}\n')}command: [python3, "\${program}", "--x \${args}"]\n`, ['command[2]', 'must be an item of its own']],
  ['command item a mapping', `${P('  a: {value: 1}\n')}command: [python3, {a: 1}]\n`, ['command[1]: found a mapping']],
  ['program missing for ${program}', `method: random\nparameters: {a: {value: 1}}\n`, ['program: missing', 'command uses ${program}']],
  ['program does not exist', `program: nowhere.py\nmethod: random\nparameters: {a: {value: 1}}\n`, ['program: found "nowhere.py"', 'does not exist']],
  ['env with a bad name', `${P('  a: {value: 1}\n')}env: {"MY-VAR": 1}\n`, ['env.MY-VAR', 'an environment variable name']],
  ['env value a list', `${P('  a: {value: 1}\n')}env: {CUDA_VISIBLE_DEVICES: [0, 1]}\n`, ['env.CUDA_VISIBLE_DEVICES: found a list of 2']],
  ['early_terminate a string', `${P('  a: {value: 1}\n')}early_terminate: hyperband\n`, ['early_terminate: found "hyperband"']],
  ['early_terminate unknown type', `${P('  a: {value: 1}\n')}early_terminate: {type: bohb}\n`, ['early_terminate.type: found "bohb"', 'hyperband, asha, median']],
  ['early_terminate without metric', `program: train.mjs\nmethod: random\nparameters: {a: {value: 1}}\nearly_terminate: {type: median}\n`, ['early_terminate: stopping rules compare a metric']],
  ['hyperband without iterations', `${P('  a: {value: 1}\n')}early_terminate: {type: hyperband, eta: 3}\n`, ['hyperband needs min_iter, or max_iter and s']],
  ['hyperband max_iter without s', `${P('  a: {value: 1}\n')}early_terminate: {type: hyperband, max_iter: 27}\n`, ['early_terminate.s: missing']],
  ['hyperband eta 1', `${P('  a: {value: 1}\n')}early_terminate: {type: hyperband, min_iter: 3, eta: 1}\n`, ['early_terminate.eta: found 1', 'a number above 1']],
  ['asha without max_t', `${P('  a: {value: 1}\n')}early_terminate: {type: asha, grace: 2}\n`, ['early_terminate.max_t: missing']],
  ['asha max_t below grace', `${P('  a: {value: 1}\n')}early_terminate: {type: asha, grace: 10, max_t: 5}\n`, ['early_terminate.max_t: found 5; allowed: more than grace (10)']],
  ['median unknown key', `${P('  a: {value: 1}\n')}early_terminate: {type: median, n_startup_trials: 5}\n`, ['early_terminate.n_startup_trials: unknown key; allowed for median: type, warmup_steps, startup_trials']],
  ['initial point outside the domain', `${P('  lr: {min: 0.001, max: 0.1}\n  opt: {values: [adam, sgd]}\n')}initial_points:\n  - {lr: 0.5, opt: adam}\n`, ['initial_points[0].lr: found 0.5', 'uniform from 0.001 to 0.1']],
  ['initial point missing a parameter', `${P('  lr: {min: 0.001, max: 0.1}\n  opt: {values: [adam, sgd]}\n')}initial_points:\n  - {lr: 0.01}\n`, ['initial_points[0].opt: missing']],
  ['initial point with an unknown parameter', `${P('  lr: {min: 0.001, max: 0.1}\n')}initial_points:\n  - {lr: 0.01, momentum: 0.9}\n`, ['initial_points[0].momentum: not a parameter of this study']],
  ['name with a space', `name: my study\n${P('  a: {value: 1}\n')}`, ['name: found "my study"']],
  ['name that climbs out of the runs folder', `name: ../../tmp/x\n${P('  a: {value: 1}\n')}`, ['name: found "../../tmp/x"', 'starting with a letter or digit']],
  ['NUL in a constant value', P('  x: {value: "a\\0b"}\n'), ['parameters.x.value: found "a\\u0000b" (a string); allowed: text without NUL characters']],
  ['NUL in a categorical value', P('  x: {values: [ok, "b\\0"]}\n'), ['parameters.x.values[1]: found "b\\u0000"', 'text without NUL characters']],
  ['NUL in a nested value', P('  x: {value: {layers: ["a\\0"]}}\n'), ['parameters.x.value.layers[0]: found "a\\u0000"']],
  ['NUL in an env value', `${P('  a: {value: 1}\n')}env: {TOKEN: "s\\0t"}\n`, ['env.TOKEN: found "s\\u0000t"', 'text without NUL characters']],
  ['NUL in a key', `${P('  a: {value: 1}\n')}env: {"A\\0B": x}\n`, ['env: found "A\\u0000B"', 'keys of text without NUL characters']],
  ['NUL in program', `program: "train\\0.mjs"\nmethod: random\nparameters: {a: {value: 1}}\n`, ['program: found "train\\u0000.mjs"', 'text without NUL characters']],
  ['NUL in a command item', `${P('  a: {value: 1}\n')}command: [node, "\${program}", "--x=\\0"]\n`, ['command[2]: found "--x=\\u0000"', 'text without NUL characters']],
  ['log_uniform past e^709', P('  lr: {distribution: log_uniform, min: 700, max: 1000}\n'), ['parameters.lr.max: found 1000', 'an exponent from -708 to 709']],
  ['log_uniform below e^-708', P('  lr: {distribution: log_uniform, min: -800, max: -2}\n'), ['parameters.lr.min: found -800', 'an exponent from -708 to 709']],
  ['q_log_uniform past e^709', P('  bs: {distribution: q_log_uniform, min: 2, max: 710, q: 8}\n'), ['parameters.bs.max: found 710', 'an exponent from -708 to 709']],
  ['uniform wider than a double', P('  x: {min: -1e308, max: 1e308}\n'), ['parameters.x.max: found 1e+308', 'above min (-1e+308)', '(max − min), which must be a finite number']],
  ['q_uniform wider than a double', P('  x: {distribution: q_uniform, min: -1e308, max: 1e308, q: 1}\n'), ['parameters.x.max: found 1e+308']],
  ['int_uniform past 2^53', P('  n: {min: 0, max: 9007199254740993}\n'), ['parameters.n.max: found 9007199254740992', 'a whole number from -9007199254740991 to 9007199254740991 (2^53 − 1']],
  ['int_uniform bound written as a double', P('  n: {distribution: int_uniform, min: 1, max: 1e20}\n'), ['parameters.n.max: found 100000000000000000000', '2^53 − 1']],
  ['int_uniform span past 2^53', P('  n: {min: -9007199254740991, max: 9007199254740991}\n'), ['parameters.n.max: found 9007199254740991', 'at most 9007199254740991 (2^53 − 1) above min (-9007199254740991)']],
  ['normal wider than a double', P('  w: {distribution: normal, mu: 0, sigma: 1e308}\n'), ['parameters.w.sigma: found 1e+308', 'values reach mu ± 10 standard deviations']],
  ['log_normal past e^709', P('  w: {distribution: log_normal, mu: 0, sigma: 100}\n'), ['parameters.w.sigma: found 100', 'at most 70.8', 'exponents from -708 to 709']],
  ['q_log_normal mu past e^709', P('  w: {distribution: q_log_normal, mu: 800, sigma: 1, q: 1}\n'), ['parameters.w.mu: found 800', 'an exponent from -708 to 709']],
  ['constant past 2^53', P('  seed: {value: 12345678901234567890}\n'), ['parameters.seed.value: found 12345678901234567000', 'or a string for larger ones']],
  ['program is a folder', `program: .\nmethod: random\nparameters: {a: {value: 1}}\n`, ['program: found "." (a string), but', 'is a folder; allowed: a path to an existing file']],
  ['program run as the command without an execute bit', `program: study.yaml\nmethod: random\nparameters: {a: {value: 1}}\n`, ['program: found "study.yaml"', 'is run as the command itself', 'not executable', 'chmod +x']],
  ['bayes without a metric', `program: train.mjs\nmethod: bayes\nparameters: {a: {min: 0.0, max: 1.0}}\n`, ['metric: missing; method bayes models a metric with a Gaussian process']],
  ['metrics preset misspelt', `${P('  a: {value: 1}\n')}metrics: {preset: nanogtp}\n`, ['metrics.preset: found "nanogtp"', 'nanogpt, hf, lightning, keras, megatron, torchtitan']],
  ['metrics a string that is no preset', `${P('  a: {value: 1}\n')}metrics: tensorboard\n`, ['metrics: found "tensorboard"', 'a preset name (nanogpt, hf']],
  ['metrics pattern not a regular expression', `${P('  a: {value: 1}\n')}metrics:\n  patterns: ['loss (?<loss>[\\d.+']\n`, ['metrics.patterns[0]: found "loss (?<loss>[', 'not a valid regular expression (Invalid regular expression:', 'Unterminated character class']],
  ['metrics pattern without a named group', `${P('  a: {value: 1}\n')}metrics: {patterns: ['loss ([\\d.]+)']}\n`, ['metrics.patterns[0]', 'has no named group', '(?<loss>']],
  ['metrics pattern that matches every line', `${P('  a: {value: 1}\n')}metrics: {patterns: ['(?<loss>\\d*)']}\n`, ['metrics.patterns[0]', 'matches an empty line']],
  ['metrics format json with patterns', `${P('  a: {value: 1}\n')}metrics: {format: json, patterns: ['l (?<l>\\S+)']}\n`, ['metrics.format: is json', 'allowed: format: patterns']],
  ['metrics both top-level and in the backend', `${P('  a: {value: 1}\n')}metrics: nanogpt\nbackend: {type: command, metrics: hf}\n`, ['backend.metrics: given both here and as the top-level metrics; allowed: one of the two']],
  ['metrics in the backend misspelt', `${P('  a: {value: 1}\n')}backend: {type: command, metrics: {presets: hf}}\n`, ['backend.metrics.presets: unknown key; allowed: format, preset, patterns']],
  ['metrics mistaken for metric', `${P('  a: {value: 1}\n')}metrics: {name: loss, goal: minimize}\n`, ['metrics.name: unknown key', 'the objective is metric: {name, goal}']],
  ['metrics with an in-process backend', `method: random\nparameters: {a: {min: 0.0, max: 1.0}}\nbackend: sim\nmetrics: nanogpt\n`, ['metrics: not used by backend sim']],
];

describe('config validation: malformed configs exit 2 with the field and what is allowed', () => {
  it('has at least 40 cases', () => expect(MALFORMED.length).toBeGreaterThanOrEqual(40));

  it.each(MALFORMED)('%s', (_what, text, expected) => expectConfigRefused(text, expected));

  it('reports every problem at once', () => {
    try {
      validateStudyConfig({ method: 'x', parameters: { a: { min: 2, max: 1 } }, run_cap: 0 }, { file: 'f.yaml' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).issues.map((i) => i.path)).toEqual(['method', 'parameters.a.max', 'program', 'run_cap']);
    }
  });

  it('a missing file exits 2 naming it', async () => {
    const r = await runCli(['run', '/nonexistent/study.yaml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('/nonexistent/study.yaml: (document): file not found');
  });

  it('an alias bomb (aliases of aliases, 9^12 nodes) exits 2 at once naming the file, not a crash or a hang', async () => {
    const rows = ['a0: &a0 [x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i <= 12; i++) rows.push(`a${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(', ')}]`);
    const t0 = Date.now();
    await expectConfigRefused(`${rows.join('\n')}\nparameters: {x: {value: 1}}\n`, ['(document): too many aliases (*name) expand in this document (more than 1000)']);
    expect(Date.now() - t0).toBeLessThan(5000);
  });
});

describe('configs found in the wild run unchanged', () => {
  const load = (text: string, dir = tmpDir()) => {
    writeFile(dir, 'train.py', '');
    return loadStudyConfig(writeFile(dir, 'sweep.yaml', text));
  };

  it('infers distributions as W&B does, telling 0.0 from 0', () => {
    const c = load(`program: train.py\nmethod: random\nparameters:\n  dropout: {min: 0.0, max: 1.0}\n  layers: {min: 1, max: 4}\n  opt: {values: [adam, sgd]}\n  epochs: {value: 3}\n  noise: {mu: 0, sigma: 2}\n`);
    expect(c.parameters).toEqual({
      dropout: { type: 'uniform', min: 0, max: 1 },
      layers: { type: 'int_uniform', min: 1, max: 4 },
      opt: { type: 'categorical', values: ['adam', 'sgd'] },
      epochs: { type: 'constant', value: 3 },
      noise: { type: 'normal', mu: 0, sigma: 2 },
    });
  });

  it('reads JSON, YAML tags, booleans and numbers in values, dotted names, no metric', () => {
    const dir = tmpDir();
    writeFile(dir, 'train.py', '');
    const c = loadStudyConfig(
      writeFile(
        dir,
        'sweep.json',
        JSON.stringify({ program: 'train.py', method: 'grid', parameters: { 'model.lr': { values: [0.1, 0.01] }, 'trainer.amp': { values: [true, false] } } }),
      ),
    );
    expect(c.method).toBe('grid');
    expect(c.metric).toBeUndefined();
    expect(c.parameters['trainer.amp']).toEqual({ type: 'categorical', values: [true, false] });
    const y = load(`program: train.py\nmethod: random\nproject: p\nentity: e\nparameters:\n  lr: {distribution: log_uniform_values, min: !!float 1e-5, max: !!float 1e-2}\n  wd: {value: !!float 1e-4}\n`);
    expect(y.parameters.lr).toEqual({ type: 'log_uniform_values', min: 1e-5, max: 1e-2 });
    expect(y.parameters.wd).toEqual({ type: 'constant', value: 1e-4 });
  });

  it('resolves program against the config folder and keeps extra literal arguments', () => {
    const dir = tmpDir();
    writeFile(dir, 'train.py', '');
    const c = loadStudyConfig(writeFile(dir, 's.yaml', `program: train.py\nmethod: random\ncommand:\n  - \${env}\n  - \${interpreter}\n  - \${program}\n  - --config\n  - base.yaml\n  - \${args_no_hyphens}\nparameters: {a: {value: 1}}\n`));
    expect(c.program).toBe(path.join(dir, 'train.py'));
    expect(c.command).toEqual(['${env}', '${interpreter}', '${program}', '--config', 'base.yaml', '${args_no_hyphens}']);
  });

  it('accepts every W&B distribution name', () => {
    const c = load(`program: train.py\nmethod: random\nparameters:
  a: {distribution: constant, value: 1}
  b: {distribution: categorical, values: [1, 2], probabilities: [0.25, 0.75]}
  c: {distribution: int_uniform, min: 1, max: 3}
  d: {distribution: uniform, min: 0, max: 1}
  e: {distribution: q_uniform, min: 0, max: 10, q: 2}
  f: {distribution: log_uniform_values, min: 0.001, max: 0.1}
  g: {distribution: q_log_uniform_values, min: 8, max: 512, q: 8}
  h: {distribution: log_uniform, min: -7, max: -2}
  i: {distribution: normal, mu: 0, sigma: 1}
  j: {distribution: log_normal, mu: 0, sigma: 1}
`);
    expect(Object.values(c.parameters).map((d) => d.type)).toEqual(['constant', 'categorical', 'int_uniform', 'uniform', 'q_uniform', 'log_uniform_values', 'q_log_uniform_values', 'log_uniform', 'normal', 'log_normal']);
    expect(c.parameters.e).toEqual({ type: 'q_uniform', min: 0, max: 10, q: 2 });
  });

  it('reads early_terminate into a stopping rule', () => {
    const hb = load(`program: train.py\nmethod: random\nmetric: {name: loss}\nparameters: {a: {value: 1}}\nearly_terminate: {type: hyperband, min_iter: 3}\n`).stopping;
    expect(hb).toMatchObject({ type: 'hyperband', eta: 3 });
    expect(hb?.type === 'hyperband' && hb.bands.slice(0, 4)).toEqual([3, 9, 27, 81]);
    expect(load(`program: train.py\nmethod: random\nmetric: {name: loss}\nparameters: {a: {value: 1}}\nearly_terminate: {type: asha, grace: 2, eta: 2, max_t: 20}\n`).stopping).toEqual({ type: 'asha', eta: 2, rungs: [2, 4, 8, 16] });
    expect(load(`program: train.py\nmethod: random\nmetric: {name: loss}\nparameters: {a: {value: 1}}\nearly_terminate: {type: median}\n`).stopping).toEqual({ type: 'median', warmupSteps: 0, startupTrials: 5 });
  });

  it('accepts domains up to the edges of what a double holds', () => {
    const c = load(`program: train.py\nmethod: random\nparameters:\n  a: {distribution: log_uniform, min: -708, max: 709}\n  b: {min: 0, max: 9007199254740991}\n  c: {min: -8e307, max: 8e307}\n  d: {distribution: log_normal, mu: 0, sigma: 70.8}\n  e: {value: 9007199254740991}\n`);
    expect(Object.values(c.parameters).map((d) => d.type)).toEqual(['log_uniform', 'int_uniform', 'uniform', 'log_normal', 'constant']);
  });

  it('random, grid and sobol need no metric; the registry says why the other methods do', () => {
    expect(METHOD_NAMES.filter((m) => (METHODS[m] as MethodEntry).capabilities.needsMetric === null)).toEqual(['random', 'grid', 'sobol']);
    for (const method of ['random', 'grid', 'sobol']) expect(validateStudyConfig({ method, parameters: { a: { values: [1, 2] } } }, { forRun: false }).metric).toBeUndefined();
  });

  it('a program with no known interpreter runs through the one its command names, or as itself when executable', () => {
    const dir = tmpDir();
    const train = writeFile(dir, 'train', '#!/bin/sh\n');
    expect(loadStudyConfig(writeFile(dir, 'a.yaml', `program: train\nmethod: random\ncommand: [sh, "\${program}", "\${args}"]\nparameters: {a: {value: 1}}\n`)).program).toBe(train);
    chmodSync(train, 0o755);
    expect(loadStudyConfig(writeFile(dir, 'b.yaml', `program: train\nmethod: random\nparameters: {a: {value: 1}}\n`)).program).toBe(train);
  });

  // root reads every file, so only another user sees this refusal
  it.skipIf(process.getuid?.() === 0)('a program its interpreter cannot read is refused', () => {
    const dir = tmpDir();
    chmodSync(writeFile(dir, 'train.py', ''), 0o000);
    expect(() => loadStudyConfig(writeFile(dir, 's.yaml', `program: train.py\nmethod: random\nparameters: {a: {value: 1}}\n`))).toThrow('train.py cannot be read; allowed: a file this user may read');
  });

  it('reads metrics: as a preset name, a mapping, or in the command backend block', () => {
    const head = `program: train.py\nmethod: random\nparameters: {a: {value: 1}}\n`;
    expect(load(head).metrics).toBeUndefined();
    expect(load(`${head}metrics: json\n`).metrics).toBeUndefined();
    expect(load(`${head}metrics: {format: json}\n`).metrics).toBeUndefined();
    expect(load(`${head}metrics: nanogpt\n`).metrics).toEqual({ preset: 'nanogpt', patterns: [] });
    const patterns = `metrics:\n  preset: hf\n  patterns:\n    - 'step (?P<step>\\d+): loss (?P<loss>\\S+)'\n`;
    expect(load(`${head}${patterns}`).metrics).toEqual({ preset: 'hf', patterns: ['step (?P<step>\\d+): loss (?P<loss>\\S+)'] });
    const inBackend = load(`${head}backend: {type: command, metrics: {format: patterns, preset: keras}}\n`);
    expect(inBackend.metrics).toEqual({ preset: 'keras', patterns: [] });
    expect(inBackend.backend).toEqual({ type: 'command', metrics: { preset: 'keras', patterns: [] } });
  });

  it('parses timeouts', () => {
    expect(load(`program: train.py\nmethod: random\ntimeout: 1h30m\nparameters: {a: {value: 1}}\n`).timeoutMs).toBe(5_400_000);
    expect(load(`program: train.py\nmethod: random\ntimeout: 45\nparameters: {a: {value: 1}}\n`).timeoutMs).toBe(45_000);
  });
});

describe('the published JSON Schema', () => {
  const ajv = new Ajv2020.default({ allErrors: true, strict: false });
  const validate = ajv.compile(studyConfigSchema());

  it('accepts the fixture configs', () => {
    for (const f of ['fixtures/studies/quickstart.yaml', 'fixtures/studies/demo.yaml']) {
      const { raw } = parseConfigText(readFileSync(path.join(ROOT, f), 'utf8'), f);
      expect(validate(raw), JSON.stringify(validate.errors)).toBe(true);
    }
  });

  it('rejects what the validator rejects for structure', () => {
    for (const bad of [{ method: 'random' }, { method: 'nope', parameters: { a: { value: 1 } } }, { method: 'random', parameters: { a: { step: 1 } } }, { method: 'random', parameters: { a: { value: 1 } }, run_cap: 0 }, { method: 'random', parameters: { a: { value: 1 } }, extra: 1 }, { method: 'grid', parameters: { lr: { value: 1 } }, backend: { type: 'tfjs', model: { widht: 3 } } }, { method: 'grid', parameters: { lr: { value: 1 } }, backend: { type: 'tfjs', train: { schedule: 'linear' } } }]) {
      expect(validate(bad)).toBe(false);
    }
  });

  it('accepts a PBT config and rejects a misspelt PBT key', () => {
    const pbt = { method: 'pbt', metric: { name: 'q', goal: 'maximize' }, parameters: { h: { min: 0.0, max: 1.0 } }, pbt: { population: 4, perturbation_interval: 5, max_steps: 40 } };
    expect(validate(pbt), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...pbt, pbt: { population: 4, perturbation_interval: { tokens: 4096 }, max_tokens: 40960 } }), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...pbt, pbt: { ...pbt.pbt, quantil: 0.2 } })).toBe(false);
  });

  it('accepts the metrics shapes the validator accepts and rejects a misspelt one', () => {
    const base = { method: 'random', parameters: { a: { value: 1 } } };
    for (const metrics of ['json', 'nanogpt', { preset: 'hf' }, { format: 'patterns', patterns: ['l (?<l>\\S+)'] }]) {
      expect(validate({ ...base, metrics }), JSON.stringify(validate.errors)).toBe(true);
    }
    expect(validate({ ...base, backend: { type: 'command', metrics: 'keras' } }), JSON.stringify(validate.errors)).toBe(true);
    for (const metrics of ['nanogtp', { presets: 'hf' }, { patterns: [] }, { patterns: 'x' }]) expect(validate({ ...base, metrics })).toBe(false);
  });

  it('accepts nested parameters and the beta and inverse log-uniform distributions, and rejects a nested block with a distribution key', () => {
    const ok = { method: 'random', parameters: { optimizer: { parameters: { lr: { min: 0.001, max: 0.1 }, betas: { parameters: { b1: { value: 0.9 } } } } }, mix: { distribution: 'q_beta', a: 2, b: 5, q: 0.05 }, wd: { distribution: 'inv_log_uniform_values', min: 1e-5, max: 1e-2 } }, command: ['${env}', 'python3', '--out=${run_dir}', '${args_no_boolean_flags}'] };
    expect(validate(ok), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ method: 'random', parameters: { optimizer: { parameters: { lr: { value: 1 } }, values: [1] } } })).toBe(false);
    expect(validate({ method: 'random', parameters: { optimizer: { parameters: {} } } })).toBe(false);
  });

  it('is printed by `scaletune schema`', async () => {
    const r = await runCli(['schema']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).title).toBe('scaletune study config');
  });
});
