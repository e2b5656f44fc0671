import { spawn } from 'node:child_process';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SCHEMA_VERSION, SqliteStorage } from '../../src/storage/sqlite.js';
import { makeStudy, ROOT, tmpDir, trainerConfig } from '../helpers/fixtures.js';
import { storageContract } from './contract.js';

storageContract('sqlite', () => new SqliteStorage(path.join(tmpDir(), 'scaletune.db')));

describe('SqliteStorage', () => {
  it('uses WAL and records its schema version; reopening migrates nothing twice', async () => {
    const file = path.join(tmpDir(), 'a.db');
    await new SqliteStorage(file).close();
    await new SqliteStorage(file).close();
    const db = new Database(file);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.prepare('SELECT version FROM schema_migrations').all()).toEqual(Array.from({ length: SCHEMA_VERSION }, (_, i) => ({ version: i + 1 })));
    db.close();
  });

  it('refuses a database from a newer scaletune', async () => {
    const file = path.join(tmpDir(), 'b.db');
    await new SqliteStorage(file).close();
    const db = new Database(file);
    db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, 0)').run(SCHEMA_VERSION + 5);
    db.close();
    expect(() => new SqliteStorage(file)).toThrow(/newer than this scaletune understands/);
  });

  it('4 processes claiming from one file: every trial claimed exactly once, no lock errors', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'shared.db');
    const s = new SqliteStorage(file);
    const study = await makeStudy(s, trainerConfig(), 'shared', dir);
    const N = 400;
    for (let i = 0; i < N; i++) await s.enqueue(study.id, { params: { i } });
    await s.close();

    const script = `
      import { SqliteStorage } from ${JSON.stringify(path.join(ROOT, 'dist/src/storage/sqlite.js'))};
      const s = new SqliteStorage(process.argv[1]);
      // start together, so that the claims really race
      await new Promise((r) => setTimeout(r, Math.max(0, Number(process.argv[2]) - Date.now())));
      const got = [];
      for (;;) {
        const t = await s.claimWaiting(${study.id}, 'worker-' + process.pid);
        if (!t) break;
        await s.addMetrics(t.id, [{ step: 1, name: 'loss', value: 1 }]);
        await s.finishTrial(t.id, { state: 'COMPLETE', value: t.params.i });
        got.push(t.number);
      }
      process.stdout.write(JSON.stringify(got));
      await s.close();`;
    const startAt = String(Date.now() + 2000);
    const runs = await Promise.all(
      Array.from({ length: 4 }, () => new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
        const p = spawn(process.execPath, ['--input-type=module', '-e', script, file, startAt]);
        let out = '';
        let err = '';
        p.stdout.on('data', (c) => (out += c));
        p.stderr.on('data', (c) => (err += c));
        p.on('close', (code) => resolve({ code, out, err }));
      })),
    );
    for (const r of runs) expect(r.err).toBe('');
    expect(runs.map((r) => r.code)).toEqual([0, 0, 0, 0]);
    const claimed = runs.flatMap((r) => JSON.parse(r.out) as number[]);
    expect(claimed.length).toBe(N);
    expect(new Set(claimed).size).toBe(N);
    // the work really was shared
    expect(runs.filter((r) => (JSON.parse(r.out) as number[]).length > 0).length).toBeGreaterThan(1);
    const check = new SqliteStorage(file);
    const trials = await check.getTrials(study.id);
    expect(trials.every((t) => t.state === 'COMPLETE')).toBe(true);
    expect((await check.getMetrics(study.id)).length).toBe(N);
    await check.close();
  });
});
