/** In-memory storage for tests and throwaway studies; the same contract as SQLite, in one process. */
import type { StudyConfig } from '../config/index.js';
import { canonicalJson } from '../core/distributions.js';
import { FrozenTrialError, UsageError } from '../core/errors.js';
import { isFinished, outsideSearch, TRIAL_STATES, type LineageEntry, type LogLine, type Metric, type StudyEvent, type Trial, type TrialState } from '../core/trial.js';
import { valuesJson } from './rows.js';
import type { ClaimPolicy, FinishResult, MetricInput, LlmCall, NewFit, NewLineage, NewLlmCall, NewTrial, Storage, StoredFit, StudyRecord, StudySummary } from './types.js';

const copy = <T>(x: T): T => structuredClone(x);

export class MemoryStorage implements Storage {
  readonly location = ':memory:';
  private studies: StudyRecord[] = [];
  private trials: Trial[] = [];
  private metrics: Metric[] = [];
  private logs: LogLine[] = [];
  private studyAttrs = new Map<number, Map<string, unknown>>();
  private trialAttrs = new Map<number, Map<string, unknown>>();
  private events: StudyEvent[] = [];
  private fits: StoredFit[] = [];
  private lineage: LineageEntry[] = [];
  private llmCalls: LlmCall[] = [];
  /** one counter for every id: a deleted study's ids are never given out again */
  private lastId = 0;
  private nextId(): number {
    return ++this.lastId;
  }

  async createStudy(input: { name: string; config: StudyConfig; seed: number; cwd: string; artifactsDir: string }): Promise<StudyRecord> {
    if (this.studies.some((s) => s.name === input.name)) throw new UsageError(`a study named '${input.name}' already exists in ${this.location}`);
    const s: StudyRecord = { id: this.nextId(), ...copy(input), createdAt: Date.now() };
    this.studies.push(s);
    return copy(s);
  }

  async renameStudy(studyId: number, name: string): Promise<StudyRecord> {
    const s = this.studies.find((x) => x.id === studyId);
    if (!s) throw new UsageError(`no study with id ${studyId}`);
    if (this.studies.some((x) => x.name === name && x.id !== studyId)) throw new UsageError(`a study named '${name}' already exists in ${this.location}`);
    s.name = name;
    return copy(s);
  }

  async deleteStudy(studyId: number): Promise<void> {
    const trialIds = new Set(this.trials.filter((t) => t.studyId === studyId).map((t) => t.id));
    this.studies = this.studies.filter((s) => s.id !== studyId);
    this.trials = this.trials.filter((t) => t.studyId !== studyId);
    this.metrics = this.metrics.filter((m) => !trialIds.has(m.trialId));
    this.logs = this.logs.filter((l) => !trialIds.has(l.trialId));
    for (const id of trialIds) this.trialAttrs.delete(id);
    this.studyAttrs.delete(studyId);
    this.events = this.events.filter((e) => e.studyId !== studyId);
    this.fits = this.fits.filter((f) => f.studyId !== studyId);
    this.lineage = this.lineage.filter((l) => l.studyId !== studyId);
    this.llmCalls = this.llmCalls.filter((c) => c.studyId !== studyId);
  }

  async getStudy(name: string): Promise<StudyRecord | null> {
    const s = this.studies.find((x) => x.name === name);
    return s ? copy(s) : null;
  }

  async listStudies(): Promise<StudySummary[]> {
    return this.studies.map((s) => {
      const ts = this.trials.filter((t) => t.studyId === s.id);
      const counts = Object.fromEntries(TRIAL_STATES.map((st) => [st, ts.filter((t) => t.state === st).length])) as Record<TrialState, number>;
      const done = ts.filter((t) => t.state === 'COMPLETE' && t.value !== null && t.infeasible === null && !outsideSearch(t)).map((t) => t.value!);
      const best = !s.config.metric || done.length === 0 ? null : s.config.metric.goal === 'maximize' ? Math.max(...done) : Math.min(...done);
      const times = ts.map((t) => t.finishedAt ?? t.heartbeatAt ?? t.startedAt ?? t.createdAt);
      return { ...copy(s), counts, best, lastActivity: times.length ? Math.max(...times) : null };
    });
  }

  private find(trialId: number): Trial {
    const t = this.trials.find((x) => x.id === trialId);
    if (!t) throw new UsageError(`no trial with id ${trialId}`);
    return t;
  }

