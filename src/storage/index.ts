import { MemoryStorage } from './memory.js';
import { SqliteStorage } from './sqlite.js';
import { PostgresStorage, redactUrl } from './postgres.js';
import type { Storage } from './types.js';
import { UsageError } from '../core/errors.js';

export type { Storage, TrialStore, EventLog, LineageStore, LlmCallStore, FitStore, ClaimPolicy, StudyRecord, StudySummary, MetricInput, FinalState, NewTrial } from './types.js';
export { MemoryStorage, PostgresStorage, SqliteStorage };

/** Open the storage a `--db` value names: `:memory:`, a SQLite file path, or a postgres:// URL; `readOnly` refuses every write at the database. */
export function openStorage(location: string, opts: { create?: boolean; readOnly?: boolean } = {}): Storage {
  if (location === ':memory:') return new MemoryStorage();
  if (/^postgres(ql)?:\/\//.test(location)) {
    try {
      new URL(location);
    } catch {
      throw new UsageError(`--db ${redactUrl(location)}: not a valid URL; allowed: postgres://user:password@host:5432/database[?schema=name]`);
    }
    return new PostgresStorage(location, { readOnly: opts.readOnly ?? false });
  }
  if (/^\w+:\/\//.test(location)) throw new UsageError(`--db ${location}: unknown kind of database; allowed: a SQLite file path, :memory:, or postgres://user:password@host:5432/database`);
  return new SqliteStorage(location, opts);
}
