/**
 * The PostgreSQL server the tests use: SCALETUNE_TEST_PG (a postgres:// URL; .ci/run starts Debian's
 * server and sets it). Each storage gets a schema of its own, so tests never see each other's rows.
 * Without the variable the PostgreSQL tests are skipped locally, and fail in CI.
 */
import { randomBytes } from 'node:crypto';

export const PG_URL = process.env.SCALETUNE_TEST_PG ?? null;
export const PG_MISSING = 'PostgreSQL tests need SCALETUNE_TEST_PG=postgres://user:pass@127.0.0.1:5432/db (.ci/run starts a server and sets it)';

/** A fresh schema on the test server. */
export function pgUrl(prefix = 't'): string {
  if (!PG_URL) throw new Error(PG_MISSING);
  const u = new URL(PG_URL);
  u.searchParams.set('schema', `${prefix}_${randomBytes(6).toString('hex')}`);
  return u.toString();
}
