/** Claiming the next trial of a searcher-driven study: shared by the run loop (through its scheduler) and by `ask`. */
import type { Trial } from '../core/trial.js';
import { UsageError } from '../core/errors.js';
import { methodEntry, type ClaimSearcher } from '../registry/methods.js';
import type { Storage, StudyRecord } from '../storage/types.js';

export type { ClaimSearcher };

/** The searcher a study's config names, seeded with the study's seed (and warm-started where asked). */
export async function searcherFor(storage: Storage, study: StudyRecord, env: Record<string, string | undefined> = process.env): Promise<ClaimSearcher> {
  const cfg = study.config;
  const entry = methodEntry(cfg.method);
  if (!entry.searcher) throw new UsageError(`method ${cfg.method} has no searcher: its trials come from its ${entry.scheduler} scheduler`);
  let prior: Trial[] | undefined;
  if (cfg.bayes?.warmStart) {
    const other = await storage.getStudy(cfg.bayes.warmStart);
    if (!other) throw new UsageError(`bayes.warm_start: no study named '${cfg.bayes.warmStart}' in ${storage.location} to learn from`);
    if (other.config.metric?.name !== cfg.metric?.name) throw new UsageError(`bayes.warm_start: study '${other.name}' optimises ${other.config.metric?.name ?? 'nothing'}, this one ${cfg.metric?.name ?? 'nothing'}; their values cannot be mixed`);
    prior = (await storage.getTrials(other.id)).filter((t) => t.state === 'COMPLETE');
  }
  const context = {
    space: cfg.parameters,
    seed: study.seed,
    ...(cfg.metric ? { goal: cfg.metric.goal } : {}),
    ...(cfg.objectives ? { objectives: cfg.objectives } : {}),
    ...(cfg.constraints ? { constraints: cfg.constraints } : {}),
    ...(cfg.cost ? { cost: cfg.cost } : {}),
    ...(cfg.runCap !== undefined ? { runCap: cfg.runCap } : {}),
    ...(cfg.bayes ? { bayes: cfg.bayes } : {}),
    ...(prior ? { prior } : {}),
  };
  return entry.searcher({ context, storage, study, env });
}

export type Claim = { trial: Trial } | { trial: null; reason: 'run_cap' | 'exhausted' | 'contended' };

/**
 * A waiting trial first (re-queued work), else a fresh proposal created RUNNING for `worker` — unless
 * run_cap is reached or the searcher has nothing left. Each step is one storage transaction, so
 * several processes may claim from one study. `unique`: storage refuses a configuration the study
 * already has (a walked grid).
 */
export async function claimNext(storage: Storage, study: StudyRecord, searcher: ClaimSearcher, worker: string, runCap: number | undefined, unique: boolean): Promise<Claim> {
  const waiting = await storage.claimWaiting(study.id, worker);
  if (waiting) return { trial: waiting };
  for (let attempt = 0; attempt < 20; attempt++) {
    if (attempt > 0) await new Promise((r) => setTimeout(r, Math.random() * 20 * Math.min(attempt, 5)));
    const history = await storage.getTrials(study.id);
    if (runCap !== undefined && history.filter((t) => t.state !== 'STALE').length >= runCap) return { trial: null, reason: 'run_cap' };
    const [p] = await searcher.suggest(history, 1);
    if (!p) return { trial: null, reason: 'exhausted' };
    const t = await storage.createRunning(study.id, { params: p.params, worker }, { runCap, unique, seen: history.length });
    if (t) return { trial: t };
    // another process took the last slot, the same grid point, or created a trial since this history
    // was read (its searcher might have proposed the same): look again
  }
  return { trial: null, reason: 'contended' };
}
