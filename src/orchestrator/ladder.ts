/**
 * Claiming trials of a scale ladder: each scale has its own searcher (the study's method over the
 * study's parameters, with the scale's own distributions swapped in), its own history and its own
 * budget. Scales are searched in the order of their compute, smallest first; a scale whose budget is
 * spent or whose searcher has nothing left hands over to the next, so the pool never drains between
 * scales.
 */
import { createSearcher, type Searcher } from '../../searchers/index.js';
import { inSearch, ladderOrder, scaleRecord } from '../../fitters/ladder/index.js';
import type { Trial } from '../core/trial.js';
import type { Storage, StudyRecord } from '../storage/types.js';

export class LadderClaimer {
  private readonly searchers: Map<string, Searcher>;
  constructor(
    private readonly storage: Storage,
    private readonly study: StudyRecord,
    private readonly runCap: number | undefined,
  ) {
    const cfg = study.config;
    this.searchers = new Map(
      ladderOrder(cfg).map(({ scale, index }) => [
        scale.name,
        createSearcher(cfg.method, {
          space: { ...cfg.parameters, ...scale.parameters },
          // each scale its own stream, the same for every run of the study
          seed: (study.seed + 7919 * (index + 1)) % 2 ** 31,
          ...(cfg.metric ? { goal: cfg.metric.goal } : {}),
          ...(cfg.bayes ? { bayes: cfg.bayes } : {}),
        }),
      ]),
    );
  }

  /** A waiting trial first, else the next proposal of the first scale with budget left; null when every scale is done. */
  async claim(worker: string): Promise<Trial | null> {
    const waiting = await this.storage.claimWaiting(this.study.id, worker);
    if (waiting) return waiting;
    const cfg = this.study.config;
    // one read of the study per claim (and per lost race), shared by every scale
    let all = await this.storage.getTrials(this.study.id);
    for (const { scale, index } of ladderOrder(cfg)) {
      const cap = scale.runCap ?? this.runCap;
      for (let attempt = 0; attempt < 5; attempt++) {
        if (attempt > 0) all = await this.storage.getTrials(this.study.id);
        const history = all.filter((t) => inSearch(t, scale.name));
        if (cap !== undefined && history.filter((t) => t.state !== 'STALE').length >= cap) break;
        const [p] = this.searchers.get(scale.name)!.suggest(history, 1);
        if (!p) break;
        const t = await this.storage.createRunning(this.study.id, {
          params: p.params,
          scale: { ...scaleRecord(scale, index) },
          worker,
          perScale: true,
          ...(cap !== undefined ? { runCap: cap } : {}),
          unique: cfg.method === 'grid',
          seen: all.length,
        });
        if (t) return t;
      }
    }
    return null;
  }
}
