/** The JSON Schema of a study config, for editors (`scaletune schema`). Built from the same tables the validator uses. */
import { DISTRIBUTION_TYPES } from '../core/distributions.js';
import { METHODS } from './study.js';
import { tfjsBackendSchema } from '../backends/tfjs/settings.js';
import { simBackendSchema } from '../backends/sim/settings.js';

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
      name: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$', description: 'study name (default: the file name)' },
      description: { type: 'string' },
      project: { type: 'string', description: 'W&B key, accepted and ignored' },
      entity: { type: 'string', description: 'W&B key, accepted and ignored' },
      program: { type: 'string', description: 'the training program, relative to the config file' },
      command: {
        type: 'array',
        minItems: 1,
        items: { type: ['string', 'number', 'boolean'] },
        description: 'argv of the trainer; macros: ${env} ${interpreter} ${program} ${args} ${args_no_hyphens} ${args_json} ${args_json_file}',
        default: ['${env}', '${interpreter}', '${program}', '${args}'],
      },
      method: { enum: [...METHODS], description: 'how configurations are proposed' },
      metric: {
        type: 'object',
        additionalProperties: false,
        required: ['name'],
        properties: {
          name: { type: 'string', minLength: 1 },
          goal: { enum: ['minimize', 'maximize'], default: 'minimize' },
          target: { ...num, description: 'stop launching runs once a run reaches this value' },
        },
      },
      parameters: {
        type: 'object',
        minProperties: 1,
        propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_.\\-/]*$' },
        additionalProperties: { $ref: '#/$defs/parameter' },
      },
      run_cap: { type: 'integer', minimum: 1, description: 'the most runs this study makes' },
      early_terminate: {
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
      },
      parallel: { type: 'integer', minimum: 1, maximum: 256, default: 1 },
      seed: { type: 'integer', minimum: 0 },
      timeout: {
        oneOf: [
          { type: 'number', exclusiveMinimum: 0 },
          { type: 'string', pattern: '^(\\d+(\\.\\d+)?|((\\d+(\\.\\d+)?)(ms|s|m|h|d))+)$' },
        ],
        description: 'per-run limit: seconds, or a duration such as 30s, 10m, 1h30m',
      },
      backend: {
        oneOf: [
          { enum: ['command', 'tfjs', 'sim'] },
          { type: 'object', additionalProperties: false, required: ['type'], properties: { type: { const: 'command' } } },
          tfjsBackendSchema(),
          simBackendSchema(),
        ],
      },
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
        },
      },
      llm: {
        type: 'object',
        additionalProperties: false,
        required: ['model'],
        description: 'options of method llm (LLAMBO through an OpenAI-compatible endpoint)',
        properties: {
          base_url: { type: 'string', pattern: '^https?://', description: 'e.g. https://api.openai.com/v1 or http://localhost:11434/v1 (Ollama)' },
          model: { type: 'string', minLength: 1 },
          api_key_env: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$', description: 'the NAME of the environment variable holding the key' },
          temperature: { type: 'number', minimum: 0, maximum: 2, default: 0.8 },
          max_tokens: { type: 'integer', minimum: 16, default: 800 },
          timeout: { oneOf: [{ type: 'number', exclusiveMinimum: 0 }, { type: 'string' }], default: '60s' },
          retries: { type: 'integer', minimum: 0, maximum: 10, default: 3 },
          max_calls: { type: 'integer', minimum: 1 },
          max_cost: { type: 'number', minimum: 0, description: 'USD' },
          price: { type: 'object', additionalProperties: false, required: ['prompt', 'completion'], properties: { prompt: { type: 'number', minimum: 0 }, completion: { type: 'number', minimum: 0 } }, description: 'USD per million tokens' },
          mode: { enum: ['live', 'record', 'replay'], default: 'live' },
          task: { type: 'string', description: 'what is trained, in your words (replaces the template’s)' },
          initial: { type: 'integer', minimum: 1, default: 5 },
          candidates: { type: 'integer', minimum: 1, default: 10 },
          prompts: { type: 'integer', minimum: 1, default: 3 },
          alpha: { type: 'number', minimum: 0, default: 0.1 },
          surrogate: { enum: ['gp', 'llm'], default: 'gp' },
          surrogate_samples: { type: 'integer', minimum: 1, default: 3 },
          attempts: { type: 'integer', minimum: 1, default: 3 },
          templates: { type: 'string', description: 'a folder with system.txt, warmstart.txt, candidates.txt, surrogate.txt' },
        },
      },
      executor: {
        oneOf: [
          { type: 'object', additionalProperties: false, required: ['type'], properties: { type: { const: 'local' } } },
          {
            type: 'object',
            additionalProperties: false,
            required: ['type'],
            description: 'scaletune run submits worker jobs with sbatch, watches and replaces them, scancels them when interrupted',
            properties: {
              type: { const: 'slurm' },
              sbatch: { type: 'array', items: { type: 'string', pattern: '^-' }, description: 'extra sbatch options, e.g. [--partition=gpu, --gres=gpu:1]' },
              array: { type: 'boolean', default: true },
              stale_after: { type: 'number', minimum: 1, default: 60 },
              max_resubmits: { type: 'integer', minimum: 0, default: 10 },
            },
          },
        ],
      },
      verify: { enum: ['largest', 'target', 'none', false], description: 'after the ladder, one run with the predicted hyperparameters' },
      bayes: {
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
        },
      },
      initial_points: { type: 'array', items: { type: 'object' }, description: 'configurations to run first, in order' },
      pbt: {
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
      },
      env: { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] }, propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_]*$' } },
    },
    $defs: {
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
