/** The JSON Schema of a study config, for editors (`scaletune schema`). Built from the same tables the validator uses. */
import { WANDB_MODES } from '../backends/wandb-stand-in.js';
import { DISTRIBUTION_TYPES } from '../core/distributions.js';
import { logMetricsSchema } from '../backends/log-metrics-options.js';
import { constraintsSchema, costSchema, objectivesSchema } from './objectives.js';
import { BACKEND_TYPES, BACKENDS, EXECUTOR_TYPES, EXECUTORS, METHOD_NAMES, METHODS, methodEntry, stoppingOptions } from '../registry/index.js';
import { LIST_MACROS, MACROS, MAX_PARALLEL, STUDY_NAME } from './study.js';
import { workdirOptions } from '../backends/workdir.js';
import { resourcesOptions } from '../orchestrator/gpus.js';

/** Each method's option block (`bayes`, `pbt`, `llm`), from the method that owns it. */
function methodBlocks(): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const m of METHOD_NAMES) {
    const o = methodEntry(m).options;
    if (o) out[o.key] ??= o.spec.schema();
  }
  return out;
}

const num = { type: 'number' };
const paramValue = { description: 'a value passed to the trainer as is: number, string, boolean, null, list or mapping' };

export function studyConfigSchema(): Record<string, unknown> {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://scaletune.dev/schema/study-config.json',
    title: 'scaletune study config',
    description: 'A study of proxy runs: what to search, how, and how to launch the trainer. Compatible with W&B sweep configs.',
    type: 'object',
    additionalProperties: false,
    required: ['method', 'parameters'],
    properties: {
      name: { type: 'string', pattern: STUDY_NAME.source, description: 'study name (default: the file name)' },
      description: { type: 'string' },
      project: { type: 'string', description: 'W&B key, accepted and ignored' },
      entity: { type: 'string', description: 'W&B key, accepted and ignored' },
      program: { type: 'string', description: 'the training program, relative to the config file' },
      command: {
        type: 'array',
        minItems: 1,
        items: { type: ['string', 'number', 'boolean'] },
        description: `argv of the trainer; macros: ${MACROS.map((m) => `\${${m}}`).join(' ')} \${envvar:NAME}; ${LIST_MACROS.map((m) => `\${${m}}`).join(' ')} expand to several arguments and stand alone as an item`,
        default: ['${env}', '${interpreter}', '${program}', '${args}'],
      },
      method: { enum: [...METHOD_NAMES], description: `how configurations are proposed: ${METHOD_NAMES.map((m) => `${m} (${METHODS[m].summary})`).join('; ')}` },
      metric: objectivesSchema(),
      constraints: constraintsSchema(),
      cost: costSchema(),
      parameters: {
        type: 'object',
        minProperties: 1,
        propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_.\\-/]*$' },
        additionalProperties: { $ref: '#/$defs/parameterOrNested' },
      },
      run_cap: { type: 'integer', minimum: 1, description: 'the most runs this study makes' },
      early_terminate: stoppingOptions.schema(),
      parallel: { type: 'integer', minimum: 1, maximum: MAX_PARALLEL, default: 1 },
      seed: { type: 'integer', minimum: 0 },
      timeout: {
        oneOf: [
          { type: 'number', exclusiveMinimum: 0 },
          { type: 'string', pattern: '^(\\d+(\\.\\d+)?|((\\d+(\\.\\d+)?)(ms|s|m|h|d))+)$' },
        ],
        description: 'per-run limit: seconds, or a duration such as 30s, 10m, 1h30m',
      },
      backend: {
        oneOf: [{ enum: [...BACKEND_TYPES] }, ...BACKEND_TYPES.map((t) => BACKENDS[t].schema())],
      },
      metrics: logMetricsSchema(),
      scales: {
        type: 'array',
        minItems: 1,
        description: 'a scale ladder: proxy scales searched one by one, smallest compute first',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['tokens'],
          properties: {
            name: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$' },
            params: { type: 'number', exclusiveMinimum: 0, description: 'non-embedding parameters N (else the runs report a params metric)' },
            tokens: { type: 'number', exclusiveMinimum: 0, description: 'training tokens D' },
            model: { type: 'object', description: 'settings or trainer arguments that make this scale’s model' },
            run_cap: { type: 'integer', minimum: 1, description: 'runs at this scale (default: run_cap)' },
            parameters: { type: 'object', additionalProperties: { $ref: '#/$defs/parameter' }, description: 'distributions that replace the study’s at this scale' },
          },
        },
      },
      target: {
        type: 'object',
        additionalProperties: false,
        required: ['params', 'tokens'],
        description: 'the scale the ladder predicts for',
        properties: { name: { type: 'string' }, params: { type: 'number', exclusiveMinimum: 0 }, tokens: { type: 'number', exclusiveMinimum: 0 }, model: { type: 'object' } },
      },
      fit: {
        type: 'object',
        additionalProperties: false,
        description: 'the laws a ladder fits (default: chosen from what the scales support)',
        properties: {
          lr: { oneOf: [{ enum: ['auto', 'none', 'N', 'D'] }, { type: 'array', minItems: 1, uniqueItems: true, items: { enum: ['N', 'D'] } }] },
          batch: { oneOf: [{ enum: ['auto', 'none', 'N', 'D'] }, { type: 'array', minItems: 1, uniqueItems: true, items: { enum: ['N', 'D'] } }] },
          loss: { enum: ['auto', 'none', 'chinchilla', 'power-offset'] },
          lr_param: { type: 'string' },
          batch_param: { type: 'string' },
          lr_from: { enum: ['auto', 'runs', 'optima'] },
        },
      },
      executor: { oneOf: EXECUTOR_TYPES.map((t) => EXECUTORS[t].schema()) },
      workdir: workdirOptions.schema(),
      resources: resourcesOptions.schema(),
      verify: { enum: ['largest', 'target', 'none', false], description: 'after the ladder, one run with the predicted hyperparameters' },
      budget: { type: 'object', additionalProperties: false, minProperties: 1, maxProperties: 1, properties: { flops: { type: 'number', exclusiveMinimum: 0, description: 'compute of the whole ladder (6·N·D per run), shared out as runs per scale, the cheap scales first' }, runs: { const: 'auto', description: 'the compute of 8 runs at every scale, shared out as flops are' } } },
      harvest: {
        type: 'object',
        additionalProperties: false,
        description: 'many token budgets per run: each run yields its loss with the learning rate annealed at several fractions of its tokens',
        properties: {
          design: { enum: ['cooldown', 'wsds'], default: 'cooldown', description: 'cooldown: a WSD run with a branch decaying from a checkpoint to each smaller budget; wsds: one run that decays before every budget and re-warms' },
          budgets: { type: 'array', minItems: 2, items: { type: 'number', exclusiveMinimum: 0, maximum: 1 }, default: [0.125, 0.25, 0.5, 1], description: "fractions of a scale's tokens, ascending, the last 1" },
          decay: { type: 'number', exclusiveMinimum: 0, maximum: 1, default: 0.2, description: 'each decay, as a fraction of the tokens trained when it starts' },
        },
      },
      transfer: { enum: ['auto', 'none', 'recenter'], default: 'none', description: 'later scales search around what the smaller ones predict (auto: random, sobol, bayes; recenter: a grid moved onto the prediction; none, the default: each scale from scratch)' },
      wandb: { enum: [...WANDB_MODES, false], description: "stand-in: put scaletune's wandb stand-in first on the trainer's PYTHONPATH, so that programs written for W&B sweeps run unchanged (command backend only)" },
      initial_points: { type: 'array', items: { type: 'object' }, description: 'configurations to run first, in order' },
      ...methodBlocks(),
      env: { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] }, propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_]*$' } },
    },
    $defs: {
      parameterOrNested: {
        oneOf: [
          {
            type: 'object',
            additionalProperties: false,
            required: ['parameters'],
            description: 'nested parameters: searched as parent.child, passed to the trainer as one mapping (--parent={...})',
            properties: {
              parameters: { type: 'object', minProperties: 1, propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_.\\-/]*$' }, additionalProperties: { $ref: '#/$defs/parameterOrNested' } },
            },
          },
          { $ref: '#/$defs/parameter' },
        ],
      },
      parameter: {
        type: 'object',
        additionalProperties: false,
        properties: {
          distribution: { enum: [...DISTRIBUTION_TYPES] },
          value: paramValue,
          values: { type: 'array', minItems: 1, items: paramValue },
          probabilities: { type: 'array', items: { type: 'number', minimum: 0 } },
          min: num,
          max: num,
          q: { type: 'number', exclusiveMinimum: 0 },
          mu: num,
          sigma: { type: 'number', exclusiveMinimum: 0 },
          a: { type: 'number', exclusiveMinimum: 0, description: 'beta, q_beta: first shape (default 1)' },
          b: { type: 'number', exclusiveMinimum: 0, description: 'beta, q_beta: second shape (default 1)' },
        },
        anyOf: [
          { required: ['distribution'] },
          { required: ['value'] },
          { required: ['values'] },
          { required: ['min', 'max'] },
          { required: ['mu'] },
          { required: ['sigma'] },
        ],
      },
    },
  };
}
