/**
 * The scheduler of a scale ladder: each scale has its own searcher (the study's method over the
 * study's parameters, with the scale's own distributions swapped in), its own history and its own
 * budget. Scales are searched in the order of their compute, smallest first; a scale whose budget is
 * spent or whose searcher has nothing left hands over to the next, so the pool never drains between
 * scales.
 */
import { UsageError } from '../core/errors.js';
import { methodEntry, type ClaimSearcher } from '../registry/methods.js';
import { inSearch, ladderOrder, scaleRecord } from '../../fitters/ladder/index.js';
import type { Storage, StudyRecord } from '../storage/types.js';
import { BaseScheduler, type Scheduler, type SchedulerClaim } from './scheduler.js';

/** A ladder's scheduler: each scale searched by its own searcher, with its own budget, smallest compute first. */
export class LadderScheduler extends BaseScheduler implements Scheduler {
  readonly shownCap: number | null;
  readonly startNotes: string[] = [];
  readonly fatal = null;
  private readonly unique: boolean;

  private constructor(
    private readonly storage: Storage,
    private readonly study: StudyRecord,
    private readonly runCap: number | undefined,
    private readonly searchers: Map<string, ClaimSearcher>,
  ) {
    super(storage, study);
    this.unique = methodEntry(study.config.method).capabilities.walksGrid;
    // the budget is the sum of the scales' (unknown while a grid scale has none)
    const budgets = (study.config.scales ?? []).map((s) => s.runCap ?? runCap);
    this.shownCap = budgets.every((b) => b !== undefined) ? budgets.reduce((a, b) => a! + b!, 0)! : null;
  }

  static async create(storage: Storage, study: StudyRecord, runCap: number | undefined, env: Record<string, string | undefined> = process.env): Promise<LadderScheduler> {
    const cfg = study.config;
    const entry = methodEntry(cfg.method);
    const searchers = new Map<string, ClaimSearcher>();
    for (const { scale, index } of ladderOrder(cfg)) {
      const context = {
        space: { ...cfg.parameters, ...scale.parameters },
        // each scale its own stream, the same for every run of the study
        seed: (study.seed + 7919 * (index + 1)) % 2 ** 31,
        ...(cfg.metric ? { goal: cfg.metric.goal } : {}),
        ...(cfg.bayes ? { bayes: cfg.bayes } : {}),
      };
      if (!entry.searcher) throw new UsageError(`method ${cfg.method} cannot search a ladder's scales`);
      searchers.set(scale.name, await entry.searcher({ context, storage, study, env }));
    }
    return new LadderScheduler(storage, study, runCap, searchers);
  }

  /** A waiting trial first, else the next proposal of the first scale with budget left; done when every scale is. */
  async claim(worker: string): Promise<SchedulerClaim> {
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
        const [p] = await this.searchers.get(scale.name)!.suggest(history, 1);
        if (!p) break;
        const t = await this.storage.createRunning(this.study.id, { params: p.params, scale: { ...scaleRecord(scale, index) }, worker }, { runCap: cap, unique: this.unique, perScale: true, seen: all.length });
        if (t) return t;
      }
    }
    return { done: 'exhausted' };
  }
}
