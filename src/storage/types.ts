/**
 * The storage contract. Every implementation (SQLite, in-memory, later PostgreSQL) passes the same
 * contract suite (test/storage/contract.ts). Methods are async so that network storages fit the same
 * shape; a claim is one short transaction, so several processes may share one store.
 */
import type { StudyConfig } from '../config/index.js';
import type { Params } from '../core/distributions.js';
import type { LineageEntry, LogLine, Metric, StudyEvent, Trial, TrialState } from '../core/trial.js';
import type { FitResult } from '../../fitters/types.js';

export interface StudyRecord {
  id: number;
  name: string;
  config: StudyConfig;
  /** the seed in force (the config's, or one drawn at creation and kept) */
  seed: number;
  /** working folder the trainer runs in */
  cwd: string;
  /** where trial folders (checkpoints, parameter files) are made */
  artifactsDir: string;
  createdAt: number;
}

export interface StudySummary extends StudyRecord {
  counts: Record<TrialState, number>;
  /** best value among COMPLETE trials, by the metric's goal; null without a metric or completed trial */
  best: number | null;
  lastActivity: number | null;
}

export interface NewTrial {
  params: Params;
  scale?: Record<string, unknown> | null;
  /** a PBT member's segment: which member, and the step it trains to */
  member?: number | null;
  stopAt?: number | null;
}

export type NewLineage = Omit<LineageEntry, 'id' | 'at'>;

/** One request to an LLM endpoint and its answer. */
export interface LlmCall {
  id: number;
  studyId: number;
  at: number;
  /** hash of (model, messages, parameters): what replay looks answers up by */
  key: string;
  /** warm-start, candidates, surrogate */
  purpose: string;
  model: string;
  /** the request body as sent (without headers, so without the key) */
  request: Record<string, unknown>;
  /** the answer's text, when there was one */
  response: string | null;
  status: 'ok' | 'error' | 'replayed';
  /** kept for replay (llm.mode: record) */
  recorded: boolean;
  error: string | null;
  promptTokens: number | null;
  completionTokens: number | null;
  cost: number | null;
  latencyMs: number | null;
  attempts: number | null;
}

export type NewLlmCall = Omit<LlmCall, 'id' | 'at'>;

export interface MetricInput {
  step: number;
  name: string;
  value: number | null;
  tokens?: number | null;
}

export type FinalState = 'COMPLETE' | 'FAIL' | 'PRUNED';

/** A fitted law kept with its inputs, so that `predict` and reports can reuse it. */
export interface StoredFit {
  id: number;
  /** the study its points came from; null for points from a CSV file */
  studyId: number | null;
  law: string;
  /** where the points came from (file, map, filters, or study) */
  source: Record<string, unknown>;
  /** law options that predictions need (x and y columns of generic laws) */
  spec: { x?: string[]; y?: string };
  points: Record<string, number>[];
  result: FitResult;
  createdAt: number;
}

export type NewFit = Omit<StoredFit, 'id' | 'createdAt'>;

export interface Storage {
  /** where it lives, for messages (`./scaletune.db`, `:memory:`) */
  readonly location: string;

  /** Called once per study; throws UsageError when the name is taken. */
  createStudy(input: { name: string; config: StudyConfig; seed: number; cwd: string; artifactsDir: string }): Promise<StudyRecord>;
  /** null when no study has that name. */
  getStudy(name: string): Promise<StudyRecord | null>;
  /** Every study with its trial counts, oldest first. */
  listStudies(): Promise<StudySummary[]>;

