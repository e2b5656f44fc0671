/**
 * The scheduler of a scale ladder: each scale has its own searcher (the study's method over the
 * study's parameters, with the scale's own distributions swapped in), its own history and its own
 * budget. Scales are searched in the order of their compute, smallest first; a scale whose budget is
 * spent or whose searcher has nothing left hands over to the next, so the pool never drains between
 * scales — except where a later scale waits for the smaller ones' results (transfer, from the third
 * scale on), when the pool runs what is left of them and that scale starts once they are done.
 */
import type { ScaleConfig } from '../config/index.js';
import { gridValues, runBudget, type Params, type SearchSpace } from '../core/distributions.js';
import { UsageError } from '../core/errors.js';
import { outsideSearch, type Trial } from '../core/trial.js';
import { methodEntry, type ClaimSearcher } from '../registry/methods.js';
import { earlierScales, inSearch, ladderMetricNames, ladderOrder, planTransfer, scaleRecord, scaleSettled, SETTLE_GAIN, SETTLE_SHIFT, SETTLE_WINDOW, summarizeLadder, transferActive, type TransferMode } from '../../fitters/ladder/index.js';
import type { Storage, StudyRecord } from '../storage/types.js';
import { BaseScheduler, type Scheduler, type SchedulerClaim } from './scheduler.js';
import { branchesFor, chainIds, type HarvestCheckpoint } from '../../fitters/ladder/harvest.js';

/** A ladder's scheduler: each scale searched by its own searcher, with its own budget, smallest compute first. */
export class LadderScheduler extends BaseScheduler implements Scheduler {
  readonly shownCap: number | null;
  readonly startNotes: string[] = [];
  readonly fatal = null;
  // what transfer planned and which scale settled: how the ladder proceeds, nothing amiss
  override readonly noteKind = 'note';
  private readonly unique: boolean;
  /** each scale's searcher (and first run), made when its search starts: a later scale's needs the smaller ones' results */
  private readonly started = new Map<string, { searcher: ClaimSearcher; first: Params | null }>();
  private readonly mode: TransferMode;
  private notes: string[] = [];
  /** scales whose budgeted search has settled (the study's scale_settled events); read on first need */
  private settledScales: Set<string> | null = null;
  private branchesChecked = false;

  private constructor(
    private readonly storage: Storage,
    private readonly study: StudyRecord,
    private readonly runCap: number | undefined,
    private readonly env: Record<string, string | undefined>,
  ) {
    super(storage, study);
    const cfg = study.config;
    this.unique = methodEntry(cfg.method).capabilities.walksGrid;
    this.mode = transferActive(cfg.transfer, this.unique, cfg.parameters[cfg.fit?.lrParam ?? 'lr']);
    // the budget is the sum of the scales': each its run cap, or the points of its grid
    const budgets = (cfg.scales ?? []).map((s) => runBudget({ ...cfg.parameters, ...s.parameters }, s.runCap ?? runCap, this.unique));
    this.shownCap = budgets.every((b) => b !== null) ? budgets.reduce((a, b) => a! + b!, 0)! : null;
    if (this.mode !== 'none') this.startNotes.push(`transfer ${this.mode}: from the third scale on, each scale's search starts from what the smaller ones predict, once they are done (transfer: none searches every scale from scratch)`);
  }

  static async create(storage: Storage, study: StudyRecord, runCap: number | undefined, env: Record<string, string | undefined> = process.env): Promise<LadderScheduler> {
    if (!methodEntry(study.config.method).searcher) throw new UsageError(`method ${study.config.method} cannot search a ladder's scales`);
    return new LadderScheduler(storage, study, runCap, env);
  }

  override takeNotes(): string[] {
    const n = this.notes;
    this.notes = [];
    return n;
  }

  /** A harvesting run that completed: its branches queued (claimed first, as waiting trials are). */
  override async onEnd(trial: Trial): Promise<boolean> {
    if (this.study.config.harvest?.design !== 'cooldown' || trial.state !== 'COMPLETE' || outsideSearch(trial) || !trial.scale) return false;
    return (await this.queueBranches((all) => all.filter((t) => t.id === trial.id), true)) > 0;
  }

