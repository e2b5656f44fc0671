/** Waiting for a state instead of sleeping a fixed time (machines under load are slow). */
import Database from 'better-sqlite3';

/** Resolve once `check` is true; poll every `everyMs`. */
export async function until(check: () => Promise<boolean> | boolean, timeoutMs = 60_000, everyMs = 50): Promise<void> {
  const t0 = Date.now();
  while (!(await check())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Resolve once `sql` returns a row from the SQLite file at `db` (read-only; a missing file is not yet). */
export function untilRow(db: string, sql: string, timeoutMs = 30_000): Promise<void> {
  return until(() => {
    try {
      const d = new Database(db, { readonly: true, fileMustExist: true });
      try {
        return Boolean(d.prepare(sql).get());
      } finally {
        d.close();
      }
    } catch {
      return false;
    }
  }, timeoutMs, 25);
}
