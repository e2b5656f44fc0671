/**
 * Which scheduler runs a study: a ladder's when it has scales, else the one its method names —
 * proposals from a searcher, or a population that PBT evolves. The run loop and `ask` go through here.
 */
import { searcherFor } from '../orchestrator/claim.js';
import { LadderScheduler } from '../orchestrator/ladder.js';
import { PbtController } from '../orchestrator/pbt.js';
import { SearchScheduler, type Scheduler } from '../orchestrator/scheduler.js';
import type { Storage, StudyRecord } from '../storage/types.js';
import { methodEntry } from './methods.js';

export interface SchedulerOptions {
  /** overrides the config's run_cap */
  runCap?: number;
  /** the environment a searcher may read (method llm: its API key variable) */
  env?: Record<string, string | undefined>;
}

export async function schedulerFor(storage: Storage, study: StudyRecord, o: SchedulerOptions = {}): Promise<Scheduler> {
  const cfg = study.config;
  const runCap = o.runCap ?? cfg.runCap;
  const env = o.env ?? process.env;
  const entry = methodEntry(cfg.method);
  if (cfg.scales?.length) return LadderScheduler.create(storage, study, runCap, env);
  if (entry.scheduler === 'population') return new PbtController(storage, study, entry.explore ?? 'perturb', runCap);
  return new SearchScheduler(storage, study, await searcherFor(storage, study, env), runCap, entry.capabilities.walksGrid);
}
