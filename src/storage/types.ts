/**
 * The storage contract, by concern: the core trial store, and four small stores beside it (events,
 * lineage, LLM calls, fits). Every storage (memory, SQLite, PostgreSQL) implements all five as one
 * `Storage` and passes one contract suite (test/storage/contract.ts); code that needs one concern takes
 * that interface, so what it can touch is plain from its signature. Methods are async so that network
 * storages fit the same shape; a claim is one short transaction, so several processes may share a store.
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

/** How a trial ended: its state, the study's metric's value, why it failed; and, for studies that name several metrics, their values and feasibility. */
export interface FinishResult {
  state: FinalState;
  value?: number | null;
  error?: string | null;
  /** the last value of each objective, constraint and cost metric (null: never reported); non-finite values are kept as null */
  values?: Record<string, number | null> | null;
  /** why the trial breaks a constraint */
  infeasible?: string | null;
}

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

/**
 * What a claim of a new trial must respect. `createRunning` checks it and inserts the trial in one
 * transaction that is serialised against every other insert into the study, so each guarantee holds
 * across all the workers and processes sharing the store, not per worker.
 */
export interface ClaimPolicy {
  /** refuse once this many trials count toward the cap (every state but STALE): never more than runCap of them */
  runCap?: number;
  /** refuse parameters a trial that counts toward the cap already has (compared as canonical JSON, so key order does not matter) */
  unique?: boolean;
  /** runCap and unique count only the trials of the new trial's scale (by the scale's `name`): each rung of a ladder has its own */
  perScale?: boolean;
  /**
   * the study's trial count (any state) in the history the proposal was made from: refuse when it has
   * changed, because another worker's new trial may be this very proposal; propose again from fresh history
   */
  seen?: number;
}

/** Studies and their trials from claim to finish, with metrics, logs, reads and attributes: what every run needs. */
export interface TrialStore {
  /** where it lives, for messages (`./scaletune.db`, `:memory:`, a postgres URL without its password) */
  readonly location: string;

  /** Once per study, when `run`, `create`, `demo` or `replay` makes one; throws UsageError when the name is taken. */
  createStudy(input: { name: string; config: StudyConfig; seed: number; cwd: string; artifactsDir: string }): Promise<StudyRecord>;
  /** By every command and worker that names a study; null when no study has that name. */
  getStudy(name: string): Promise<StudyRecord | null>;
  /** `rename`: the study's new name (the caller checked the name rules); throws UsageError when another study has it. Its trials and folders are untouched. */
  renameStudy(studyId: number, name: string): Promise<StudyRecord>;
  /** `delete`: the study and everything recorded of it (trials, metrics, logs, attributes, events, lineage, LLM calls, fits), in one transaction. */
  deleteStudy(studyId: number): Promise<void>;
  /** For `studies`, and to list the names when a study is not found: every study with its trial counts, oldest first. */
  listStudies(): Promise<StudySummary[]>;

  /**
   * The first step of every claim, before a new trial is proposed: the WAITING trial that trains to the
   * earliest step (`stopAt`: the least-trained PBT member), then the oldest, becomes RUNNING for
   * `worker`; null when none waits. One transaction: across processes each waiting trial is claimed once.
   */
  claimWaiting(studyId: number, worker: string): Promise<Trial | null>;
  /**
   * After a searcher proposed `trial`: inserts it RUNNING for `trial.worker` with the next number,
   * unless `policy` refuses it; then null, and nothing is written. Without a policy nothing refuses it.
   */
  createRunning(studyId: number, trial: NewTrial & { worker: string }, policy?: ClaimPolicy): Promise<Trial | null>;
  /** For work decided elsewhere (initial points, verify runs, PBT's next segment): adds a WAITING trial with the next number. Respects no cap: the caller decided. */
  enqueue(studyId: number, trial: NewTrial & { retryOf?: number; resumeFrom?: string | null }): Promise<Trial>;
  /**
   * When a RUNNING trial's process is gone (stale heartbeat, interrupted run): in one transaction it
   * becomes STALE (keeping its metrics and logs) and a WAITING copy is queued that resumes from its last
   * checkpoint; returns the copy. Throws FrozenTrialError when it is no longer RUNNING, so two workers
   * recovering one trial queue one copy.
   */
  requeue(trialId: number, reason: string): Promise<Trial>;
  /** Every few seconds by the process running these trials: marks them alive, only those still RUNNING for `worker`. */
  heartbeat(trialIds: readonly number[], worker: string): Promise<void>;
  /** When the trainer's process starts (and null when it is gone), so that recovery after a crash can end an orphan. */
  setTrialPid(trialId: number, pid: number | null): Promise<void>;
  /** Whenever the trainer announces a checkpoint: the latest one is what `requeue` resumes from. */
  setCheckpoint(trialId: number, checkpoint: string): Promise<void>;
  /**
   * With each burst of a trainer's reports: all the rows go in or none, and only while the trial is open;
   * throws FrozenTrialError when it is finished, UsageError when there is no such trial.
   */
  addMetrics(trialId: number, metrics: readonly MetricInput[]): Promise<void>;
  /** With the trainer's output as it arrives (after its metrics of the same burst): read back in the order appended. */
  appendLogs(trialId: number, lines: readonly { stream: LogLine['stream']; line: string }[]): Promise<void>;
  /**
   * Once per trial, when its trainer ended or `tell` reported; a NaN value is stored as null. One
   * transaction: throws FrozenTrialError when it is already finished (so one finisher wins), UsageError when it is WAITING.
   */
  finishTrial(trialId: number, result: FinishResult): Promise<Trial>;

