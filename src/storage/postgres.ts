/**
 * PostgreSQL storage (`--db postgres://user:pass@host:5432/db[?schema=name]`, the `pg` package): the
 * same contract as SQLite, for studies shared by workers on many machines. Every trial insert takes the
 * study's row lock, so trial numbers and a global run_cap hold across all workers (Optuna counts a
 * budget per worker); waiting trials are claimed with `FOR UPDATE SKIP LOCKED`, so workers never wait
 * on each other's claims. Migrations are versioned as in SQLite and serialised by an advisory lock.
 */
import pg from 'pg';
import type { StudyConfig } from '../config/index.js';
import { canonicalJson } from '../core/distributions.js';
import { redactUrl } from '../core/hint.js';
import { FrozenTrialError, ScaletuneError, UsageError } from '../core/errors.js';
import { isFinished, TRIAL_STATES, type LineageEntry, type LogLine, type Metric, type StudyEvent, type Trial, type TrialState } from '../core/trial.js';
import { fitFromRow, lineageFromRow, llmCallFromRow, studyFromRow, trialFromRow, valuesJson, type Row } from './rows.js';
import type { ClaimPolicy, FinishResult, LlmCall, MetricInput, NewFit, NewLineage, NewLlmCall, NewTrial, Storage, StoredFit, StudyRecord, StudySummary } from './types.js';

const MIGRATIONS: string[] = [
  `
  CREATE TABLE studies (id BIGSERIAL PRIMARY KEY, name TEXT NOT NULL UNIQUE, config TEXT NOT NULL, seed BIGINT NOT NULL, cwd TEXT NOT NULL, artifacts_dir TEXT NOT NULL, created_at BIGINT NOT NULL);
  CREATE TABLE trials (
    id BIGSERIAL PRIMARY KEY, study_id BIGINT NOT NULL REFERENCES studies(id), number INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('WAITING','RUNNING','COMPLETE','PRUNED','FAIL','STALE')),
    params TEXT NOT NULL, params_key TEXT NOT NULL, scale TEXT, value DOUBLE PRECISION, worker TEXT, heartbeat_at BIGINT, pid INTEGER,
    created_at BIGINT NOT NULL, started_at BIGINT, finished_at BIGINT, error TEXT, retry_of BIGINT REFERENCES trials(id), checkpoint TEXT, resume_from TEXT,
    UNIQUE (study_id, number)
  );
  CREATE INDEX trials_by_state ON trials(study_id, state, number);
  CREATE TABLE metrics (id BIGSERIAL PRIMARY KEY, trial_id BIGINT NOT NULL REFERENCES trials(id), step INTEGER NOT NULL, name TEXT NOT NULL, value DOUBLE PRECISION, tokens DOUBLE PRECISION, at BIGINT NOT NULL);
  CREATE INDEX metrics_by_trial ON metrics(trial_id, step);
  CREATE TABLE trial_logs (id BIGSERIAL PRIMARY KEY, trial_id BIGINT NOT NULL REFERENCES trials(id), stream TEXT NOT NULL, line TEXT NOT NULL, at BIGINT NOT NULL);
  CREATE INDEX logs_by_trial ON trial_logs(trial_id, id);
  CREATE TABLE study_attrs (study_id BIGINT NOT NULL REFERENCES studies(id), key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (study_id, key));
  CREATE TABLE trial_attrs (trial_id BIGINT NOT NULL REFERENCES trials(id), key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (trial_id, key));
  CREATE TABLE events (id BIGSERIAL PRIMARY KEY, study_id BIGINT NOT NULL REFERENCES studies(id), trial_id BIGINT, at BIGINT NOT NULL, who TEXT NOT NULL, kind TEXT NOT NULL, detail TEXT);
  CREATE INDEX events_by_study ON events(study_id, id);
  `,
  `
  CREATE TABLE fits (id BIGSERIAL PRIMARY KEY, study_id BIGINT REFERENCES studies(id), law TEXT NOT NULL, source TEXT NOT NULL, spec TEXT NOT NULL, points TEXT NOT NULL, result TEXT NOT NULL, created_at BIGINT NOT NULL);
  CREATE INDEX fits_by_law ON fits(law, id);
  `,
  `
  ALTER TABLE trials ADD COLUMN member INTEGER;
  ALTER TABLE trials ADD COLUMN stop_at INTEGER;
  CREATE TABLE lineage (
    id BIGSERIAL PRIMARY KEY, study_id BIGINT NOT NULL REFERENCES studies(id), member INTEGER NOT NULL, step INTEGER NOT NULL, kind TEXT NOT NULL,
    donor INTEGER, donor_step INTEGER, params_before TEXT NOT NULL, params_after TEXT NOT NULL, scores TEXT NOT NULL,
    trial_id BIGINT REFERENCES trials(id), next_trial_id BIGINT REFERENCES trials(id), at BIGINT NOT NULL
  );
  CREATE INDEX lineage_by_study ON lineage(study_id, id);
  `,
  `
  CREATE TABLE llm_calls (
    id BIGSERIAL PRIMARY KEY, study_id BIGINT NOT NULL REFERENCES studies(id), at BIGINT NOT NULL, key TEXT NOT NULL, purpose TEXT NOT NULL, model TEXT NOT NULL,
    request TEXT NOT NULL, response TEXT, status TEXT NOT NULL, recorded BOOLEAN NOT NULL DEFAULT FALSE, error TEXT,
    prompt_tokens INTEGER, completion_tokens INTEGER, cost DOUBLE PRECISION, latency_ms INTEGER, attempts INTEGER
  );
  CREATE INDEX llm_calls_by_study ON llm_calls(study_id, id);
  CREATE INDEX llm_calls_by_key ON llm_calls(key, recorded);
  `,
  `
  ALTER TABLE trials ADD COLUMN metric_values TEXT;
  ALTER TABLE trials ADD COLUMN infeasible TEXT;
  `,
];