  /**
   * Claim a WAITING trial for `worker` (it becomes RUNNING): the one that trains to the earliest step
   * (`stopAt`; the least-trained PBT member), then the oldest. Null when none waits. One transaction.
   */
  claimWaiting(studyId: number, worker: string): Promise<Trial | null>;
  /**
   * Create a trial already RUNNING for `worker`, in one transaction; null instead when `runCap` trials
   * that count toward the cap (every state but STALE) exist, or when `unique` is set and a trial that
   * counts toward the cap already has the same parameters. With `perScale` (a ladder), both count only
   * the trials of the same scale (by the scale's `name`). With `seen`, also null when the study no
   * longer has exactly that many trials: another worker created one since the proposal's history was
   * read, and proposing again from the fresh history avoids two workers running the same proposal.
   */
  createRunning(studyId: number, trial: NewTrial & { worker: string; runCap?: number; unique?: boolean; perScale?: boolean; seen?: number }): Promise<Trial | null>;
  /** Add a WAITING trial (initial points, re-queued work). Respects no cap: the caller decided. */
  enqueue(studyId: number, trial: NewTrial & { retryOf?: number; resumeFrom?: string | null }): Promise<Trial>;
  /**
   * A RUNNING trial whose process is gone: in one transaction it becomes STALE (keeping its metrics and
   * logs) and a WAITING copy is queued that resumes from its last checkpoint. Returns the copy.
   */
  requeue(trialId: number, reason: string): Promise<Trial>;
  /** Mark running trials as alive. Called every few seconds by whoever runs them. */
  heartbeat(trialIds: readonly number[], worker: string): Promise<void>;
  /** Record the trainer's process id while it runs (to end orphans after a crash). */
  setTrialPid(trialId: number, pid: number | null): Promise<void>;
  /** Record the latest checkpoint the trainer announced. */
  setCheckpoint(trialId: number, checkpoint: string): Promise<void>;
  /** Store reported metrics. Throws FrozenTrialError when the trial is finished. */
  addMetrics(trialId: number, metrics: readonly MetricInput[]): Promise<void>;
  /** Append lines to the trial's log. */
  appendLogs(trialId: number, lines: readonly { stream: LogLine['stream']; line: string }[]): Promise<void>;
  /** Finish a RUNNING trial. Throws FrozenTrialError when it is already finished, UsageError when it is WAITING. */
  finishTrial(trialId: number, result: { state: FinalState; value?: number | null; error?: string | null }): Promise<Trial>;

  getTrial(trialId: number): Promise<Trial | null>;
  getTrialByNumber(studyId: number, number: number): Promise<Trial | null>;
  /** All trials of a study, by number. */
  getTrials(studyId: number): Promise<Trial[]>;
  /** Intermediate metrics of a study (or one trial), by trial, step, name. */
  getMetrics(studyId: number, trialId?: number): Promise<Metric[]>;
  getLogs(trialId: number): Promise<LogLine[]>;

  /** JSON attributes: searcher state, user notes. Setting a key again replaces it. */
  setStudyAttr(studyId: number, key: string, value: unknown): Promise<void>;
  getStudyAttrs(studyId: number): Promise<Record<string, unknown>>;
  setTrialAttr(trialId: number, key: string, value: unknown): Promise<void>;
  getTrialAttrs(trialId: number): Promise<Record<string, unknown>>;

  /** Who did what when. */
  logEvent(studyId: number, trialId: number | null, who: string, kind: string, detail?: Record<string, unknown> | null): Promise<void>;
  getEvents(studyId: number): Promise<StudyEvent[]>;

  /** Population-based training's decisions, in order. */
  addLineage(entry: NewLineage): Promise<LineageEntry>;
  getLineage(studyId: number): Promise<LineageEntry[]>;

  /** The LLM searcher's calls (what was asked and answered, tokens, cost); never an API key. */
  addLlmCall(call: NewLlmCall): Promise<LlmCall>;
  getLlmCalls(studyId: number): Promise<LlmCall[]>;
  /** The newest recorded answer to a request with this key (any study), for llm.mode: replay. */
  findLlmRecording(key: string): Promise<LlmCall | null>;

  /** Keep a fit; returns it with its id. */
  saveFit(fit: NewFit): Promise<StoredFit>;
  getFit(id: number): Promise<StoredFit | null>;
  /** The newest fit of a law, or null. */
  latestFit(law: string): Promise<StoredFit | null>;
  /** Every fit, oldest first. */
  listFits(): Promise<StoredFit[]>;

  close(): Promise<void>;
}
