import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { ScaletuneError } from '../../src/core/errors.js';
import { SCHEMA_VERSION, SqliteStorage } from '../../src/storage/sqlite.js';
import { makeStudy, ROOT, tmpDir, trainerConfig } from '../helpers/fixtures.js';
import { makeReadOnly } from '../helpers/read-only.js';
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

describe('SqliteStorage refuses a path that cannot hold its database, naming it (exit 2)', () => {
  const refusal = (file: string, create = true): ScaletuneError => {
    try {
      new SqliteStorage(file, { create });
    } catch (e) {
      return e as ScaletuneError;
    }
    throw new Error(`${file} was opened`);
  };

  it('a text file, a folder, a file where a folder should be, an empty path', () => {
    const dir = tmpDir();
    const text = path.join(dir, 'notes.db');
    writeFileSync(text, 'hello\n');
    const e = refusal(text, false);
    expect(e.exitCode).toBe(2);
    expect(e.message).toBe(`database ${text}: is not a SQLite database (it does not start with "SQLite format 3"); allowed: a database scaletune made, or a new path`);
    expect(readFileSync(text, 'utf8')).toBe('hello\n');
    expect(refusal(dir).message).toContain(`database ${dir}: is a folder`);
    expect(refusal(path.join(text, 'x.db')).message).toContain(`database ${path.join(text, 'x.db')}: ${text} is a file, not a folder`);
    expect(refusal('').message).toContain('database path is empty');
  });

  it('a read-only database reads, refuses writes by name; a read-only folder gets no new database', async (ctx) => {
    const dir = tmpDir();
    const file = path.join(dir, 'ro.db');
    const s = new SqliteStorage(file);
    await makeStudy(s, trainerConfig(), 'kept', dir);
    await s.close();
    const undo = makeReadOnly(file);
    if (!undo) return ctx.skip();
    try {
      const ro = new SqliteStorage(file, { create: false });
      expect((await ro.listStudies()).map((x) => x.name)).toEqual(['kept']);
      const e = await makeStudy(ro, trainerConfig(), 'new', dir).then(() => null, (x: ScaletuneError) => x);
      expect(e?.exitCode).toBe(2);
      expect(e?.message).toContain(`database ${file}: is read-only`);
      await ro.close();
    } finally {
      undo();
    }
    const folder = path.join(dir, 'ro');
    mkdirSync(folder);
    const undoFolder = makeReadOnly(folder)!;
    try {
      expect(refusal(path.join(folder, 'new.db')).message).toBe(`database ${path.join(folder, 'new.db')}: cannot create it: the folder ${folder} is read-only; allowed: a path in a folder you can write`);
    } finally {
      undoFolder();
    }
  });
});
