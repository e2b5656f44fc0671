/**
 * Rows of the SQL storages (SQLite and PostgreSQL share one schema, snake case, JSON in TEXT) read
 * back as the contract's records. One place, so the two storages cannot drift apart.
 */
import type { StudyConfig } from '../config/index.js';
import type { LineageEntry, Trial, TrialState } from '../core/trial.js';
import type { LlmCall, StoredFit, StudyRecord } from './types.js';

export type Row = Record<string, unknown>;

const json = (v: unknown): never => JSON.parse(v as string) as never;

/** A finished trial's named values as stored: JSON, with anything not finite as null (JSON has no NaN), or null when there are none. */
export function valuesJson(values: Readonly<Record<string, number | null>> | null | undefined): string | null {
  if (!values) return null;
  return JSON.stringify(Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v !== null && Number.isFinite(v) ? v : null])));
}

export function trialFromRow(r: Row): Trial {
  return {
    id: r.id as number,
    studyId: r.study_id as number,
    number: r.number as number,
    state: r.state as TrialState,
    params: json(r.params),
    scale: r.scale === null ? null : json(r.scale),
    value: r.value as number | null,
    worker: r.worker as string | null,
    heartbeatAt: r.heartbeat_at as number | null,
    pid: r.pid as number | null,
    createdAt: r.created_at as number,
    startedAt: r.started_at as number | null,
    finishedAt: r.finished_at as number | null,
    error: r.error as string | null,
    retryOf: r.retry_of as number | null,
    checkpoint: r.checkpoint as string | null,
    resumeFrom: r.resume_from as string | null,
    member: (r.member ?? null) as number | null,
    stopAt: (r.stop_at ?? null) as number | null,
    values: r.metric_values === null || r.metric_values === undefined ? null : json(r.metric_values),
    infeasible: (r.infeasible ?? null) as string | null,
  };
}

export function studyFromRow(r: Row): StudyRecord {
  return { id: r.id as number, name: r.name as string, config: json(r.config) as StudyConfig, seed: r.seed as number, cwd: r.cwd as string, artifactsDir: r.artifacts_dir as string, createdAt: r.created_at as number };
}

export function lineageFromRow(r: Row): LineageEntry {
  return {
    id: r.id as number,
    studyId: r.study_id as number,
    member: r.member as number,
    step: r.step as number,
    kind: r.kind as LineageEntry['kind'],
    donor: r.donor as number | null,
    donorStep: r.donor_step as number | null,
    paramsBefore: json(r.params_before),
    paramsAfter: json(r.params_after),
    scores: json(r.scores),
    trialId: r.trial_id as number | null,
    nextTrialId: r.next_trial_id as number | null,
    at: r.at as number,
  };
}

export function llmCallFromRow(r: Row): LlmCall {
  return {
    id: r.id as number,
    studyId: r.study_id as number,
    at: r.at as number,
    key: r.key as string,
    purpose: r.purpose as string,
    model: r.model as string,
    request: json(r.request),
    response: r.response as string | null,
    status: r.status as LlmCall['status'],
    // SQLite keeps booleans as 1/0
    recorded: r.recorded === true || r.recorded === 1,
    error: r.error as string | null,
    promptTokens: r.prompt_tokens as number | null,
    completionTokens: r.completion_tokens as number | null,
    cost: r.cost as number | null,
    latencyMs: r.latency_ms as number | null,
    attempts: r.attempts as number | null,
  };
}

export function fitFromRow(r: Row | undefined): StoredFit | null {
  if (!r) return null;
  return { id: r.id as number, studyId: r.study_id as number | null, law: r.law as string, source: json(r.source), spec: json(r.spec), points: json(r.points), result: json(r.result), createdAt: r.created_at as number };
}
