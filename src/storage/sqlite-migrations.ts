/**
 * The SQLite schema, one migration per version, applied in order by SqliteStorage. A migration once
 * released is never edited: a change to the schema is a new entry at the end.
 */
export const MIGRATIONS: string[] = [
  // 1: the first schema
  `
  CREATE TABLE studies (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    config TEXT NOT NULL,
    seed INTEGER NOT NULL,
    cwd TEXT NOT NULL,
    artifacts_dir TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE trials (
    id INTEGER PRIMARY KEY,
    study_id INTEGER NOT NULL REFERENCES studies(id),
    number INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('WAITING','RUNNING','COMPLETE','PRUNED','FAIL','STALE')),
    params TEXT NOT NULL,
    params_key TEXT NOT NULL,
    scale TEXT,
    value REAL,
    worker TEXT,
    heartbeat_at INTEGER,
    pid INTEGER,
    created_at INTEGER NOT NULL,
    started_at INTEGER,
    finished_at INTEGER,
    error TEXT,
    retry_of INTEGER REFERENCES trials(id),
    checkpoint TEXT,
    resume_from TEXT,
    UNIQUE (study_id, number)
  );
  CREATE INDEX trials_by_state ON trials(study_id, state, number);
  CREATE TABLE metrics (
    trial_id INTEGER NOT NULL REFERENCES trials(id),
    step INTEGER NOT NULL,
    name TEXT NOT NULL,
    value REAL,
    tokens REAL,
    at INTEGER NOT NULL
  );
  CREATE INDEX metrics_by_trial ON metrics(trial_id, step);
  CREATE TABLE trial_logs (
    id INTEGER PRIMARY KEY,
    trial_id INTEGER NOT NULL REFERENCES trials(id),
    stream TEXT NOT NULL,
    line TEXT NOT NULL,
    at INTEGER NOT NULL
  );
  CREATE INDEX logs_by_trial ON trial_logs(trial_id, id);
  CREATE TABLE study_attrs (
    study_id INTEGER NOT NULL REFERENCES studies(id),
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (study_id, key)
  );
  CREATE TABLE trial_attrs (
    trial_id INTEGER NOT NULL REFERENCES trials(id),
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (trial_id, key)
  );
  CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    study_id INTEGER NOT NULL REFERENCES studies(id),
    trial_id INTEGER,
    at INTEGER NOT NULL,
    who TEXT NOT NULL,
    kind TEXT NOT NULL,
    detail TEXT
  );
  CREATE INDEX events_by_study ON events(study_id, id);
  `,
  // 2: fitted laws with their inputs
  `
  CREATE TABLE fits (
    id INTEGER PRIMARY KEY,
    study_id INTEGER REFERENCES studies(id),
    law TEXT NOT NULL,
    source TEXT NOT NULL,
    spec TEXT NOT NULL,
    points TEXT NOT NULL,
    result TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX fits_by_law ON fits(law, id);
  `,
  // 3: population-based training: segments of members, and the lineage of their exploits
  `
  ALTER TABLE trials ADD COLUMN member INTEGER;
  ALTER TABLE trials ADD COLUMN stop_at INTEGER;
  CREATE TABLE lineage (
    id INTEGER PRIMARY KEY,
    study_id INTEGER NOT NULL REFERENCES studies(id),
    member INTEGER NOT NULL,
    step INTEGER NOT NULL,
    kind TEXT NOT NULL,
    donor INTEGER,
    donor_step INTEGER,
    params_before TEXT NOT NULL,
    params_after TEXT NOT NULL,
    scores TEXT NOT NULL,
    trial_id INTEGER REFERENCES trials(id),
    next_trial_id INTEGER REFERENCES trials(id),
    at INTEGER NOT NULL
  );
  CREATE INDEX lineage_by_study ON lineage(study_id, id);
  `,
  // 4: the LLM searcher's calls: what was asked and answered (never the API key), tokens, cost; and
  // the recordings that replay answers from, keyed by a hash of (model, messages, parameters)
  `
  CREATE TABLE llm_calls (
    id INTEGER PRIMARY KEY,
    study_id INTEGER NOT NULL REFERENCES studies(id),
    at INTEGER NOT NULL,
    key TEXT NOT NULL,
    purpose TEXT NOT NULL,
    model TEXT NOT NULL,
    request TEXT NOT NULL,
    response TEXT,
    status TEXT NOT NULL,
    recorded INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    prompt_tokens INTEGER,
    completion_tokens INTEGER,
    cost REAL,
    latency_ms INTEGER,
    attempts INTEGER
  );
  CREATE INDEX llm_calls_by_study ON llm_calls(study_id, id);
  CREATE INDEX llm_calls_by_key ON llm_calls(key, recorded);
  `,
  // 5: multi-objective, constrained and cost-aware studies: each trial's last values of the metrics
  // they name (JSON), and why a trial breaks a constraint
  `
  ALTER TABLE trials ADD COLUMN metric_values TEXT;
  ALTER TABLE trials ADD COLUMN infeasible TEXT;
  `,
];