export const PG_SCHEMA_VERSION = MIGRATIONS.length;

type Q = { query: (text: string, values?: unknown[]) => Promise<pg.QueryResult<Row>> };

/** BIGINT (ids, times in ms) as numbers: they stay far below 2^53. */
const TYPES = {
  getTypeParser: (oid: number, format?: string) => (oid === 20 ? (v: string) => Number(v) : (pg.types.getTypeParser as (o: number, f?: string) => unknown)(oid, format)),
} as unknown as pg.CustomTypesConfig;

const finiteOrNull = (v: number | null | undefined): number | null => (v === undefined || v === null || Number.isNaN(v) ? null : v);
const json = (v: unknown): string => JSON.stringify(v);

// the URL with its password hidden, for messages; hints print it the same way
export { redactUrl };

export class PostgresStorage implements Storage {
  readonly location: string;
  private readonly pool: pg.Pool;
  private ready: Promise<void> | null = null;
  private readonly schema: string | null;

  private readonly readOnly: boolean;

  /** `readOnly`: every transaction read-only on the server (the dashboard); no schema is created or migrated. */
  constructor(url: string, opts: { max?: number; readOnly?: boolean } = {}) {
    this.readOnly = opts.readOnly ?? false;
    this.location = redactUrl(url);
    const u = new URL(url);
    this.schema = u.searchParams.get('schema');
    if (this.schema !== null && !/^[a-z_][a-z0-9_]{0,62}$/.test(this.schema)) throw new UsageError(`--db ${this.location}: schema ${this.schema} is not allowed; allowed: lower-case letters, digits and _`);
    u.searchParams.delete('schema');
    this.pool = new pg.Pool({ connectionString: u.toString(), max: opts.max ?? 4, types: TYPES, connectionTimeoutMillis: 15_000, ...(this.schema || this.readOnly ? { options: [this.schema ? `-c search_path=${this.schema}` : '', this.readOnly ? '-c default_transaction_read_only=on' : ''].filter(Boolean).join(' ') } : {}) });
    this.pool.on('error', () => undefined); // an idle client's error surfaces at its next query
  }

