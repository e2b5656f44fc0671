/** PBT through the built CLI: kill -9 in the middle, resume, and every member finishes. */
import { spawn } from 'node:child_process';
import path from 'node:path';
import Database from 'better-sqlite3';
import { untilRow } from '../helpers/wait.js';
import { describe, expect, it } from 'vitest';
import { bin } from '../helpers/bin.js';
import { BIN, ROOT, tmpDir, writeFile } from '../helpers/fixtures.js';

describe('PBT crash safety', () => {
  it('after kill -9 of scaletune, resume continues every member from its last recorded checkpoint', async () => {
    const cwd = tmpDir();
    const cfg = writeFile(
      cwd,
      'pbt.yaml',
      `name: toy\nprogram: ${path.join(ROOT, 'fixtures/trainers/pbt_toy.mjs')}\nmethod: pbt\nmetric: {name: q, goal: maximize}\nparallel: 2\nseed: 4\nparameters:\n  h0: {min: 0.0, max: 1.0}\n  h1: {min: 0.0, max: 1.0}\n  steps: {value: 30}\npbt: {population: 4, perturbation_interval: 5, max_steps: 30}\n`,
    );
    const db = path.join(cwd, 'scaletune.db');
    const child = spawn(process.execPath, [BIN, 'run', cfg], { cwd, detached: true, stdio: 'ignore', env: { ...process.env, CI: 'true' } });
    await untilRow(db, "SELECT 1 FROM trials WHERE state = 'COMPLETE' AND stop_at >= 15 AND EXISTS (SELECT 1 FROM trials WHERE state = 'RUNNING')");
    process.kill(-child.pid!, 'SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const r = await bin(['resume', 'toy'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    const d = new Database(db, { readonly: true });
    try {
      const rows = d.prepare("SELECT member, MAX(stop_at) AS top FROM trials WHERE state = 'COMPLETE' GROUP BY member ORDER BY member").all() as { member: number; top: number }[];
      expect(rows.map((x) => x.top)).toEqual([30, 30, 30, 30]);
      const states = (d.prepare('SELECT state, COUNT(*) AS n FROM trials GROUP BY state').all() as { state: string; n: number }[]).map((x) => x.state);
      expect(states).not.toContain('RUNNING');
      expect(states).not.toContain('WAITING');
      expect(states).not.toContain('FAIL');
      // the segments cut by the kill were re-queued, and their copies resumed from the member's checkpoint
      const copies = d.prepare("SELECT c.resume_from AS r, s.resume_from AS sr FROM trials c JOIN trials s ON c.retry_of = s.id WHERE s.state = 'STALE'").all() as { r: string | null; sr: string | null }[];
      expect(copies.length).toBeGreaterThanOrEqual(1);
      for (const c of copies) expect(c.r).not.toBeNull();
    } finally {
      d.close();
    }
  }, 90_000);
});