  private insert(studyId: number, fields: Partial<Trial> & { params: Trial['params']; state: TrialState }): Trial {
    const number = this.trials.filter((t) => t.studyId === studyId).length;
    const t: Trial = {
      id: this.nextId(),
      studyId,
      number,
      scale: null,
      value: null,
      worker: null,
      heartbeatAt: null,
      pid: null,
      createdAt: Date.now(),
      startedAt: null,
      finishedAt: null,
      error: null,
      retryOf: null,
      checkpoint: null,
      resumeFrom: null,
      member: null,
      stopAt: null,
      values: null,
      infeasible: null,
      ...copy(fields),
    };
    this.trials.push(t);
    return t;
  }

  async claimWaiting(studyId: number, worker: string): Promise<Trial | null> {
    const t = this.trials
      .filter((x) => x.studyId === studyId && x.state === 'WAITING')
      .sort((a, b) => (a.stopAt ?? 0) - (b.stopAt ?? 0) || a.number - b.number)[0];
    if (!t) return null;
    const now = Date.now();
    Object.assign(t, { state: 'RUNNING', worker, startedAt: now, heartbeatAt: now });
    return copy(t);
  }

  async createRunning(studyId: number, nt: NewTrial & { worker: string }, policy: ClaimPolicy = {}): Promise<Trial | null> {
    if (policy.seen !== undefined && this.trials.filter((t) => t.studyId === studyId).length !== policy.seen) return null;
    const scaleName = policy.perScale ? nt.scale?.name : undefined;
    const live = this.trials.filter((t) => t.studyId === studyId && t.state !== 'STALE' && (scaleName === undefined || (t.scale?.name === scaleName && !outsideSearch(t))));
    if (policy.runCap !== undefined && live.length >= policy.runCap) return null;
    const key = canonicalJson(nt.params);
    if (policy.unique && live.some((t) => canonicalJson(t.params) === key)) return null;
    const now = Date.now();
    return copy(this.insert(studyId, { params: nt.params, scale: nt.scale ?? null, state: 'RUNNING', worker: nt.worker, startedAt: now, heartbeatAt: now, member: nt.member ?? null, stopAt: nt.stopAt ?? null }));
  }

  async enqueue(studyId: number, nt: NewTrial & { retryOf?: number; resumeFrom?: string | null }): Promise<Trial> {
    return copy(this.insert(studyId, { params: nt.params, scale: nt.scale ?? null, state: 'WAITING', retryOf: nt.retryOf ?? null, resumeFrom: nt.resumeFrom ?? null, member: nt.member ?? null, stopAt: nt.stopAt ?? null }));
  }

  async requeue(trialId: number, reason: string): Promise<Trial> {
    const t = this.find(trialId);
    if (t.state !== 'RUNNING') throw new FrozenTrialError(`trial ${t.number} is ${t.state.toLowerCase()}, not running; only a running trial can be re-queued`);
    Object.assign(t, { state: 'STALE', finishedAt: Date.now(), error: reason, pid: null });
    return this.enqueue(t.studyId, { params: t.params, scale: t.scale, retryOf: t.id, resumeFrom: t.checkpoint ?? t.resumeFrom, member: t.member, stopAt: t.stopAt });
  }

  async heartbeat(trialIds: readonly number[], worker: string): Promise<void> {
    const now = Date.now();
    for (const t of this.trials) if (trialIds.includes(t.id) && t.worker === worker && t.state === 'RUNNING') t.heartbeatAt = now;
  }

  async setTrialPid(trialId: number, pid: number | null): Promise<void> {
    this.find(trialId).pid = pid;
  }

  async setCheckpoint(trialId: number, checkpoint: string): Promise<void> {
    this.find(trialId).checkpoint = checkpoint;
  }

  private assertOpen(trialId: number): Trial {
    const t = this.find(trialId);
    if (isFinished(t.state)) throw new FrozenTrialError(`trial ${t.number} is already finished (${t.state.toLowerCase()}); a finished trial cannot be changed`);
    return t;
  }

  async addMetrics(trialId: number, metrics: readonly MetricInput[]): Promise<void> {
    if (metrics.length === 0) return;
    this.assertOpen(trialId);
    const at = Date.now();
    for (const m of metrics) {
      this.metrics.push({ trialId, step: m.step, name: m.name, value: m.value === null || Number.isNaN(m.value) ? null : m.value, tokens: m.tokens ?? null, at });
    }
  }

  async appendLogs(trialId: number, lines: readonly { stream: LogLine['stream']; line: string }[]): Promise<void> {
    const at = Date.now();
    for (const l of lines) this.logs.push({ trialId, seq: this.nextId(), stream: l.stream, line: l.line, at });
  }