  private async init(): Promise<void> {
    let c: pg.PoolClient;
    try {
      c = await this.pool.connect();
    } catch (e) {
      throw new ScaletuneError(`cannot connect to ${this.location}: ${(e as Error).message}`, 2);
    }
    try {
      if (this.readOnly) {
        const exists = (await c.query("SELECT to_regclass('schema_migrations') AS t")).rows[0]?.t;
        if (!exists) throw new ScaletuneError(`${this.location} holds no scaletune tables (no schema_migrations)`, 2);
        const v = ((await c.query('SELECT MAX(version) AS v FROM schema_migrations')).rows[0]?.v as number | null) ?? 0;
        if (v !== MIGRATIONS.length) throw new ScaletuneError(`database ${this.location} has schema version ${v}, ${v > MIGRATIONS.length ? 'newer than this scaletune understands' : "older than this scaletune's"} (${MIGRATIONS.length}), and is opened read-only; ${v > MIGRATIONS.length ? 'upgrade scaletune' : `upgrade it once with any command that opens it for writing, e.g. scaletune studies --db ${this.location}`}`, 2);
        return;
      }
      if (this.schema) await c.query(`CREATE SCHEMA IF NOT EXISTS ${this.schema}`);
      await c.query('BEGIN');
      await c.query(`SELECT pg_advisory_xact_lock(${0x5c417e})`);
      await c.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)');
      const v = ((await c.query('SELECT MAX(version) AS v FROM schema_migrations')).rows[0]?.v as number | null) ?? 0;
      if (v > MIGRATIONS.length) throw new ScaletuneError(`database ${this.location} has schema version ${v}, newer than this scaletune understands (${MIGRATIONS.length}); upgrade scaletune`, 2);
      for (let i = v; i < MIGRATIONS.length; i++) {
        await c.query(MIGRATIONS[i]!);
        await c.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)', [i + 1, Date.now()]);
      }
      await c.query('COMMIT');
    } catch (e) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      c.release();
    }
  }

  /** Connected and migrated, once. */
  private async db(): Promise<Q> {
    this.ready ??= this.init();
    await this.ready;
    return this.pool;
  }

  private async tx<T>(fn: (c: Q) => Promise<T>): Promise<T> {
    await this.db();
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      const out = await fn(c);
      await c.query('COMMIT');
      return out;
    } catch (e) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      c.release();
    }
  }

  async createStudy(input: { name: string; config: StudyConfig; seed: number; cwd: string; artifactsDir: string }): Promise<StudyRecord> {
    return this.tx(async (c) => {
      if ((await c.query('SELECT 1 FROM studies WHERE name = $1', [input.name])).rowCount) throw new UsageError(`a study named '${input.name}' already exists in ${this.location}`);
      const now = Date.now();
      const r = await c.query('INSERT INTO studies (name, config, seed, cwd, artifacts_dir, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id', [input.name, json(input.config), input.seed, input.cwd, input.artifactsDir, now]);
      return { id: r.rows[0]!.id as number, name: input.name, config: input.config, seed: input.seed, cwd: input.cwd, artifactsDir: input.artifactsDir, createdAt: now };
    });
  }

  async getStudy(name: string): Promise<StudyRecord | null> {
    const r = (await (await this.db()).query('SELECT * FROM studies WHERE name = $1', [name])).rows[0];
    return r ? studyFromRow(r) : null;
  }

  async renameStudy(studyId: number, name: string): Promise<StudyRecord> {
    return this.tx(async (c) => {
      if ((await c.query('SELECT 1 FROM studies WHERE name = $1 AND id != $2', [name, studyId])).rowCount) throw new UsageError(`a study named '${name}' already exists in ${this.location}`);
      const r = await c.query('UPDATE studies SET name = $1 WHERE id = $2 RETURNING *', [name, studyId]);
      if (!r.rowCount) throw new UsageError(`no study with id ${studyId}`);
      return studyFromRow(r.rows[0]!);
    });
  }

  async deleteStudy(studyId: number): Promise<void> {
    await this.tx(async (c) => {
      await this.lockStudy(c, studyId);
      const ofTrials = 'trial_id IN (SELECT id FROM trials WHERE study_id = $1)';
      for (const sql of [`DELETE FROM metrics WHERE ${ofTrials}`, `DELETE FROM trial_logs WHERE ${ofTrials}`, `DELETE FROM trial_attrs WHERE ${ofTrials}`, 'DELETE FROM lineage WHERE study_id = $1', 'DELETE FROM events WHERE study_id = $1', 'DELETE FROM llm_calls WHERE study_id = $1', 'DELETE FROM fits WHERE study_id = $1', 'DELETE FROM study_attrs WHERE study_id = $1', 'DELETE FROM trials WHERE study_id = $1', 'DELETE FROM studies WHERE id = $1']) {
        await c.query(sql, [studyId]);
      }
    });
  }

  async listStudies(): Promise<StudySummary[]> {
    const db = await this.db();
    const studies = (await db.query('SELECT * FROM studies ORDER BY id')).rows.map(studyFromRow);
    const counts = (await db.query('SELECT study_id, state, COUNT(*)::int AS n FROM trials GROUP BY study_id, state')).rows as { study_id: number; state: TrialState; n: number }[];
    // a ladder's verify runs and branches are outside the search: never a study's best
    const BEST_CANDIDATE = "state='COMPLETE' AND infeasible IS NULL AND (scale IS NULL OR (scale::jsonb)->>'role' IS NULL)";
    const agg = (await db.query(`SELECT study_id, MIN(CASE WHEN ${BEST_CANDIDATE} THEN value END) AS lo, MAX(CASE WHEN ${BEST_CANDIDATE} THEN value END) AS hi, MAX(COALESCE(finished_at, heartbeat_at, started_at, created_at)) AS last FROM trials GROUP BY study_id`)).rows as { study_id: number; lo: number | null; hi: number | null; last: number | null }[];
    return studies.map((s) => {
      const cnt = Object.fromEntries(TRIAL_STATES.map((st) => [st, 0])) as Record<TrialState, number>;
      for (const row of counts) if (row.study_id === s.id) cnt[row.state] = row.n;
      const a = agg.find((x) => x.study_id === s.id);
      const best = !s.config.metric || !a ? null : s.config.metric.goal === 'maximize' ? a.hi : a.lo;
      return { ...s, counts: cnt, best, lastActivity: a?.last ?? null };
    });
  }

  /** The study's row lock: every trial insert of a study goes through it (numbers, run caps). */
  private async lockStudy(c: Q, studyId: number): Promise<void> {
    await c.query('SELECT id FROM studies WHERE id = $1 FOR UPDATE', [studyId]);
  }

  private async nextNumber(c: Q, studyId: number): Promise<number> {
    const r = await c.query('SELECT MAX(number) AS n FROM trials WHERE study_id = $1', [studyId]);
    return ((r.rows[0]!.n as number | null) ?? -1) + 1;
  }

  private async row(c: Q, trialId: number, lock = false): Promise<Trial | undefined> {
    const r = (await c.query(`SELECT * FROM trials WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [trialId])).rows[0];
    return r ? trialFromRow(r) : undefined;
  }

  async claimWaiting(studyId: number, worker: string): Promise<Trial | null> {
    return this.tx(async (c) => {
      const r = (await c.query("SELECT id FROM trials WHERE study_id = $1 AND state = 'WAITING' ORDER BY COALESCE(stop_at, 0), number LIMIT 1 FOR UPDATE SKIP LOCKED", [studyId])).rows[0];
      if (!r) return null;
      const now = Date.now();
      const u = await c.query("UPDATE trials SET state = 'RUNNING', worker = $1, started_at = $2, heartbeat_at = $2 WHERE id = $3 RETURNING *", [worker, now, r.id]);
      return trialFromRow(u.rows[0]!);
    });
  }

  async createRunning(studyId: number, t: NewTrial & { worker: string }, policy: ClaimPolicy = {}): Promise<Trial | null> {
    const key = canonicalJson(t.params);
    const scaleName = policy.perScale && typeof t.scale?.name === 'string' ? t.scale.name : null;
    return this.tx(async (c) => {
      await this.lockStudy(c, studyId);
      if (policy.seen !== undefined && ((await c.query('SELECT COUNT(*)::int AS n FROM trials WHERE study_id = $1', [studyId])).rows[0]!.n as number) !== policy.seen) return null;
      // a scale's cap counts its search: its verify runs and branches are not new configurations
      const same = scaleName === null ? '' : " AND (scale::jsonb)->>'name' = $3 AND (scale::jsonb)->>'role' IS NULL";
      if (policy.runCap !== undefined) {
        const n = (await c.query(`SELECT COUNT(*)::int AS n FROM trials WHERE study_id = $1 AND state != 'STALE'${same.replace('$3', '$2')}`, scaleName === null ? [studyId] : [studyId, scaleName])).rows[0]!.n as number;
        if (n >= policy.runCap) return null;
      }
      if (policy.unique && (await c.query(`SELECT 1 FROM trials WHERE study_id = $1 AND state != 'STALE' AND params_key = $2${same}`, scaleName === null ? [studyId, key] : [studyId, key, scaleName])).rowCount) return null;
      const now = Date.now();
      const r = await c.query(
        `INSERT INTO trials (study_id, number, state, params, params_key, scale, worker, heartbeat_at, created_at, started_at, member, stop_at)
         VALUES ($1, $2, 'RUNNING', $3, $4, $5, $6, $7, $7, $7, $8, $9) RETURNING *`,
        [studyId, await this.nextNumber(c, studyId), json(t.params), key, t.scale ? json(t.scale) : null, t.worker, now, t.member ?? null, t.stopAt ?? null],
      );
      return trialFromRow(r.rows[0]!);
    });
  }

  private async insertWaiting(c: Q, studyId: number, t: NewTrial & { retryOf?: number; resumeFrom?: string | null }): Promise<Trial> {
    await this.lockStudy(c, studyId);
    const r = await c.query(
      `INSERT INTO trials (study_id, number, state, params, params_key, scale, created_at, retry_of, resume_from, member, stop_at)
       VALUES ($1, $2, 'WAITING', $3, $4, $5, $6, $7, $8, $9, $10) RETURNING *`,
      [studyId, await this.nextNumber(c, studyId), json(t.params), canonicalJson(t.params), t.scale ? json(t.scale) : null, Date.now(), t.retryOf ?? null, t.resumeFrom ?? null, t.member ?? null, t.stopAt ?? null],
    );
    return trialFromRow(r.rows[0]!);
  }

  async enqueue(studyId: number, t: NewTrial & { retryOf?: number; resumeFrom?: string | null }): Promise<Trial> {
    return this.tx((c) => this.insertWaiting(c, studyId, t));
  }

  async requeue(trialId: number, reason: string): Promise<Trial> {
    return this.tx(async (c) => {
      const r = await this.row(c, trialId, true);
      if (!r) throw new UsageError(`no trial with id ${trialId}`);
      if (r.state !== 'RUNNING') throw new FrozenTrialError(`trial ${r.number} is ${r.state.toLowerCase()}, not running; only a running trial can be re-queued`);
      await c.query("UPDATE trials SET state = 'STALE', finished_at = $1, error = $2, pid = NULL WHERE id = $3", [Date.now(), reason, trialId]);
      return this.insertWaiting(c, r.studyId, { params: r.params, scale: r.scale, retryOf: trialId, resumeFrom: r.checkpoint ?? r.resumeFrom, member: r.member, stopAt: r.stopAt });
    });
  }

  async heartbeat(trialIds: readonly number[], worker: string): Promise<void> {
    if (trialIds.length === 0) return;
    await (await this.db()).query("UPDATE trials SET heartbeat_at = $1 WHERE id = ANY($2::bigint[]) AND worker = $3 AND state = 'RUNNING'", [Date.now(), [...trialIds], worker]);
  }

  async setTrialPid(trialId: number, pid: number | null): Promise<void> {
    await (await this.db()).query('UPDATE trials SET pid = $1 WHERE id = $2', [pid, trialId]);
  }

  async setCheckpoint(trialId: number, checkpoint: string): Promise<void> {
    await (await this.db()).query('UPDATE trials SET checkpoint = $1 WHERE id = $2', [checkpoint, trialId]);
  }

  private async assertOpen(c: Q, trialId: number): Promise<Trial> {
    const r = await this.row(c, trialId, true);
    if (!r) throw new UsageError(`no trial with id ${trialId}`);
    if (isFinished(r.state)) throw new FrozenTrialError(`trial ${r.number} is already finished (${r.state.toLowerCase()}); a finished trial cannot be changed`);
    return r;
  }

  async addMetrics(trialId: number, metrics: readonly MetricInput[]): Promise<void> {
    if (metrics.length === 0) return;
    const now = Date.now();
    // one statement, one round trip: the rows go in only while the trial is open (a finished trial is
    // frozen); when nothing went in, the trial says why
    const vals: unknown[] = [trialId, now];
    const rows = metrics.map((m, i) => {
      vals.push(m.step, m.name, finiteOrNull(m.value), m.tokens ?? null);
      const b = 3 + i * 4;
      return `($${b}::int, $${b + 1}::text, $${b + 2}::double precision, $${b + 3}::double precision)`;
    });
    const r = await (await this.db()).query(
      `INSERT INTO metrics (trial_id, step, name, value, tokens, at)
       SELECT $1, v.step, v.name, v.value, v.tokens, $2 FROM (VALUES ${rows.join(', ')}) AS v(step, name, value, tokens)
       WHERE EXISTS (SELECT 1 FROM trials WHERE id = $1 AND state IN ('WAITING', 'RUNNING'))`,
      vals,
    );
    if (r.rowCount === 0) await this.assertOpen(await this.db(), trialId);
  }

  async appendLogs(trialId: number, lines: readonly { stream: LogLine['stream']; line: string }[]): Promise<void> {
    if (lines.length === 0) return;
    const now = Date.now();
    const vals: unknown[] = [];
    const rows = lines.map((l, i) => {
      vals.push(trialId, l.stream, l.line, now);
      const b = i * 4;
      return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4})`;
    });
    await (await this.db()).query(`INSERT INTO trial_logs (trial_id, stream, line, at) VALUES ${rows.join(', ')}`, vals);
  }

  async finishTrial(trialId: number, result: FinishResult): Promise<Trial> {
    return this.tx(async (c) => {
      const r = await this.assertOpen(c, trialId);
      if (r.state === 'WAITING') throw new UsageError(`trial ${r.number} is waiting and was never started; claim it (ask) first`);
      const u = await c.query('UPDATE trials SET state = $1, value = $2, error = $3, metric_values = $4, infeasible = $5, finished_at = $6, pid = NULL WHERE id = $7 RETURNING *', [
        result.state,
        finiteOrNull(result.value),
        result.error ?? null,
        valuesJson(result.values),
        result.infeasible ?? null,
        Date.now(),
        trialId,
      ]);
      return trialFromRow(u.rows[0]!);
    });
  }

  async getTrial(trialId: number): Promise<Trial | null> {
    return (await this.row(await this.db(), trialId)) ?? null;
  }

  async getTrialByNumber(studyId: number, number: number): Promise<Trial | null> {
    const r = (await (await this.db()).query('SELECT * FROM trials WHERE study_id = $1 AND number = $2', [studyId, number])).rows[0];
    return r ? trialFromRow(r) : null;
  }

  async getTrials(studyId: number): Promise<Trial[]> {
    return (await (await this.db()).query('SELECT * FROM trials WHERE study_id = $1 ORDER BY number', [studyId])).rows.map(trialFromRow);
  }

  async getMetrics(studyId: number, trialId?: number): Promise<Metric[]> {
    const db = await this.db();
    const rows =
      trialId === undefined
        ? (await db.query('SELECT m.* FROM metrics m JOIN trials t ON t.id = m.trial_id WHERE t.study_id = $1 ORDER BY m.trial_id, m.step, m.id', [studyId])).rows
        : (await db.query('SELECT * FROM metrics WHERE trial_id = $1 ORDER BY step, id', [trialId])).rows;
    return rows.map((r) => ({ trialId: r.trial_id as number, step: r.step as number, name: r.name as string, value: r.value as number | null, tokens: r.tokens as number | null, at: r.at as number }));
  }

  async getLogs(trialId: number): Promise<LogLine[]> {
    const rows = (await (await this.db()).query('SELECT * FROM trial_logs WHERE trial_id = $1 ORDER BY id', [trialId])).rows;
    return rows.map((r) => ({ trialId: r.trial_id as number, seq: r.id as number, stream: r.stream as LogLine['stream'], line: r.line as string, at: r.at as number }));
  }

  async setStudyAttr(studyId: number, key: string, value: unknown): Promise<void> {
    await (await this.db()).query('INSERT INTO study_attrs (study_id, key, value) VALUES ($1, $2, $3) ON CONFLICT (study_id, key) DO UPDATE SET value = excluded.value', [studyId, key, json(value)]);
  }

  async getStudyAttrs(studyId: number): Promise<Record<string, unknown>> {
    const rows = (await (await this.db()).query('SELECT key, value FROM study_attrs WHERE study_id = $1 ORDER BY key', [studyId])).rows;
    return Object.fromEntries(rows.map((r) => [r.key as string, JSON.parse(r.value as string)]));
  }

  async setTrialAttr(trialId: number, key: string, value: unknown): Promise<void> {
    await (await this.db()).query('INSERT INTO trial_attrs (trial_id, key, value) VALUES ($1, $2, $3) ON CONFLICT (trial_id, key) DO UPDATE SET value = excluded.value', [trialId, key, json(value)]);
  }

  async getTrialAttrs(trialId: number): Promise<Record<string, unknown>> {
    const rows = (await (await this.db()).query('SELECT key, value FROM trial_attrs WHERE trial_id = $1 ORDER BY key', [trialId])).rows;
    return Object.fromEntries(rows.map((r) => [r.key as string, JSON.parse(r.value as string)]));
  }

  async logEvent(studyId: number, trialId: number | null, who: string, kind: string, detail: Record<string, unknown> | null = null): Promise<void> {
    await (await this.db()).query('INSERT INTO events (study_id, trial_id, at, who, kind, detail) VALUES ($1, $2, $3, $4, $5, $6)', [studyId, trialId, Date.now(), who, kind, detail ? json(detail) : null]);
  }

  async getEvents(studyId: number): Promise<StudyEvent[]> {
    const rows = (await (await this.db()).query('SELECT * FROM events WHERE study_id = $1 ORDER BY id', [studyId])).rows;
    return rows.map((r) => ({ id: r.id as number, studyId: r.study_id as number, trialId: r.trial_id as number | null, at: r.at as number, who: r.who as string, kind: r.kind as string, detail: r.detail ? JSON.parse(r.detail as string) : null }));
  }

  async addLineage(e: NewLineage): Promise<LineageEntry> {
    const at = Date.now();
    const r = await (await this.db()).query(
      `INSERT INTO lineage (study_id, member, step, kind, donor, donor_step, params_before, params_after, scores, trial_id, next_trial_id, at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
      [e.studyId, e.member, e.step, e.kind, e.donor, e.donorStep, json(e.paramsBefore), json(e.paramsAfter), json(e.scores), e.trialId, e.nextTrialId, at],
    );
    return { ...structuredClone(e), id: r.rows[0]!.id as number, at };
  }

  async getLineage(studyId: number): Promise<LineageEntry[]> {
    const rows = (await (await this.db()).query('SELECT * FROM lineage WHERE study_id = $1 ORDER BY id', [studyId])).rows;
    return rows.map(lineageFromRow);
  }

  async addLlmCall(c: NewLlmCall): Promise<LlmCall> {
    const at = Date.now();
    const r = await (await this.db()).query(
      `INSERT INTO llm_calls (study_id, at, key, purpose, model, request, response, status, recorded, error, prompt_tokens, completion_tokens, cost, latency_ms, attempts)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id`,
      [c.studyId, at, c.key, c.purpose, c.model, json(c.request), c.response, c.status, c.recorded, c.error, c.promptTokens, c.completionTokens, c.cost, c.latencyMs, c.attempts],
    );
    return { ...structuredClone(c), id: r.rows[0]!.id as number, at };
  }

  async getLlmCalls(studyId: number): Promise<LlmCall[]> {
    return (await (await this.db()).query('SELECT * FROM llm_calls WHERE study_id = $1 ORDER BY id', [studyId])).rows.map((r) => llmCallFromRow(r));
  }

  async findLlmRecording(key: string): Promise<LlmCall | null> {
    const r = (await (await this.db()).query("SELECT * FROM llm_calls WHERE key = $1 AND recorded AND status = 'ok' ORDER BY id DESC LIMIT 1", [key])).rows[0];
    return r ? llmCallFromRow(r) : null;
  }

  async saveFit(fit: NewFit): Promise<StoredFit> {
    const now = Date.now();
    const r = await (await this.db()).query('INSERT INTO fits (study_id, law, source, spec, points, result, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id', [fit.studyId, fit.law, json(fit.source), json(fit.spec), json(fit.points), json(fit.result), now]);
    return { ...fit, id: r.rows[0]!.id as number, createdAt: now };
  }

  async getFit(id: number): Promise<StoredFit | null> {
    return fitFromRow((await (await this.db()).query('SELECT * FROM fits WHERE id = $1', [id])).rows[0]);
  }

  async latestFit(law: string): Promise<StoredFit | null> {
    return fitFromRow((await (await this.db()).query('SELECT * FROM fits WHERE law = $1 ORDER BY id DESC LIMIT 1', [law])).rows[0]);
  }

  async listFits(): Promise<StoredFit[]> {
    return (await (await this.db()).query('SELECT * FROM fits ORDER BY id')).rows.map((r) => fitFromRow(r)!);
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => undefined);
  }
}
