/** Where a study's runs execute, one entry each: the `executor:` block's parser, schema and needs. */
import type { Issues, OptionContext } from '../core/options.js';
import { slurmOptions, type SlurmExecutorConfig } from '../orchestrator/slurm-options.js';

export interface ExecutorCapabilities {
  /** runs are made by worker processes, so the method must not need one controlling process */
  workers: boolean;
  /** the workers launch trainer programs, so the backend must be one that does */
  launchesPrograms: boolean;
}

export interface ExecutorEntry<C> {
  summary: string;
  parse(raw: Record<string, unknown>, ctx: OptionContext, issues: Issues): C | undefined;
  schema(): Record<string, unknown>;
  capabilities: ExecutorCapabilities;
}

export const EXECUTORS = {
  local: {
    summary: 'this process (the default)',
    parse: () => undefined,
    schema: () => ({ type: 'object', additionalProperties: false, required: ['type'], properties: { type: { const: 'local' } } }),
    capabilities: { workers: false, launchesPrograms: false },
  } satisfies ExecutorEntry<undefined>,
  slurm: {
    summary: 'worker jobs through sbatch',
    parse: slurmOptions.parse,
    schema: slurmOptions.schema,
    capabilities: { workers: true, launchesPrograms: true },
  } satisfies ExecutorEntry<SlurmExecutorConfig>,
};

export type ExecutorType = keyof typeof EXECUTORS;
export const EXECUTOR_TYPES = Object.keys(EXECUTORS) as ExecutorType[];