  /**
   * Branches for the chosen runs that have none yet, each from the checkpoint its run announced at the
   * start of that budget's decay; a run that announced none there gets a note instead.
   */
  private async queueBranches(parents: (all: readonly Trial[]) => Trial[], say: boolean): Promise<number> {
    const h = this.study.config.harvest!;
    const all = await this.storage.getTrials(this.study.id);
    const chosen = parents(all);
    if (chosen.length === 0) return 0;
    const byId = new Map(all.map((t) => [t.id, t]));
    const checkpoints = new Map<number, HarvestCheckpoint[]>();
    const withoutTokens = new Map<number, number>();
    for (const e of await this.storage.getEvents(this.study.id)) {
      if (e.kind !== 'harvest_checkpoint' || e.trialId === null || typeof e.detail?.path !== 'string') continue;
      if (typeof e.detail.tokens !== 'number') withoutTokens.set(e.trialId, (withoutTokens.get(e.trialId) ?? 0) + 1);
      else checkpoints.set(e.trialId, [...(checkpoints.get(e.trialId) ?? []), { path: e.detail.path, tokens: e.detail.tokens }]);
    }
    let queued = 0;
    for (const parent of chosen) {
      // a re-queued run's checkpoints before the crash were announced by its predecessor
      const mine: HarvestCheckpoint[] = [];
      let untokened = 0;
      for (const id of chainIds(parent, byId)) {
        mine.push(...(checkpoints.get(id) ?? []));
        untokened += withoutTokens.get(id) ?? 0;
      }
      const { branches, missing } = branchesFor(h, parent, mine, all, untokened);
      for (const b of branches) await this.storage.enqueue(this.study.id, b);
      queued += branches.length;
      // said when the run ended (in whichever process ran it), not again by every later process's scan
      if (say) this.notes.push(...missing);
    }
    return queued;
  }

  /** A waiting trial first, else the next proposal of the first scale with budget left; done when every scale is. */
  async claim(worker: string): Promise<SchedulerClaim> {
    // after a crash, runs that completed before their branches were queued get them now
    if (!this.branchesChecked && this.study.config.harvest?.design === 'cooldown') {
      this.branchesChecked = true;
      await this.queueBranches((all) => all.filter((t) => t.state === 'COMPLETE' && !outsideSearch(t) && t.scale !== null), false);
    }
    const waiting = await this.storage.claimWaiting(this.study.id, worker);
    if (waiting) return waiting;
    const cfg = this.study.config;
    // one read of the study per claim (and per lost race), shared by every scale
    let all = await this.storage.getTrials(this.study.id);
    for (const [position, { scale, index }] of ladderOrder(cfg).entries()) {
      const cap = scale.runCap ?? this.runCap;
      for (let attempt = 0; attempt < 5; attempt++) {
        if (attempt > 0) all = await this.storage.getTrials(this.study.id);
        const history = all.filter((t) => inSearch(t, scale.name));
        if (cap !== undefined && history.filter((t) => t.state !== 'STALE').length >= cap) break;
        if (await this.settled(scale, all)) break;
        const start = await this.startScale(scale, index, position, all);
        if (start === 'wait') return 'wait';
        const [p] = history.length === 0 && start.first ? [{ params: start.first }] : await start.searcher.suggest(history, 1);
        if (!p) break;
        const t = await this.storage.createRunning(this.study.id, { params: p.params, scale: { ...scaleRecord(scale, index) }, worker }, { runCap: cap, unique: this.unique, perScale: true, seen: all.length });
        if (t) return t;
      }
    }
    return { done: 'exhausted' };
  }