  /** A fresh read of one trial by id; null when there is none. */
  getTrial(trialId: number): Promise<Trial | null>;
  /** For commands that name a trial by its number in a study (`tell`); null when there is none. */
  getTrialByNumber(studyId: number, number: number): Promise<Trial | null>;
  /** The history searchers, schedulers and reports read: all trials of a study, by number, fresh copies. */
  getTrials(studyId: number): Promise<Trial[]>;
  /** Curves for stopping rules, fits and reports: intermediate metrics of a study (or one trial), by trial, step, then the order reported. */
  getMetrics(studyId: number, trialId?: number): Promise<Metric[]>;
  /** To show a trial's output: its lines in the order appended, `seq` increasing. */
  getLogs(trialId: number): Promise<LogLine[]>;

  /**
   * Searcher and scheduler state and notes (a trial's GPU, a branch's parent run, feasibility, study
   * notes) as JSON: setting a key again replaces its value. Study attributes show in `export`.
   */
  setStudyAttr(studyId: number, key: string, value: unknown): Promise<void>;
  /** Every attribute of a study, keys sorted; {} when it has none. */
  getStudyAttrs(studyId: number): Promise<Record<string, unknown>>;
  /** As setStudyAttr, for one trial: setting a key again replaces its value. */
  setTrialAttr(trialId: number, key: string, value: unknown): Promise<void>;
  /** Every attribute of a trial, keys sorted; {} when it has none. */
  getTrialAttrs(trialId: number): Promise<Record<string, unknown>>;

  /** Once, when the caller is done with the store (`withStorage` does it); calling it again does nothing. */
  close(): Promise<void>;
}

/** The study's history of who did what when: runs started and finished, trials pruned or stale, LLM fallbacks. */
export interface EventLog {
  /** Whenever something happens that a person (or a later decision) should see in the study's history; `detail` is kept as JSON. */
  logEvent(studyId: number, trialId: number | null, who: string, kind: string, detail?: Record<string, unknown> | null): Promise<void>;
  /** For `export`, `llm-log` and stopping rules (where trials were pruned): a study's events in the order logged. */
  getEvents(studyId: number): Promise<StudyEvent[]>;
}

/** Population-based training's decisions, kept as a table so that a run's lineage can be queried and replayed. */
export interface LineageStore {
  /** By the PBT scheduler, once per decision about a member's segment (exploit, retry, replace); returns it with its id and time. */
  addLineage(entry: NewLineage): Promise<LineageEntry>;
  /** For PBT's next decisions, `lineage`, `replay` and reports: a study's decisions in the order added; [] for none. */
  getLineage(studyId: number): Promise<LineageEntry[]>;
}

/** The LLM searcher's calls: what was asked and answered, tokens, cost; never an API key. */
export interface LlmCallStore {
  /** After every request to an LLM endpoint (answered, failed or replayed); the request is kept as sent, without headers. */
  addLlmCall(call: NewLlmCall): Promise<LlmCall>;
  /** For the searcher's budget on resume and `llm-log`: a study's calls in the order made. */
  getLlmCalls(studyId: number): Promise<LlmCall[]>;
  /** In llm.mode replay, instead of sending: the newest recorded call with this key that was answered (any study); null when none. */
  findLlmRecording(key: string): Promise<LlmCall | null>;
}

/** Fitted laws with their inputs, so that `predict` and reports reuse a fit instead of fitting again. */
export interface FitStore {
  /** When `fit` keeps a law it fitted; returns it with its id (ids increase: a later fit has a larger one). */
  saveFit(fit: NewFit): Promise<StoredFit>;
  /** For `predict --fit ID` and `schedule --fit ID`; null when there is no such fit. */
  getFit(id: number): Promise<StoredFit | null>;
  /** For `predict` without an id: the newest fit of a law, or null. */
  latestFit(law: string): Promise<StoredFit | null>;
  /** For `fits`: every fit, oldest first. */
  listFits(): Promise<StoredFit[]>;
}

/** Every concern in one store: what opening a `--db` gives, and what code that needs several concerns takes. */
export interface Storage extends TrialStore, EventLog, LineageStore, LlmCallStore, FitStore {}
