import { canonicalJson, gridValues, type ParamValue } from '../src/core/distributions.js';
import type { HistoryTrial, Proposal, Searcher, SearcherContext } from './types.js';

/**
 * W&B grid: every combination of the parameters' values, in the order the config lists them (the last
 * parameter varies fastest), each proposed once. Points held by a trial that counts (not STALE) are
 * skipped; when none is left the search is exhausted.
 */
export class GridSearcher implements Searcher {
  private readonly names: string[];
  private readonly axes: ParamValue[][];

  constructor(ctx: SearcherContext) {
    this.names = Object.keys(ctx.space);
    this.axes = this.names.map((n) => {
      const v = gridValues(ctx.space[n]!);
      if (v === null) throw new Error(`parameter ${n}: distribution ${ctx.space[n]!.type} cannot be walked by a grid`);
      return v;
    });
  }

  /** Number of points in the grid. */
  get size(): number {
    return this.axes.reduce((p, a) => p * a.length, 1);
  }

  point(index: number): Proposal['params'] {
    const params: Proposal['params'] = {};
    let rest = index;
    for (let i = this.names.length - 1; i >= 0; i--) {
      const axis = this.axes[i]!;
      params[this.names[i]!] = axis[rest % axis.length]!;
      rest = Math.floor(rest / axis.length);
    }
    // keep the config's key order
    return Object.fromEntries(this.names.map((n) => [n, params[n]!]));
  }

  suggest(history: readonly HistoryTrial[], n: number): Proposal[] {
    const taken = new Set(history.filter((t) => t.state !== 'STALE').map((t) => canonicalJson(t.params)));
    const out: Proposal[] = [];
    for (let i = 0; i < this.size && out.length < n; i++) {
      const params = this.point(i);
      const key = canonicalJson(params);
      if (!taken.has(key)) {
        taken.add(key);
        out.push({ params });
      }
    }
    return out;
  }
}
