/**
 * The study config as the rest of scaletune sees it: validated and normalised (src/config/validate.ts
 * makes it from a file or an object). Plugin blocks are typed by their plugins.
 */
import type { LiteralPath, Params, SearchSpace } from '../core/distributions.js';
import type { ConstraintConfig, CostConfig, MetricConfig } from '../core/trial.js';
import type { BayesOptions } from '../../searchers/bayes.js';
import type { PbtOptions } from '../../schedulers/pbt.js';
import type { StoppingRule } from '../../schedulers/stopping.js';
import type { LlmConfig } from '../llm/config.js';
import type { SlurmExecutorConfig } from '../orchestrator/slurm-options.js';
import type { ResourcesConfig } from '../orchestrator/gpus.js';
import type { WorkdirConfig } from '../backends/workdir.js';
import type { LogMetricsConfig } from '../backends/log-metrics-options.js';
import type { BackendConfig, Method } from '../registry/index.js';
import type { HarvestConfig } from '../../fitters/ladder/harvest.js';

export type { MetricConfig, SlurmExecutorConfig, Method, BackendConfig };

/** One proxy scale of a ladder: its model, its token budget, its own search budget. */
export interface ScaleConfig {
  name: string;
  /** non-embedding parameters N; when absent, the runs' reported `params` metric is used */
  params?: number;
  /** training tokens D */
  tokens: number;
  /** settings or arguments that make the model of this scale (tfjs settings, trainer arguments) */
  model: Params;
  /** which whole numbers of `model` the file wrote as floats (`dropout: 0.0`), as paths from its keys */
  modelFloats?: LiteralPath[];
  /** the most runs at this scale (default: the study's run_cap) */
  runCap?: number;
  /** distributions that replace the study's at this scale */
  parameters: SearchSpace;
}

export interface TargetConfig {
  name: string;
  params: number;
  tokens: number;
  model: Params;
  modelFloats?: LiteralPath[];
}

/** Which laws a ladder fits: the inputs of each hyperparameter law, or auto; the loss law, or auto. */
export interface LadderFitConfig {
  lr: 'auto' | 'none' | ('N' | 'D')[];
  batch: 'auto' | 'none' | ('N' | 'D')[];
  loss: 'auto' | 'none' | 'chinchilla' | 'power-offset';
  /** the parameter holding the learning rate, and the batch size (default lr, batch_size) */
  lrParam: string;
  batchParam: string;
  /**
   * what lr* is fitted to: every run of every scale at once (fitters/ladder/joint.ts), or one optimum
   * per scale; auto: runs where they are scattered (random, Bayesian), optima on a grid
   */
  lrFrom?: 'auto' | 'runs' | 'optima';
}

export const MACROS = ['env', 'interpreter', 'program', 'args', 'args_no_hyphens', 'args_no_equals', 'args_no_boolean_flags', 'args_json', 'args_json_file', 'run_dir', 'checkpoint_dir'] as const;
/** Macros that expand to several arguments and so must stand alone as one item of `command`. */
export const LIST_MACROS = ['args', 'args_no_hyphens', 'args_no_equals', 'args_no_boolean_flags'];
/** `${envvar:NAME}`: the value of an environment variable, inside any item. */
export const ENVVAR_MACRO = /^envvar:([A-Za-z_][A-Za-z0-9_]*)$/;
export const DEFAULT_COMMAND = ['${env}', '${interpreter}', '${program}', '${args}'];

