/**
 * SQLite storage (better-sqlite3): WAL, a busy timeout, versioned migrations, and short
 * `BEGIN IMMEDIATE` transactions for every claim, so several processes on one machine can share a file.
 */
import { findInstalled } from '../core/installation.js';
import Database from 'better-sqlite3';
import type { StudyConfig } from '../config/index.js';
import { canonicalJson } from '../core/distributions.js';
import { FrozenTrialError, ScaletuneError, UsageError } from '../core/errors.js';
import { isFinished, TRIAL_STATES, type LineageEntry, type LogLine, type Metric, type StudyEvent, type Trial, type TrialState } from '../core/trial.js';
import { fitFromRow, lineageFromRow, llmCallFromRow, studyFromRow, trialFromRow, valuesJson, type Row } from './rows.js';
import { MIGRATIONS } from './sqlite-migrations.js';
import { checkDatabasePath, fileProblem } from './sqlite-file.js';
import type { ClaimPolicy, FinishResult, MetricInput, LlmCall, NewFit, NewLineage, NewLlmCall, NewTrial, Storage, StoredFit, StudyRecord, StudySummary } from './types.js';

export const SCHEMA_VERSION = MIGRATIONS.length;

/** SQLite stores NaN as NULL; Infinity survives. */
const finiteOrNull = (v: number | null | undefined): number | null => (v === undefined || v === null || Number.isNaN(v) ? null : v);

export class SqliteStorage implements Storage {
  readonly location: string;
  private readonly db: Database.Database;

  /**
   * `create: false` refuses to make a new file (read-only commands must not invent a database).
   * `readOnly` opens the file so that nothing can be written through this connection (the dashboard):
   * no migration, no journal-mode change; every read is one statement, so no read transaction is held open.
   */
  constructor(file: string, opts: { timeoutMs?: number; create?: boolean; readOnly?: boolean } = {}) {
    this.location = file;
    if (file !== ':memory:') checkDatabasePath(file, opts.create !== false && !opts.readOnly);
    try {
      // the one-folder bundle (npm run bundle) carries better-sqlite3's addon beside it, with no node_modules to find it in
      const native = findInstalled('native/better_sqlite3.node');
      this.db = new Database(file, { timeout: opts.timeoutMs ?? 30_000, ...(native ? { nativeBinding: native } : {}), ...(opts.readOnly ? { readonly: true, fileMustExist: true } : {}) });
    } catch (e) {
      const p = fileProblem(file, e);
      throw p instanceof ScaletuneError ? p : new ScaletuneError(`cannot open database ${file}: ${(e as Error).message}`, 2);
    }
    try {
      if (opts.readOnly) {
        this.checkVersion();
        return;
      }
      this.db.pragma('journal_mode = WAL');
      // WAL + NORMAL survives a killed process (not a power cut) and keeps commits cheap.
      this.db.pragma('synchronous = NORMAL');
      this.db.pragma('foreign_keys = ON');
      this.migrate();
    } catch (e) {
      this.db.close();
      throw fileProblem(file, e);
    }
  }

