/** The `executor: {type: slurm, …}` block: its parser and its JSON Schema. */
import { isNum, isObj, type OptionSpec } from '../core/options.js';

/** `executor: {type: slurm, …}`: `scaletune run` submits worker jobs with sbatch and watches them. */
export interface SlurmExecutorConfig {
  type: 'slurm';
  /** extra sbatch arguments, e.g. [--partition=gpu, --gres=gpu:1, --time=2:00:00] */
  sbatch: string[];
  /** submit the workers as one job array (default true) */
  array: boolean;
  /** seconds of silence after which a worker's trial is re-queued (default 60) */
  staleAfterS: number;
  /** replacement jobs submitted at most, for workers that were cancelled, preempted or failed (default 10) */
  maxResubmits: number;
}

const KEYS = ['type', 'sbatch', 'array', 'stale_after', 'max_resubmits'];

export const slurmOptions: OptionSpec<SlurmExecutorConfig> = {
  parse(raw, _ctx, issues) {
    const e = raw as Record<string, unknown>;
    for (const k of Object.keys(e)) if (!KEYS.includes(k)) issues.add(`executor.${k}`, `unknown key; allowed: ${KEYS.join(', ')}`);
    const x: SlurmExecutorConfig = { type: 'slurm', sbatch: [], array: true, staleAfterS: 60, maxResubmits: 10 };
    if (e.sbatch !== undefined) {
      if (Array.isArray(e.sbatch) && e.sbatch.every((a) => typeof a === 'string' && a.startsWith('-'))) x.sbatch = e.sbatch as string[];
      else issues.bad('executor.sbatch', e.sbatch, 'a list of sbatch options, each starting with -, e.g. [--partition=gpu, --gres=gpu:1]');
    }
    if (e.array !== undefined) typeof e.array === 'boolean' ? (x.array = e.array) : issues.bad('executor.array', e.array, 'true (one job array of workers) or false (one job per worker)');
    if (e.stale_after !== undefined) isNum(e.stale_after) && e.stale_after >= 1 ? (x.staleAfterS = e.stale_after) : issues.bad('executor.stale_after', e.stale_after, 'seconds, at least 1');
    if (e.max_resubmits !== undefined) Number.isInteger(e.max_resubmits) && (e.max_resubmits as number) >= 0 ? (x.maxResubmits = e.max_resubmits as number) : issues.bad('executor.max_resubmits', e.max_resubmits, 'a whole number, 0 or more');
    return isObj(raw) ? x : undefined;
  },
  schema: () => ({
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
  }),
};
