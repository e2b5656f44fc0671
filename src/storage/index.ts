import { MemoryStorage } from './memory.js';
import { SqliteStorage } from './sqlite.js';
import type { Storage } from './types.js';
import { UsageError } from '../core/errors.js';

export type { Storage, StudyRecord, StudySummary, MetricInput, FinalState, NewTrial } from './types.js';
export { MemoryStorage, SqliteStorage };

/** Open the storage a `--db` value names: `:memory:` or a SQLite file path. */
export function openStorage(location: string, opts: { create?: boolean } = {}): Storage {
  if (location === ':memory:') return new MemoryStorage();
  if (/^postgres(ql)?:\/\//.test(location)) {
    throw new UsageError(`--db ${location}: PostgreSQL storage is not available in this version; allowed: a SQLite file path or :memory:`);
  }
  return new SqliteStorage(location, opts);
}