  /** A read-only connection cannot migrate: it reads only a database at this scaletune's schema version. */
  private checkVersion(): void {
    const has = this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
    const current = has ? ((this.db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null }).v ?? 0) : 0;
    if (!has) throw new ScaletuneError(`${this.location} is not a scaletune database (it has no schema_migrations table)`, 2);
    if (current > MIGRATIONS.length) throw new ScaletuneError(`database ${this.location} has schema version ${current}, newer than this scaletune understands (${MIGRATIONS.length}); upgrade scaletune`, 2);
    if (current < MIGRATIONS.length) throw new ScaletuneError(`database ${this.location} has schema version ${current}, older than this scaletune's (${MIGRATIONS.length}), and is opened read-only; upgrade it once with any command that opens it for writing, e.g. scaletune studies --db ${this.location}`, 2);
  }

  private migrate(): void {
    this.db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
    const current = (this.db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null }).v ?? 0;
    if (current > MIGRATIONS.length) {
      throw new ScaletuneError(`database ${this.location} has schema version ${current}, newer than this scaletune understands (${MIGRATIONS.length}); upgrade scaletune`, 2);
    }
    if (current === MIGRATIONS.length) return;
    this.db
      .transaction(() => {
        // re-read inside the lock: another process may have migrated meanwhile
        const v = (this.db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null }).v ?? 0;
        for (let i = v; i < MIGRATIONS.length; i++) {
          this.db.exec(MIGRATIONS[i]!);
          this.db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(i + 1, Date.now());
        }
      })
      .immediate();
  }

  /** Every write goes through here, so a database that became read-only is refused by name. */
  private immediate<T>(fn: () => T): T {
    try {
      return this.db.transaction(fn).immediate();
    } catch (e) {
      throw fileProblem(this.location, e);
    }
  }

  async createStudy(input: { name: string; config: StudyConfig; seed: number; cwd: string; artifactsDir: string }): Promise<StudyRecord> {
    return this.immediate(() => {
      const exists = this.db.prepare('SELECT 1 FROM studies WHERE name = ?').get(input.name);
      if (exists) throw new UsageError(`a study named '${input.name}' already exists in ${this.location}`);
      const now = Date.now();
      const info = this.db
        .prepare('INSERT INTO studies (name, config, seed, cwd, artifacts_dir, created_at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(input.name, JSON.stringify(input.config), input.seed, input.cwd, input.artifactsDir, now);
      return { id: Number(info.lastInsertRowid), name: input.name, config: input.config, seed: input.seed, cwd: input.cwd, artifactsDir: input.artifactsDir, createdAt: now };
    });
  }

  async renameStudy(studyId: number, name: string): Promise<StudyRecord> {
    return this.immediate(() => {
      const taken = this.db.prepare('SELECT 1 FROM studies WHERE name = ? AND id != ?').get(name, studyId);
      if (taken) throw new UsageError(`a study named '${name}' already exists in ${this.location}`);
      if (this.db.prepare('UPDATE studies SET name = ? WHERE id = ?').run(name, studyId).changes === 0) throw new UsageError(`no study with id ${studyId}`);
      return studyFromRow(this.db.prepare('SELECT * FROM studies WHERE id = ?').get(studyId) as Row);
    });
  }

  async deleteStudy(studyId: number): Promise<void> {
    this.immediate(() => {
      const ofTrials = 'trial_id IN (SELECT id FROM trials WHERE study_id = ?)';
      for (const sql of [`DELETE FROM metrics WHERE ${ofTrials}`, `DELETE FROM trial_logs WHERE ${ofTrials}`, `DELETE FROM trial_attrs WHERE ${ofTrials}`, 'DELETE FROM lineage WHERE study_id = ?', 'DELETE FROM events WHERE study_id = ?', 'DELETE FROM llm_calls WHERE study_id = ?', 'DELETE FROM fits WHERE study_id = ?', 'DELETE FROM study_attrs WHERE study_id = ?', 'DELETE FROM trials WHERE study_id = ?', 'DELETE FROM studies WHERE id = ?']) {
        this.db.prepare(sql).run(studyId);
      }
    });
  }

  async getStudy(name: string): Promise<StudyRecord | null> {
    const r = this.db.prepare('SELECT * FROM studies WHERE name = ?').get(name) as Row | undefined;
    return r ? studyFromRow(r) : null;
  }

  async listStudies(): Promise<StudySummary[]> {
    const BEST_CANDIDATE = "state='COMPLETE' AND infeasible IS NULL AND (scale IS NULL OR json_extract(scale, '$.role') IS NULL)";
    const studies = (this.db.prepare('SELECT * FROM studies ORDER BY id').all() as Row[]).map(studyFromRow);
    const counts = this.db.prepare('SELECT study_id, state, COUNT(*) AS n FROM trials GROUP BY study_id, state').all() as { study_id: number; state: TrialState; n: number }[];
    const agg = this.db
      .prepare(
        // a ladder's verify runs and branches are outside the search: never a study's best
        `SELECT study_id, MIN(CASE WHEN ${BEST_CANDIDATE} THEN value END) AS lo, MAX(CASE WHEN ${BEST_CANDIDATE} THEN value END) AS hi,
                MAX(COALESCE(finished_at, heartbeat_at, started_at, created_at)) AS last FROM trials GROUP BY study_id`,
      )
      .all() as { study_id: number; lo: number | null; hi: number | null; last: number | null }[];
    return studies.map((s) => {
      const c = Object.fromEntries(TRIAL_STATES.map((st) => [st, 0])) as Record<TrialState, number>;
      for (const row of counts) if (row.study_id === s.id) c[row.state] = row.n;
      const a = agg.find((x) => x.study_id === s.id);
      const best = !s.config.metric || !a ? null : s.config.metric.goal === 'maximize' ? a.hi : a.lo;
      return { ...s, counts: c, best, lastActivity: a?.last ?? null };
    });
  }

  private nextNumber(studyId: number): number {
    const r = this.db.prepare('SELECT MAX(number) AS n FROM trials WHERE study_id = ?').get(studyId) as { n: number | null };
    return (r.n ?? -1) + 1;
  }

  private row(trialId: number): Trial | undefined {
    const r = this.db.prepare('SELECT * FROM trials WHERE id = ?').get(trialId) as Row | undefined;
    return r ? trialFromRow(r) : undefined;
  }

  async claimWaiting(studyId: number, worker: string): Promise<Trial | null> {
    return this.immediate(() => {
      const r = this.db.prepare("SELECT id FROM trials WHERE study_id = ? AND state = 'WAITING' ORDER BY COALESCE(stop_at, 0), number LIMIT 1").get(studyId) as { id: number } | undefined;
      if (!r) return null;
      const now = Date.now();
      this.db.prepare("UPDATE trials SET state = 'RUNNING', worker = ?, started_at = ?, heartbeat_at = ? WHERE id = ?").run(worker, now, now, r.id);
      return this.row(r.id)!;
    });
  }

  async createRunning(studyId: number, t: NewTrial & { worker: string }, policy: ClaimPolicy = {}): Promise<Trial | null> {
    const key = canonicalJson(t.params);
    const scaleName = policy.perScale && typeof t.scale?.name === 'string' ? t.scale.name : null;
    // a scale's cap counts its search: its verify runs and branches are not new configurations
    const sameScale = scaleName === null ? '' : " AND json_extract(scale, '$.name') = ? AND json_extract(scale, '$.role') IS NULL";
    const extra = scaleName === null ? [] : [scaleName];
    return this.immediate(() => {
      if (policy.seen !== undefined && (this.db.prepare('SELECT COUNT(*) AS n FROM trials WHERE study_id = ?').get(studyId) as { n: number }).n !== policy.seen) return null;
      if (policy.runCap !== undefined) {
        const n = (this.db.prepare(`SELECT COUNT(*) AS n FROM trials WHERE study_id = ? AND state != 'STALE'${sameScale}`).get(studyId, ...extra) as { n: number }).n;
        if (n >= policy.runCap) return null;
      }
      if (policy.unique && this.db.prepare(`SELECT 1 FROM trials WHERE study_id = ? AND state != 'STALE' AND params_key = ?${sameScale}`).get(studyId, key, ...extra)) return null;
      const now = Date.now();
      const info = this.db
        .prepare(
          `INSERT INTO trials (study_id, number, state, params, params_key, scale, worker, heartbeat_at, created_at, started_at, member, stop_at)
           VALUES (?, ?, 'RUNNING', ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(studyId, this.nextNumber(studyId), JSON.stringify(t.params), key, t.scale ? JSON.stringify(t.scale) : null, t.worker, now, now, now, t.member ?? null, t.stopAt ?? null);
      return this.row(Number(info.lastInsertRowid))!;
    });
  }

  private insertWaiting(studyId: number, t: NewTrial & { retryOf?: number; resumeFrom?: string | null }): Trial {
    const info = this.db
      .prepare(
        `INSERT INTO trials (study_id, number, state, params, params_key, scale, created_at, retry_of, resume_from, member, stop_at)
         VALUES (?, ?, 'WAITING', ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(studyId, this.nextNumber(studyId), JSON.stringify(t.params), canonicalJson(t.params), t.scale ? JSON.stringify(t.scale) : null, Date.now(), t.retryOf ?? null, t.resumeFrom ?? null, t.member ?? null, t.stopAt ?? null);
    return this.row(Number(info.lastInsertRowid))!;
  }

  async enqueue(studyId: number, t: NewTrial & { retryOf?: number; resumeFrom?: string | null }): Promise<Trial> {
    return this.immediate(() => this.insertWaiting(studyId, t));
  }

  async requeue(trialId: number, reason: string): Promise<Trial> {
    return this.immediate(() => {
      const r = this.row(trialId);
      if (!r) throw new UsageError(`no trial with id ${trialId}`);
      if (r.state !== 'RUNNING') throw new FrozenTrialError(`trial ${r.number} is ${r.state.toLowerCase()}, not running; only a running trial can be re-queued`);
      this.db.prepare("UPDATE trials SET state = 'STALE', finished_at = ?, error = ?, pid = NULL WHERE id = ?").run(Date.now(), reason, trialId);
      return this.insertWaiting(r.studyId, { params: r.params, scale: r.scale, retryOf: trialId, resumeFrom: r.checkpoint ?? r.resumeFrom, member: r.member, stopAt: r.stopAt });
    });
  }

  async heartbeat(trialIds: readonly number[], worker: string): Promise<void> {
    if (trialIds.length === 0) return;
    const now = Date.now();
    const stmt = this.db.prepare("UPDATE trials SET heartbeat_at = ? WHERE id = ? AND worker = ? AND state = 'RUNNING'");
    this.immediate(() => {
      for (const id of trialIds) stmt.run(now, id, worker);
    });
  }

  async setTrialPid(trialId: number, pid: number | null): Promise<void> {
    this.db.prepare('UPDATE trials SET pid = ? WHERE id = ?').run(pid, trialId);
  }

  async setCheckpoint(trialId: number, checkpoint: string): Promise<void> {
    this.db.prepare('UPDATE trials SET checkpoint = ? WHERE id = ?').run(checkpoint, trialId);
  }

  private assertOpen(trialId: number): Trial {
    const r = this.row(trialId);
    if (!r) throw new UsageError(`no trial with id ${trialId}`);
    if (isFinished(r.state)) throw new FrozenTrialError(`trial ${r.number} is already finished (${r.state.toLowerCase()}); a finished trial cannot be changed`);
    return r;
  }

  async addMetrics(trialId: number, metrics: readonly MetricInput[]): Promise<void> {
    if (metrics.length === 0) return;
    const stmt = this.db.prepare('INSERT INTO metrics (trial_id, step, name, value, tokens, at) VALUES (?, ?, ?, ?, ?, ?)');
    const now = Date.now();
    this.immediate(() => {
      this.assertOpen(trialId);
      for (const m of metrics) stmt.run(trialId, m.step, m.name, finiteOrNull(m.value), m.tokens ?? null, now);
    });
  }

  async appendLogs(trialId: number, lines: readonly { stream: LogLine['stream']; line: string }[]): Promise<void> {
    if (lines.length === 0) return;
    const stmt = this.db.prepare('INSERT INTO trial_logs (trial_id, stream, line, at) VALUES (?, ?, ?, ?)');
    const now = Date.now();
    this.immediate(() => {
      for (const l of lines) stmt.run(trialId, l.stream, l.line, now);
    });
  }

  async finishTrial(trialId: number, result: FinishResult): Promise<Trial> {
    return this.immediate(() => {
      const r = this.assertOpen(trialId);
      if (r.state === 'WAITING') throw new UsageError(`trial ${r.number} is waiting and was never started; claim it (ask) first`);
      this.db
        .prepare('UPDATE trials SET state = ?, value = ?, error = ?, metric_values = ?, infeasible = ?, finished_at = ?, pid = NULL WHERE id = ?')
        .run(result.state, finiteOrNull(result.value), result.error ?? null, valuesJson(result.values), result.infeasible ?? null, Date.now(), trialId);
      return this.row(trialId)!;
    });
  }

  async getTrial(trialId: number): Promise<Trial | null> {
    return this.row(trialId) ?? null;
  }

  async getTrialByNumber(studyId: number, number: number): Promise<Trial | null> {
    const r = this.db.prepare('SELECT * FROM trials WHERE study_id = ? AND number = ?').get(studyId, number) as Row | undefined;
    return r ? trialFromRow(r) : null;
  }

  async getTrials(studyId: number): Promise<Trial[]> {
    return (this.db.prepare('SELECT * FROM trials WHERE study_id = ? ORDER BY number').all(studyId) as Row[]).map(trialFromRow);
  }

  async getMetrics(studyId: number, trialId?: number): Promise<Metric[]> {
    const rows = (
      trialId === undefined
        ? this.db
            .prepare('SELECT m.* FROM metrics m JOIN trials t ON t.id = m.trial_id WHERE t.study_id = ? ORDER BY m.trial_id, m.step, m.rowid')
            .all(studyId)
        : this.db.prepare('SELECT * FROM metrics WHERE trial_id = ? ORDER BY step, rowid').all(trialId)
    ) as { trial_id: number; step: number; name: string; value: number | null; tokens: number | null; at: number }[];
    return rows.map((r) => ({ trialId: r.trial_id, step: r.step, name: r.name, value: r.value, tokens: r.tokens, at: r.at }));
  }

  async getLogs(trialId: number): Promise<LogLine[]> {
    const rows = this.db.prepare('SELECT * FROM trial_logs WHERE trial_id = ? ORDER BY id').all(trialId) as { id: number; trial_id: number; stream: LogLine['stream']; line: string; at: number }[];
    return rows.map((r) => ({ trialId: r.trial_id, seq: r.id, stream: r.stream, line: r.line, at: r.at }));
  }

  async setStudyAttr(studyId: number, key: string, value: unknown): Promise<void> {
    this.db.prepare('INSERT INTO study_attrs (study_id, key, value) VALUES (?, ?, ?) ON CONFLICT (study_id, key) DO UPDATE SET value = excluded.value').run(studyId, key, JSON.stringify(value));
  }

  async getStudyAttrs(studyId: number): Promise<Record<string, unknown>> {
    const rows = this.db.prepare('SELECT key, value FROM study_attrs WHERE study_id = ? ORDER BY key').all(studyId) as { key: string; value: string }[];
    return Object.fromEntries(rows.map((r) => [r.key, JSON.parse(r.value)]));
  }

  async setTrialAttr(trialId: number, key: string, value: unknown): Promise<void> {
    this.db.prepare('INSERT INTO trial_attrs (trial_id, key, value) VALUES (?, ?, ?) ON CONFLICT (trial_id, key) DO UPDATE SET value = excluded.value').run(trialId, key, JSON.stringify(value));
  }

  async getTrialAttrs(trialId: number): Promise<Record<string, unknown>> {
    const rows = this.db.prepare('SELECT key, value FROM trial_attrs WHERE trial_id = ? ORDER BY key').all(trialId) as { key: string; value: string }[];
    return Object.fromEntries(rows.map((r) => [r.key, JSON.parse(r.value)]));
  }

  async logEvent(studyId: number, trialId: number | null, who: string, kind: string, detail: Record<string, unknown> | null = null): Promise<void> {
    this.db.prepare('INSERT INTO events (study_id, trial_id, at, who, kind, detail) VALUES (?, ?, ?, ?, ?, ?)').run(studyId, trialId, Date.now(), who, kind, detail ? JSON.stringify(detail) : null);
  }

  async getEvents(studyId: number): Promise<StudyEvent[]> {
    const rows = this.db.prepare('SELECT * FROM events WHERE study_id = ? ORDER BY id').all(studyId) as {
      id: number;
      study_id: number;
      trial_id: number | null;
      at: number;
      who: string;
      kind: string;
      detail: string | null;
    }[];
    return rows.map((r) => ({ id: r.id, studyId: r.study_id, trialId: r.trial_id, at: r.at, who: r.who, kind: r.kind, detail: r.detail ? JSON.parse(r.detail) : null }));
  }

  async addLineage(e: NewLineage): Promise<LineageEntry> {
    const at = Date.now();
    const info = this.db
      .prepare(
        `INSERT INTO lineage (study_id, member, step, kind, donor, donor_step, params_before, params_after, scores, trial_id, next_trial_id, at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(e.studyId, e.member, e.step, e.kind, e.donor, e.donorStep, JSON.stringify(e.paramsBefore), JSON.stringify(e.paramsAfter), JSON.stringify(e.scores), e.trialId, e.nextTrialId, at);
    return { ...structuredClone(e), id: Number(info.lastInsertRowid), at };
  }

  async getLineage(studyId: number): Promise<LineageEntry[]> {
    return (this.db.prepare('SELECT * FROM lineage WHERE study_id = ? ORDER BY id').all(studyId) as Row[]).map(lineageFromRow);
  }

  async addLlmCall(c: NewLlmCall): Promise<LlmCall> {
    const at = Date.now();
    const info = this.db
      .prepare(
        `INSERT INTO llm_calls (study_id, at, key, purpose, model, request, response, status, recorded, error, prompt_tokens, completion_tokens, cost, latency_ms, attempts)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(c.studyId, at, c.key, c.purpose, c.model, JSON.stringify(c.request), c.response, c.status, c.recorded ? 1 : 0, c.error, c.promptTokens, c.completionTokens, c.cost, c.latencyMs, c.attempts);
    return { ...structuredClone(c), id: Number(info.lastInsertRowid), at };
  }

  async getLlmCalls(studyId: number): Promise<LlmCall[]> {
    return (this.db.prepare('SELECT * FROM llm_calls WHERE study_id = ? ORDER BY id').all(studyId) as Record<string, unknown>[]).map((r) => llmCallFromRow(r));
  }

  async findLlmRecording(key: string): Promise<LlmCall | null> {
    const r = this.db.prepare("SELECT * FROM llm_calls WHERE key = ? AND recorded = 1 AND status = 'ok' ORDER BY id DESC LIMIT 1").get(key) as Record<string, unknown> | undefined;
    return r ? llmCallFromRow(r) : null;
  }

  async saveFit(fit: NewFit): Promise<StoredFit> {
    const now = Date.now();
    const info = this.db
      .prepare('INSERT INTO fits (study_id, law, source, spec, points, result, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(fit.studyId, fit.law, JSON.stringify(fit.source), JSON.stringify(fit.spec), JSON.stringify(fit.points), JSON.stringify(fit.result), now);
    return { ...fit, id: Number(info.lastInsertRowid), createdAt: now };
  }

  async getFit(id: number): Promise<StoredFit | null> {
    return fitFromRow(this.db.prepare('SELECT * FROM fits WHERE id = ?').get(id) as never);
  }

  async latestFit(law: string): Promise<StoredFit | null> {
    return fitFromRow(this.db.prepare('SELECT * FROM fits WHERE law = ? ORDER BY id DESC LIMIT 1').get(law) as never);
  }

  async listFits(): Promise<StoredFit[]> {
    return (this.db.prepare('SELECT * FROM fits ORDER BY id').all() as never[]).map((r) => fitFromRow(r)!);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
