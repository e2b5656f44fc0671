/**
 * The methods a study may name, one entry each: the scheduler that runs it, the config block it owns
 * with its parser and schema, and what it can do. Everything that differs between methods is read from
 * here; nothing else in scaletune asks which method a study uses.
 */
import type { OptionSpec } from '../core/options.js';
import { bayesOptions } from '../../searchers/bayes-options.js';
import { SEARCHERS, type PureMethod } from '../../searchers/index.js';
import type { Searcher, SearcherContext } from '../../searchers/types.js';
import { pbtOptions } from '../../schedulers/pbt-options.js';
import { llmOptions } from '../llm/config.js';
import type { Storage, StudyRecord } from '../storage/types.js';

export interface MethodCapabilities {
  /** why the method cannot work without a metric, as the message asking for one says it; null when it can */
  needsMetric: string | null;
  /** trials continue from other trials' checkpoints, so the backend must keep them */
  needsCheckpoints: boolean;
  /** decisions are taken by one controlling process: no `scaletune worker`, no Slurm workers */
  oneController: boolean;
  /** each scale of a ladder can be searched with a budget of its own */
  ladder: boolean;
  /** the space is walked point by point and ends by itself: no configuration runs twice, no run_cap needed */
  walksGrid: boolean;
  /** proposals come from an endpoint asked over the network, so they may take seconds and may fail */
  asyncProposals: boolean;
  /** several free slots get distinct proposals at once (parallel > 1 runs different configurations) */
  parallelProposals: boolean;
  /**
   * a list `metric:` and `constraints:` are honoured: proposals aim at (or at least record) the
   * Pareto front and feasibility; null when they are, else why not, as the refusal says it
   */
  refusesObjectives: string | null;
  /** `cost:` steers its proposals (improvement per unit of cost) */
  costAware: boolean;
}

/** A searcher as the claim loop uses it: synchronous for the pure ones, a promise for method llm. */
export interface ClaimSearcher {
  suggest(history: Parameters<Searcher['suggest']>[0], n: number): ReturnType<Searcher['suggest']> | Promise<ReturnType<Searcher['suggest']>>;
}

/** What a searcher may need beyond the history: the study, its storage (method llm logs its calls there), the environment. */
export interface SearcherRuntime {
  context: SearcherContext;
  storage: Storage;
  study: StudyRecord;
  env: Record<string, string | undefined>;
}

export interface MethodEntry {
  summary: string;
  /** proposals from a searcher over the history, or a population that PBT's scheduler evolves */
  scheduler: 'search' | 'population';
  /** the config block of this method's options: `required` ones must be there */
  options?: { key: 'bayes' | 'pbt' | 'llm'; spec: OptionSpec<unknown>; required: boolean };
  /** search methods: their searcher */
  searcher?: (rt: SearcherRuntime) => ClaimSearcher | Promise<ClaimSearcher>;
  /** population methods: how a member that copied a better one changes its hyperparameters */
  explore?: 'perturb' | 'pb2';
  capabilities: MethodCapabilities;
}

const SEARCH: MethodCapabilities = { needsMetric: null, needsCheckpoints: false, oneController: false, ladder: true, walksGrid: false, asyncProposals: false, parallelProposals: true, refusesObjectives: null, costAware: false };
const POPULATION: MethodCapabilities = { ...SEARCH, needsMetric: 'ranks members by a metric', needsCheckpoints: true, oneController: true, ladder: false, refusesObjectives: 'ranks members by one score to exploit the best' };
const pure = (m: PureMethod) => (rt: SearcherRuntime): Searcher => SEARCHERS[m](rt.context);
const pbtBlock = { key: 'pbt', spec: pbtOptions as OptionSpec<unknown>, required: true } as const;

export const METHODS = {
  random: { summary: 'independent draws from each distribution', scheduler: 'search', searcher: pure('random'), capabilities: SEARCH },
  grid: { summary: 'every combination once, in W&B order', scheduler: 'search', searcher: pure('grid'), capabilities: { ...SEARCH, walksGrid: true } },
  sobol: { summary: 'a scrambled Sobol sequence over the unit cube', scheduler: 'search', searcher: pure('sobol'), capabilities: SEARCH },
  bayes: {
    summary: 'Bayesian optimisation with a Gaussian process',
    scheduler: 'search',
    searcher: pure('bayes'),
    options: { key: 'bayes', spec: bayesOptions as OptionSpec<unknown>, required: false },
    capabilities: { ...SEARCH, needsMetric: 'models a metric with a Gaussian process', costAware: true },
  },
  pbt: { summary: 'population-based training: exploit the best members, perturb their hyperparameters', scheduler: 'population', options: pbtBlock, explore: 'perturb', capabilities: POPULATION },
  pb2: { summary: 'population-based bandits: exploit as PBT, explore by GP-UCB', scheduler: 'population', options: pbtBlock, explore: 'pb2', capabilities: POPULATION },
  llm: {
    summary: 'LLAMBO: an LLM proposes, a Gaussian process ranks',
    scheduler: 'search',
    // loaded on first use: it needs the network client and the call log
    searcher: async (rt) => new (await import('../llm/searcher.js')).LlmSearcher(rt.storage, rt.study, rt.env),
    options: { key: 'llm', spec: llmOptions as OptionSpec<unknown>, required: true },
    capabilities: { ...SEARCH, needsMetric: 'aims proposals at a target score of a metric', ladder: false, asyncProposals: true, refusesObjectives: 'asks the LLM for configurations that reach one target score' },
  },
} satisfies Record<string, MethodEntry>;

export type Method = keyof typeof METHODS;
export const METHOD_NAMES = Object.keys(METHODS) as Method[];
/** Methods of the W&B vocabulary or our roadmap that are recognised but not built yet. */
export const PLANNED_METHODS = ['hyperband'];

export function methodEntry(m: Method): MethodEntry {
  return METHODS[m];
}

/** The methods whose entry satisfies `test`, in the registry's order (for messages that say what is allowed). */
export function methodsWhere(test: (e: MethodEntry) => boolean): Method[] {
  return METHOD_NAMES.filter((m) => test(methodEntry(m)));
}

/** The methods whose options live in this block, for a message about a block the study's method does not read. */
export function methodsOwning(key: string): Method[] {
  return methodsWhere((e) => e.options?.key === key);
}
