import { sample } from '../src/core/distributions.js';
import { Rng } from '../src/core/rng.js';
import type { HistoryTrial, Proposal, Searcher, SearcherContext } from './types.js';

/**
 * Independent draws from each parameter's own distribution. The k-th proposal of a study depends only
 * on (seed, k), so a resumed study continues the same sequence.
 */
export class RandomSearcher implements Searcher {
  constructor(private readonly ctx: SearcherContext) {}

  suggest(history: readonly HistoryTrial[], n: number): Proposal[] {
    const out: Proposal[] = [];
    for (let i = 0; i < n; i++) {
      const rng = new Rng(this.ctx.seed, 0x52414e44, history.length + i);
      const params: Proposal['params'] = {};
      for (const [name, d] of Object.entries(this.ctx.space)) params[name] = sample(d, rng);
      out.push({ params });
    }
    return out;
  }
}
