/**
 * The JSON Schema of `scaletune report --format json` (`scaletune schema --report`): scripts and the CI
 * gate read reports by it, so a change to it is a change to a public interface (a test keeps a copy).
 * Keys are snake_case and states lower case, as in all machine output (see snakeKeys); the TypeScript
 * model is camelCase and is converted when written.
 */
import { REPORT_SCHEMA_ID, REPORT_SCHEMA_VERSION } from './model.js';

const num = { type: 'number' };
const numOrNull = { type: ['number', 'null'] };
const interval = { type: ['array', 'null'], items: num, minItems: 2, maxItems: 2 };
const predicted = { type: ['object', 'null'], additionalProperties: false, required: ['value', 'interval'], properties: { value: num, interval } };
const params = { type: 'object', description: 'parameter name to value' };
const state = { type: 'string', pattern: '^[a-z]+$', description: 'a trial state in lower case: complete, fail, …' };
const obj = (required: string[], properties: Record<string, unknown>, nullable = false): Record<string, unknown> => ({ type: nullable ? ['object', 'null'] : 'object', additionalProperties: false, required, properties });

const run = obj(['trial', 'lr', 'batch', 'loss'], { trial: { type: 'integer' }, lr: num, batch: numOrNull, loss: num });
const scaleItem = obj(['name', 'N', 'D', 'runs', 'trials', 'budget', 'done', 'failed', 'best', 'optimum'], {
  name: { type: 'string' },
  N: numOrNull,
  D: num,
  runs: { type: 'array', items: run },
  trials: { type: 'integer' },
  budget: { type: ['integer', 'null'] },
  done: { type: 'boolean' },
  failed: { type: 'integer' },
  best: { ...run, type: ['object', 'null'] },
  compute: numOrNull,
  harvest: obj(['scale', 'budget'], { scale: { type: 'string' }, budget: num }),
  optimum: obj(['lr', 'batch', 'loss', 'method'], { lr: num, batch: numOrNull, loss: num, method: { enum: ['interpolated', 'best-run'] }, note: { type: 'string' }, edge: { enum: ['smallest', 'largest'] } }, true),
});
const law = obj(['y', 'law', 'x', 'formula', 'chosen', 'why', 'params', 'intervals', 'residuals'], {
  y: { enum: ['lr', 'batch', 'loss'] },
  law: { enum: ['power', 'power-offset', 'chinchilla'] },
  x: { type: 'array', items: { enum: ['N', 'D'] } },
  formula: { type: 'string' },
  chosen: { enum: ['declared', 'auto'] },
  why: { type: 'string' },
  params: { type: 'object', additionalProperties: num },
  intervals: { type: 'object', additionalProperties: { type: 'array', items: num, minItems: 2, maxItems: 2 } },
  residuals: obj(['rmse', 'mean_abs_rel_error', 'max_abs_rel_error'], { rmse: num, mean_abs_rel_error: num, max_abs_rel_error: num }),
  // a loss law's constants at their bound of 0 (not required: older reports lack it)
  undetermined: { type: 'array', items: { type: 'string' } },
}, true);
const curvePoint = obj(['N', 'D', 'C', 'value', 'lo', 'hi'], { N: num, D: num, C: num, value: num, lo: numOrNull, hi: numOrNull });
const measured = obj(['predicted', 'measured'], { predicted, measured: num }, true);