  /**
   * With a compute budget, a scale whose optimum is bracketed and whose last runs no longer move it
   * stops before its share is spent (said once); a fixed run_cap always runs to its end.
   */
  private async settled(scale: ScaleConfig, all: readonly Trial[]): Promise<boolean> {
    const cfg = this.study.config;
    if (!cfg.budget) return false;
    // decided once, for good: runs still running when it settled may improve it later, and reopening
    // a settled scale (in a later process, or the verify run's loop) would spend what was saved
    this.settledScales ??= new Set((await this.storage.getEvents(this.study.id)).filter((e) => e.kind === 'scale_settled').map((e) => String(e.detail?.scale)));
    if (this.settledScales.has(scale.name)) return true;
    const summary = summarizeLadder({ config: { ...cfg, scales: [scale], target: undefined, verify: undefined }, trials: all, quick: true });
    const s = summary.scales[0]!;
    const lr = { ...cfg.parameters, ...scale.parameters }[summary.lrParam];
    if (!scaleSettled(s, { grid: lr !== undefined && gridValues(lr) !== null })) return false;
    this.settledScales.add(scale.name);
    await this.storage.logEvent(this.study.id, null, 'scaletune', 'scale_settled', { scale: scale.name, runs: s.trials, share: scale.runCap ?? null });
    this.notes.push(`scale ${scale.name}: settled after ${s.trials} of its ${scale.runCap} runs (optimum bracketed; its last ${SETTLE_WINDOW} runs moved it by under ${Math.round((SETTLE_SHIFT - 1) * 100)}% and improved the best by under ${SETTLE_GAIN * 100}%); the rest of its share is not spent`);
    return true;
  }

  /**
   * The scale's searcher, made once. From the third scale on, with transfer, it waits until every
   * smaller scale is finished and searches the space the laws fitted to them predict (its first run
   * the predicted optimum); where no prediction can be made it searches the whole space and says why.
   */
  private async startScale(scale: ScaleConfig, index: number, position: number, all: readonly Trial[]): Promise<{ searcher: ClaimSearcher; first: Params | null } | 'wait'> {
    const known = this.started.get(scale.name);
    if (known) return known;
    const cfg = this.study.config;
    let space: SearchSpace = { ...cfg.parameters, ...scale.parameters };
    let first: Params | null = null;
    if (this.mode !== 'none' && position >= 2) {
      if (!earlierScales(cfg, all, scale.name).finished) return 'wait';
      const names = ladderMetricNames(cfg);
      const metrics = (await this.storage.getMetrics(this.study.id)).filter((m) => names.has(m.name));
      const plan = planTransfer({ config: cfg, trials: all, metrics, seed: this.study.seed }, scale, this.mode);
      if ('none' in plan) this.notes.push(`scale ${scale.name}: searched from scratch (${plan.none})`);
      else {
        ({ space, first } = plan);
        const { lr, batch, boxes, from } = plan.detail;
        // planned and said when the scale starts; a later process plans the same from the same finished scales, silently
        if (!all.some((t) => inSearch(t, scale.name))) {
          await this.storage.logEvent(this.study.id, null, 'scaletune', 'transfer_planned', { scale: scale.name, from, lr, batch, boxes, first });
          const predicted = `${cfg.fit?.lrParam ?? 'lr'}* ${lr.value.toPrecision(3)}${batch ? `, ${cfg.fit?.batchParam ?? 'batch_size'}* ${batch.value.toPrecision(3)}` : ''}`;
          const where = Object.entries(boxes).map(([k, b]) => `${k} in [${b[0].toPrecision(3)}, ${b[1].toPrecision(3)}]`).join(', ');
          const leaning = plan.detail.edges.length ? ` (from edge optima at ${plan.detail.edges.join(', ')}: the prediction leans the way their sweeps were cut off)` : '';
          this.notes.push(`scale ${scale.name}: the laws of ${from.length} smaller scales predict ${predicted}${leaning}; ${this.mode === 'recenter' ? `its grid moved onto that: ${where}` : `searching ${where}, the first run at the prediction`}`);
        }
      }
    }
    const entry = methodEntry(cfg.method);
    const context = {
      space,
      // each scale its own stream, the same for every run of the study
      seed: (this.study.seed + 7919 * (index + 1)) % 2 ** 31,
      ...(cfg.metric ? { goal: cfg.metric.goal } : {}),
      ...(cfg.bayes ? { bayes: cfg.bayes } : {}),
    };
    const out = { searcher: await entry.searcher!({ context, storage: this.storage, study: this.study, env: this.env }), first };
    this.started.set(scale.name, out);
    return out;
  }
}
