/**
 * The pure searchers: what to try next from the history alone. Method llm's searcher does I/O (an
 * endpoint, a call log) and lives in src/llm; src/registry/methods.ts lists every method.
 */
import { BayesSearcher } from './bayes.js';
import { GridSearcher } from './grid.js';
import { RandomSearcher } from './random.js';
import { SobolSearcher } from './sobol.js';
import type { Searcher, SearcherContext } from './types.js';

export const SEARCHERS = {
  random: (ctx: SearcherContext): Searcher => new RandomSearcher(ctx),
  grid: (ctx: SearcherContext): Searcher => new GridSearcher(ctx),
  sobol: (ctx: SearcherContext): Searcher => new SobolSearcher(ctx),
  bayes: (ctx: SearcherContext): Searcher => new BayesSearcher(ctx, ctx.bayes ?? {}),
};

export type PureMethod = keyof typeof SEARCHERS;

export type { Searcher, SearcherContext, Proposal, HistoryTrial } from './types.js';
export { BayesSearcher, GridSearcher, RandomSearcher, SobolSearcher };