export function reportSchema(): Record<string, unknown> {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://scaletune.dev/schema/report.json',
    title: 'scaletune report',
    ...obj(['schema', 'schema_version', 'generated', 'study', 'best', 'history', 'ladder', 'verify', 'pbt'], {
      schema: { const: REPORT_SCHEMA_ID },
      schema_version: { const: REPORT_SCHEMA_VERSION },
      generated: { type: 'string', format: 'date-time' },
      study: obj(['name', 'method', 'backend', 'metric', 'goal', 'seed', 'created', 'counts'], {
        name: { type: 'string' },
        method: { type: 'string' },
        backend: { type: 'string' },
        metric: { type: ['string', 'null'] },
        goal: { enum: ['minimize', 'maximize', null] },
        seed: { type: 'integer' },
        created: { type: 'string' },
        counts: { type: 'object', additionalProperties: { type: 'integer' } },
        constraints: { type: 'array', items: obj(['name'], { name: { type: 'string' }, min: num, max: num }) },
        note: { type: 'string', description: 'the note kept with the study (scaletune note)' },
      }),
      best: obj(['number', 'value', 'params', 'scale'], { number: { type: 'integer' }, value: num, params, scale: { type: ['string', 'null'] } }, true),
      history: { type: 'array', items: obj(['number', 'state', 'value', 'scale', 'best', 'params'], { number: { type: 'integer' }, state, value: numOrNull, scale: { type: ['string', 'null'] }, best: numOrNull, params, infeasible: { type: 'string' } }) },
      ladder: obj(
        ['metric', 'lr_param', 'batch_param', 'scales', 'target', 'laws', 'prediction', 'backtest', 'notes', 'curves', 'at_scales'],
        {
          metric: { type: 'string' },
          lr_param: { type: 'string' },
          batch_param: { type: ['string', 'null'] },
          scales: { type: 'array', items: scaleItem },
          // with harvest only: the optimum at every budget of every scale
          points: { type: 'array', items: scaleItem },
          target: obj(['name', 'N', 'D'], { name: { type: 'string' }, N: num, D: num }, true),
          laws: obj(['lr', 'batch', 'loss'], { lr: law, batch: law, loss: law }),
          prediction: obj(['lr', 'batch', 'loss'], { lr: predicted, batch: predicted, loss: predicted }, true),
          backtest: obj(['scale', 'N', 'D', 'lr', 'batch', 'loss', 'loss_gap'], { scale: { type: 'string' }, N: num, D: num, lr: measured, batch: measured, loss: measured, loss_gap: obj(['run', 'loss', 'gap'], { run: { type: 'integer' }, loss: num, gap: num, lr_ratio: num, is_best: { type: 'boolean' } }, true), loss_chosen: { type: 'boolean' } }, true),
          notes: { type: 'array', items: { type: 'string' } },
          // not required: reports saved before it was added still validate
          warnings: { type: 'array', items: { type: 'string' } },
          curves: obj(['lr', 'batch', 'loss'], { lr: { type: 'array', items: curvePoint }, batch: { type: 'array', items: curvePoint }, loss: { type: 'array', items: curvePoint } }),
          at_scales: { type: 'array', items: obj(['scale', 'lr', 'batch', 'loss'], { scale: { type: 'string' }, lr: predicted, batch: predicted, loss: predicted }) },
        },
        true,
      ),
      verify: {
        type: 'array',
        items: obj(['at', 'scale', 'N', 'D', 'trial', 'state', 'error', 'params', 'held_back', 'predicted', 'measured', 'best_at_scale'], {
          at: { enum: ['largest', 'target'] },
          scale: { type: 'string' },
          N: numOrNull,
          D: num,
          trial: { type: 'integer' },
          state,
          error: { type: ['string', 'null'] },
          params,
          held_back: { type: 'boolean' },
          predicted,
          measured: numOrNull,
          best_at_scale: numOrNull,
        }),
      },
      // not required: reports saved before it was added still validate
      learning_curves: { type: 'array', items: obj(['number', 'state', 'scale', 'points'], { number: { type: 'integer' }, state, scale: { type: ['string', 'null'] }, points: { type: 'array', items: obj(['step', 'value'], { step: num, value: num }) } }) },
      // studies without scales (not required: reports saved before it was added still validate)
      importance: obj(['method', 'importances', 'trials', 'top', 'oob_r2'], { method: { enum: ['fanova', 'ped-anova'] }, importances: { type: 'array', items: obj(['param', 'share', 'score', 'sd'], { param: { type: 'string' }, share: num, score: num, sd: numOrNull }) }, trials: { type: 'integer' }, top: { type: ['integer', 'null'] }, oob_r2: numOrNull }, true),
      // multi-objective studies only (not required: reports of other studies, and older ones, have none)
      front: obj(
        ['objectives', 'trials', 'infeasible', 'hypervolume', 'reference'],
        {
          objectives: { type: 'array', minItems: 2, items: obj(['name', 'goal'], { name: { type: 'string' }, goal: { enum: ['minimize', 'maximize'] } }) },
          trials: { type: 'array', items: obj(['number', 'values', 'params', 'on_front'], { number: { type: 'integer' }, values: { type: 'object', additionalProperties: num }, params, on_front: { type: 'boolean' } }) },
          infeasible: { type: 'integer' },
          hypervolume: { ...num, description: 'dominated up to reference, every objective in minimisation form (maximised ones negated)' },
          reference: { type: 'array', items: num },
        },
        true,
      ),
      pbt: obj(
        ['winner', 'schedule', 'exploits', 'curves'],
        {
          winner: obj(['member', 'step', 'score'], { member: { type: 'integer' }, step: { type: 'integer' }, score: numOrNull }, true),
          schedule: { type: 'array', items: obj(['from', 'to', 'params', 'member'], { from: { type: 'integer' }, to: { type: 'integer' }, params, member: { type: 'integer' } }) },
          exploits: { type: 'array', items: obj(['member', 'step', 'kind', 'donor', 'before', 'after'], { member: { type: 'integer' }, step: { type: 'integer' }, kind: { type: 'string' }, donor: { type: ['integer', 'null'] }, before: params, after: params }) },
          curves: { type: 'array', items: obj(['member', 'step', 'value'], { member: { type: 'integer' }, step: { type: 'integer' }, value: num }) },
        },
        true,
      ),
    }),
  };
}
