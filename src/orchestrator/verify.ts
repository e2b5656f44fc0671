/**
 * Verify runs of a scale ladder: the plan is fitters/ladder's (pure); here it is queued, run through
 * the study's own run loop (so a verify run is claimed, streamed and recorded like any trial) and read
 * back. Also the ladder's summary as the study's records stand.
 */
import { ladderMetricNames, planVerify, summarizeLadder, verifyResults, type LadderSummary, type VerifyAt, type VerifyResult } from '../../fitters/ladder/index.js';
import type { Backend } from '../backends/types.js';
import { UsageError } from '../core/errors.js';
import { isVerifyRun } from '../core/trial.js';
import type { Reporter } from '../report/reporter.js';
import type { Storage, StudyRecord } from '../storage/types.js';
import { runStudy } from './run-study.js';

/** The ladder summary and the verify runs so far, from the study's trials and `params` metrics. */
export async function loadLadder(storage: Storage, study: StudyRecord): Promise<{ summary: LadderSummary; verify: VerifyResult[] }> {
  const trials = await storage.getTrials(study.id);
  const names = ladderMetricNames(study.config);
  const metrics = (await storage.getMetrics(study.id)).filter((m) => names.has(m.name));
  const settled = (await storage.getEvents(study.id)).filter((e) => e.kind === 'scale_settled').map((e) => String(e.detail?.scale));
  return { summary: summarizeLadder({ config: study.config, trials, metrics, seed: study.seed, settled }), verify: verifyResults(study.config, trials) };
}

export interface VerifyOptions {
  storage: Storage;
  study: StudyRecord;
  at: VerifyAt;
  backend: Backend;
  reporter: Reporter;
  signal?: AbortSignal;
}

/**
 * One run with the predicted hyperparameters (kept: a second call reads the first run back). Returns
 * null when the run was interrupted; a plan the ladder cannot make is a UsageError saying why.
 */
export async function runVerify(o: VerifyOptions): Promise<VerifyResult | null> {
  const { storage, study, at } = o;
  const trials = await storage.getTrials(study.id);
  const existing = verifyResults(study.config, trials).find((v) => v.at === at && v.state !== 'WAITING' && v.state !== 'RUNNING');
  if (existing) return existing;
  // a planned run that was interrupted before it started is run, not planned again
  const pending = trials.some((t) => isVerifyRun(t) && t.state === 'WAITING');
  if (!pending) {
    let plan;
    try {
      const names = ladderMetricNames(study.config);
      plan = planVerify(study.config, trials, (await storage.getMetrics(study.id)).filter((m) => names.has(m.name)), at, study.seed);
    } catch (e) {
      if (e instanceof RangeError) throw new UsageError(e.message);
      throw e;
    }
    const t = await storage.enqueue(study.id, { params: plan.params, scale: plan.scale as unknown as Record<string, unknown> });
    await storage.logEvent(study.id, t.id, 'scaletune', 'verify_planned', { at, params: plan.params, predicted: plan.scale.predicted });
  }
  const end = await runStudy({ storage, study, backend: o.backend, reporter: o.reporter, verify: true, ...(o.signal ? { signal: o.signal } : {}) });
  if (end.interrupted) return null;
  return verifyResults(study.config, await storage.getTrials(study.id)).find((v) => v.at === at) ?? null;
}
