/**
 * Early stopping of running trials: the study's stopping rule (schedulers/stopping.ts) asked at each of a
 * trial's decision points, against the curves of the study's other trials as storage has them (so
 * several processes sharing a study see each other's trials).
 */
import { decideStop, describeStop, isDecisionPoint, type Curve, type CurvePoint, type StopDecision } from '../../schedulers/stopping.js';
import type { Trial } from '../core/trial.js';
import type { EventLog, StudyRecord, TrialStore } from '../storage/types.js';

export interface Stopper {
  /** the trial's curve so far (raw values, in report order); a reason when it must stop now */
  decide(trial: Trial, points: readonly CurvePoint[]): Promise<{ reason: string; decision: StopDecision } | null>;
}

export function stopperFor(storage: TrialStore & EventLog, study: StudyRecord): Stopper | null {
  const rule = study.config.stopping;
  const metric = study.config.metric;
  if (!rule || !metric) return null;
  const sign = metric.goal === 'maximize' ? -1 : 1;
  return {
    async decide(trial, points) {
      const me: Curve = { trialId: trial.id, number: trial.number, complete: false, points: points.map((p) => ({ step: p.step, value: sign * p.value })) };
      if (!isDecisionPoint(rule, me)) return null;
      const others = await otherCurves(storage, study.id, trial, metric.name, sign);
      const d = decideStop(rule, me, others);
      if (!d?.stop) return null;
      return { reason: describeStop(rule, d, metric.name, (v) => sign * v), decision: d };
    },
  };
}

/** Curves of every other trial that counts (re-queued STALE ones are represented by their copies). */
async function otherCurves(storage: TrialStore & EventLog, studyId: number, me: Trial, name: string, sign: number): Promise<Curve[]> {
  // in a ladder, curves are compared within one scale only
  const trials = (await storage.getTrials(studyId)).filter((t) => t.id !== me.id && t.state !== 'STALE' && t.state !== 'WAITING' && (t.scale?.name ?? null) === (me.scale?.name ?? null));
  const byId = new Map<number, Curve>(trials.map((t) => [t.id, { trialId: t.id, number: t.number, complete: t.state === 'COMPLETE', points: [] }]));
  // a stopped trial counts up to the step it was stopped at, not at rungs it reached while the stop landed
  const prunedAt = new Map<number, number>();
  for (const e of await storage.getEvents(studyId)) if (e.kind === 'trial_pruned' && e.trialId !== null && typeof e.detail?.step === 'number') prunedAt.set(e.trialId, e.detail.step);
  for (const m of await storage.getMetrics(studyId)) {
    if (m.name !== name || m.value === null) continue;
    if (m.step > (prunedAt.get(m.trialId) ?? Infinity)) continue;
    byId.get(m.trialId)?.points.push({ step: m.step, value: sign * m.value });
  }
  const curves = [...byId.values()];
  for (const c of curves) c.points.sort((a, b) => a.step - b.step);
  return curves;
}
