/** Read a study's database after a run: open it (never creating one), hand it over, always close it. */
import { openStorage } from '../../src/storage/index.js';
import type { Storage } from '../../src/storage/types.js';

export async function withDb<T>(db: string, fn: (storage: Storage) => Promise<T>): Promise<T> {
  const storage = openStorage(db, { create: false });
  try {
    return await fn(storage);
  } finally {
    await storage.close();
  }
}
