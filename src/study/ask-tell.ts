/**
 * Driving a study from outside (a CI matrix, a notebook, a shell loop): `askTrial` claims the next
 * trial, `tellTrial` records how it ended. The trainer runs wherever the driver likes.
 */
import { trackedMetrics } from '../config/objectives.js';
import { settleValues } from './values.js';
import { UsageError } from '../core/errors.js';
import type { Trial } from '../core/trial.js';
import { describeWorker, isAskWorker, newWorkerId } from '../orchestrator/recovery.js';
import { schedulerFor } from '../registry/schedulers.js';
import type { Storage, StudyRecord } from '../storage/types.js';

/**
 * Claim the next trial from the study's scheduler (a waiting one, else a fresh proposal); null when the
 * cap is reached, the space exhausted, or nothing can be handed out before running trials end. A
 * ladder's trial comes with its scale, searched by that scale's own searcher.
 */
export async function askTrial(storage: Storage, study: StudyRecord, env?: Record<string, string | undefined>): Promise<Trial | null> {
  const c = await (await schedulerFor(storage, study, env ? { env } : {})).claim(newWorkerId('ask'));
  const t = c === 'wait' || 'done' in c ? null : c;
  if (t) await storage.logEvent(study.id, t.id, t.worker ?? 'ask', 'trial_asked', { params: t.params });
  return t;
}

export interface TellResult {
  /** default COMPLETE */
  state?: 'COMPLETE' | 'FAIL' | 'PRUNED';
  /** the metric's final value; a COMPLETE trial of a study with a metric needs one, a failed one takes none */
  value?: number | null;
  /** why it failed */
  error?: string;
  /** the other metrics the study names (objectives, constraints, cost), by name */
  values?: Record<string, number>;
}

/** Record how an asked trial ended; returns it, frozen. */
export async function tellTrial(storage: Storage, study: StudyRecord, number: number, r: TellResult = {}): Promise<Trial> {
  const t = await storage.getTrialByNumber(study.id, number);
  if (!t) throw new UsageError(`study ${study.name} has no trial ${number}`);
  // a trial a run owns gets its result from its trainer; a forged one would be overwritten or kill the runner
  if (t.state === 'RUNNING' && !isAskWorker(t.worker)) {
    throw new UsageError(`trial ${number} of study ${study.name} is run by ${describeWorker(t.worker)}, not claimed with ask; only asked trials can be told`);
  }
  const state = r.state ?? 'COMPLETE';
  const cfg = study.config;
  const value = r.value ?? (cfg.metric ? r.values?.[cfg.metric.name] : undefined) ?? null;
  if (r.values && trackedMetrics(cfg).length === 0) throw new UsageError(`--values: study ${study.name} optimises one metric and names no constraints or cost; allowed: --value`);
  const settled = r.values || trackedMetrics(cfg).length ? settleValues(cfg, { ...r.values, ...(cfg.metric && value !== null ? { [cfg.metric.name]: value } : {}) }) : null;
  if (state === 'COMPLETE' && settled?.missing) throw new UsageError(`--values: ${settled.missing}; allowed: a JSON object with ${(cfg.objectives ?? []).map((o) => o.name).join(', ')} (or use --state fail)`);
  if (state === 'COMPLETE' && value === null && study.config.metric) {
    throw new UsageError(`--value: missing; study ${study.name} optimises ${study.config.metric.name}, so a complete trial needs its value (or use --state fail)`);
  }
  if (state === 'FAIL' && value !== null) throw new UsageError('--value: not allowed with --state fail');
  const named = settled && state !== 'FAIL' ? { values: settled.values, infeasible: state === 'COMPLETE' ? settled.infeasible : null } : {};
  const done = await storage.finishTrial(t.id, { state, value, error: r.error ?? (state === 'FAIL' ? 'reported failed through tell' : null), ...named });
  await storage.logEvent(study.id, t.id, 'tell', 'trial_told', { state: done.state, value: done.value });
  return done;
}
