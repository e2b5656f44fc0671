import { describe, expect, it } from 'vitest';
import { PostgresStorage, redactUrl } from '../../src/storage/postgres.js';
import { openStorage } from '../../src/storage/index.js';
import { PG_MISSING, PG_URL, pgUrl } from '../helpers/postgres.js';
import { makeStudy, trainerConfig } from '../helpers/fixtures.js';
import { storageContract } from './contract.js';

const run = Boolean(PG_URL) || Boolean(process.env.CI);

describe.skipIf(!run)('PostgreSQL storage', () => {
  it('has a server to talk to', () => expect(PG_URL, PG_MISSING).toBeTruthy());
});
if (run) storageContract('postgres', () => new PostgresStorage(pgUrl()));

describe.skipIf(!run)('PostgresStorage', () => {
  it('a global run_cap holds across 8 storages (8 connection pools) claiming at once: no trial over the cap, numbers unique', async () => {
    const url = pgUrl('cap');
    const first = new PostgresStorage(url);
    const study = await makeStudy(first, trainerConfig({ run_cap: 20 }));
    const pools = Array.from({ length: 8 }, () => new PostgresStorage(url));
    const made = await Promise.all(
      pools.map(async (s, w) => {
        const mine = [];
        for (let i = 0; i < 10; i++) {
          const t = await s.createRunning(study.id, { params: { lr: w * 100 + i }, worker: `w${w}` }, { runCap: 20 });
          if (t) mine.push(t.number);
        }
        return mine;
      }),
    );
    const numbers = made.flat().sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: 20 }, (_, i) => i));
    // waiting trials: each claimed exactly once, by SKIP LOCKED
    for (let i = 0; i < 12; i++) await first.enqueue(study.id, { params: { lr: -i } });
    const claimed = (await Promise.all(pools.map(async (s, w) => { const got = []; for (;;) { const t = await s.claimWaiting(study.id, `w${w}`); if (!t) return got; got.push(t.id); } }))).flat();
    expect(claimed).toHaveLength(12);
    expect(new Set(claimed).size).toBe(12);
    await Promise.all([first, ...pools].map((s) => s.close()));
  }, 60_000);

  it('names the server without its password, and says so when it cannot connect', async () => {
    expect(redactUrl('postgres://me:s3cret@db:5432/x')).toBe('postgres://me:***@db:5432/x');
    const s = openStorage('postgres://me:s3cret@127.0.0.1:1/nothing');
    await expect(s.listStudies()).rejects.toThrow(/^cannot connect to postgres:\/\/me:\*\*\*@127\.0\.0\.1:1\/nothing: /);
    await s.close();
    expect(() => openStorage('mysql://x')).toThrow(/unknown kind of database/);
  });
});
