/** The searcher registry: one table feeds config validation, the CLI and the tests. */
import type { Method } from '../src/config/index.js';
import { BayesSearcher } from './bayes.js';
import { GridSearcher } from './grid.js';
import { RandomSearcher } from './random.js';
import { SobolSearcher } from './sobol.js';
import type { Searcher, SearcherContext } from './types.js';

export const SEARCHERS: Record<Method, (ctx: SearcherContext) => Searcher> = {
  random: (ctx) => new RandomSearcher(ctx),
  grid: (ctx) => new GridSearcher(ctx),
  sobol: (ctx) => new SobolSearcher(ctx),
  bayes: (ctx) => new BayesSearcher(ctx, ctx.bayes ?? {}),
  // PBT's first population is drawn at random; every later segment comes from its exploit/explore
  pbt: (ctx) => new RandomSearcher(ctx),
  pb2: (ctx) => new RandomSearcher(ctx),
  // method llm proposes through src/llm/searcher.ts (it needs the network and the call log); what it
  // falls back to, and what stands in where no LLM may be asked, is the Bayesian searcher
  llm: (ctx) => new BayesSearcher(ctx, ctx.bayes ?? {}),
};

export function createSearcher(method: Method, ctx: SearcherContext): Searcher {
  return SEARCHERS[method](ctx);
}

export type { Searcher, SearcherContext, Proposal, HistoryTrial } from './types.js';
export { BayesSearcher, GridSearcher, RandomSearcher, SobolSearcher };