  async finishTrial(trialId: number, r: FinishResult): Promise<Trial> {
    const t = this.assertOpen(trialId);
    if (t.state === 'WAITING') throw new UsageError(`trial ${t.number} is waiting and was never started; claim it (ask) first`);
    const value = r.value === undefined || r.value === null || Number.isNaN(r.value) ? null : r.value;
    const values = valuesJson(r.values);
    Object.assign(t, { state: r.state, value, error: r.error ?? null, values: values === null ? null : JSON.parse(values), infeasible: r.infeasible ?? null, finishedAt: Date.now(), pid: null });
    return copy(t);
  }

  async getTrial(trialId: number): Promise<Trial | null> {
    const t = this.trials.find((x) => x.id === trialId);
    return t ? copy(t) : null;
  }

  async getTrialByNumber(studyId: number, number: number): Promise<Trial | null> {
    const t = this.trials.find((x) => x.studyId === studyId && x.number === number);
    return t ? copy(t) : null;
  }

  async getTrials(studyId: number): Promise<Trial[]> {
    return copy(this.trials.filter((t) => t.studyId === studyId));
  }

  async getMetrics(studyId: number, trialId?: number): Promise<Metric[]> {
    const ids = new Set(this.trials.filter((t) => t.studyId === studyId && (trialId === undefined || t.id === trialId)).map((t) => t.id));
    return copy(this.metrics.filter((m) => ids.has(m.trialId))).sort((a, b) => a.trialId - b.trialId || a.step - b.step);
  }

  async getLogs(trialId: number): Promise<LogLine[]> {
    return copy(this.logs.filter((l) => l.trialId === trialId));
  }

  async setStudyAttr(studyId: number, key: string, value: unknown): Promise<void> {
    if (!this.studyAttrs.has(studyId)) this.studyAttrs.set(studyId, new Map());
    this.studyAttrs.get(studyId)!.set(key, copy(value));
  }

  async getStudyAttrs(studyId: number): Promise<Record<string, unknown>> {
    return Object.fromEntries([...(this.studyAttrs.get(studyId) ?? new Map()).entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, copy(v)]));
  }

  async setTrialAttr(trialId: number, key: string, value: unknown): Promise<void> {
    if (!this.trialAttrs.has(trialId)) this.trialAttrs.set(trialId, new Map());
    this.trialAttrs.get(trialId)!.set(key, copy(value));
  }

  async getTrialAttrs(trialId: number): Promise<Record<string, unknown>> {
    return Object.fromEntries([...(this.trialAttrs.get(trialId) ?? new Map()).entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, copy(v)]));
  }

  async logEvent(studyId: number, trialId: number | null, who: string, kind: string, detail: Record<string, unknown> | null = null): Promise<void> {
    this.events.push({ id: this.nextId(), studyId, trialId, at: Date.now(), who, kind, detail: detail ? copy(detail) : null });
  }

  async getEvents(studyId: number): Promise<StudyEvent[]> {
    return copy(this.events.filter((e) => e.studyId === studyId));
  }

  async addLineage(e: NewLineage): Promise<LineageEntry> {
    const entry: LineageEntry = { ...copy(e), id: this.nextId(), at: Date.now() };
    this.lineage.push(entry);
    return copy(entry);
  }

  async getLineage(studyId: number): Promise<LineageEntry[]> {
    return copy(this.lineage.filter((x) => x.studyId === studyId));
  }

  async addLlmCall(c: NewLlmCall): Promise<LlmCall> {
    const call: LlmCall = { ...copy(c), id: this.nextId(), at: Date.now() };
    this.llmCalls.push(call);
    return copy(call);
  }

  async getLlmCalls(studyId: number): Promise<LlmCall[]> {
    return copy(this.llmCalls.filter((c) => c.studyId === studyId));
  }

  async findLlmRecording(key: string): Promise<LlmCall | null> {
    const c = [...this.llmCalls].reverse().find((x) => x.key === key && x.recorded && x.status === 'ok');
    return c ? copy(c) : null;
  }

  async saveFit(fit: NewFit): Promise<StoredFit> {
    const f: StoredFit = { ...copy(fit), id: this.nextId(), createdAt: Date.now() };
    this.fits.push(f);
    return copy(f);
  }

  async getFit(id: number): Promise<StoredFit | null> {
    const f = this.fits.find((x) => x.id === id);
    return f ? copy(f) : null;
  }

  async latestFit(law: string): Promise<StoredFit | null> {
    const f = this.fits.filter((x) => x.law === law).at(-1);
    return f ? copy(f) : null;
  }

  async listFits(): Promise<StoredFit[]> {
    return copy(this.fits);
  }

  async close(): Promise<void> {}
}