export interface StudyConfig {
  name?: string;
  description?: string;
  /** absolute path, resolved against the config's folder */
  program?: string;
  command: string[];
  method: Method;
  /** the metric to optimise; of a multi-objective study, its first objective */
  metric?: MetricConfig;
  /** a list `metric:` of two or more: the objectives whose Pareto front the study seeks */
  objectives?: MetricConfig[];
  /** bounds on reported metrics that a trial must keep to count (`constraints:`) */
  constraints?: ConstraintConfig[];
  /** what a run costs, for cost-aware proposals (`cost:`) */
  cost?: CostConfig;
  parameters: SearchSpace;
  /**
   * the names in `parameters` that came from nested parameters (`optimizer: {parameters: {lr: …}}` is
   * searched as `optimizer.lr`), each with its path; the trainer gets them nested again
   */
  nested?: Record<string, string[]>;
  runCap?: number;
  parallel: number;
  seed?: number;
  /** per-run wall-clock limit */
  timeoutMs?: number;
  backend: BackendConfig;
  /**
   * how the trainer's output becomes reports besides JSON lines (a preset, patterns), from `metrics:`
   * or the command backend's own `metrics:`; absent: JSON lines only
   */
  metrics?: LogMetricsConfig;
  /** a scale ladder: the proxy scales, searched one by one, smallest first */
  scales?: ScaleConfig[];
  /** the scale the ladder predicts for */
  target?: TargetConfig;
  fit?: LadderFitConfig;
  /** after the ladder, one run with the predicted hyperparameters: at the largest proxy scale (fitted without it) or at the target */
  verify?: 'largest' | 'target';
  /** the whole ladder's compute; each scale's run_cap is its share of it (a scale's own run_cap wins) */
  /** the ladder's compute; `runs: auto` when scaletune chose it (fitters/ladder/budget.ts's autoBudget) */
  budget?: { flops: number; runs?: 'auto' };
  /** whether later scales start from what the smaller ones predict (absent: none) */
  transfer?: 'auto' | 'none' | 'recenter';
  /** many token budgets per run (fitters/ladder/harvest.ts) */
  harvest?: HarvestConfig;
  /** extra environment variables for the trainer */
  env: Record<string, string>;
  /** the early_terminate block as written */
  earlyTerminate?: Record<string, unknown>;
  /** the stopping rule it describes */
  stopping?: StoppingRule;
  /** options of method bayes */
  bayes?: BayesOptions;
  /** options of method pbt */
  pbt?: PbtOptions;
  /** options of method llm (LLAMBO) */
  llm?: LlmConfig;
  /** where runs execute: this process (default), or worker jobs submitted to Slurm */
  executor?: SlurmExecutorConfig;
  /** each trial in a folder of its own (absent: the study's folder) */
  workdir?: WorkdirConfig;
  /** GPUs the trials share out (CUDA_VISIBLE_DEVICES per trial) */
  resources?: ResourcesConfig;
  /** put scaletune's wandb stand-in first on the trainer's PYTHONPATH (absent: off) */
  wandb?: 'stand-in';
  /** configurations to run first, in order (as Optuna's enqueue_trial), fixed parameters filled in */
  initialPoints?: Params[];
  /** folder the config was read from ('' for configs given as objects) */
  configDir: string;
}

export const TOP_LEVEL_KEYS = [
  'name',
  'description',
  'program',
  'command',
  'method',
  'metric',
  'constraints',
  'cost',
  'parameters',
  'run_cap',
  'early_terminate',
  'parallel',
  'seed',
  'timeout',
  'backend',
  'metrics',
  'env',
  'bayes',
  'pbt',
  'llm',
  'executor',
  'workdir',
  'resources',
  'initial_points',
  'scales',
  'target',
  'fit',
  'verify',
  'transfer',
  'budget',
  'harvest',
  'wandb',
  // W&B's own, accepted and ignored
  'project',
  'entity',
] as const;

/**
 * A study's name names its folder of trial outputs under the runs root, so it may hold no path
 * separator, no `..` and nothing a shell would need quoted. The config's `name:`, `--name` and
 * createStudy's `name` are held to the same rule.
 */
export const STUDY_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
export const STUDY_NAME_ALLOWED = 'letters, digits, `_`, `.` and `-`, starting with a letter or digit, at most 128 characters';

/** The most runs at a time, in a config's `parallel:` and on the command line alike. */
export const MAX_PARALLEL = 256;
export const PARALLEL_ALLOWED = `a whole number from 1 to ${MAX_PARALLEL}`;
