/**
 * Harvesting with a command trainer that follows docs/harvest.md (fixtures/trainers/harvest_toy.mjs):
 * branches are trials of their own, resumed from their run's checkpoints, and survive kill -9.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { bin, startBin } from '../helpers/bin.js';
import { ROOT, tmpDir, writeFile } from '../helpers/fixtures.js';
import { untilRow } from '../helpers/wait.js';

const TOY = path.join(ROOT, 'fixtures/trainers/harvest_toy.mjs');
const study = (design: string, stepMs: number): string => `name: harvested
program: ${TOY}
method: grid
metric: {name: val_loss, goal: minimize}
parallel: 2
parameters:
  lr: {values: [0.001, 0.003, 0.01]}
  step_ms: {value: ${stepMs}}
scales:
  - {name: w1, tokens: 25600, model: {width: 1}}
  - {name: w2, tokens: 25600, model: {width: 2}}
harvest: {design: ${design}}
`;

interface Row {
  number: number;
  state: string;
  scale: string;
  resume_from: string | null;
  retry_of: number | null;
  value: number | null;
}

function trials(db: string): (Row & { s: Record<string, any> })[] {
  const d = new Database(db, { readonly: true });
  try {
    return (d.prepare('SELECT number, state, scale, resume_from, retry_of, value FROM trials ORDER BY number').all() as Row[]).map((r) => ({ ...r, s: JSON.parse(r.scale) }));
  } finally {
    d.close();
  }
}

describe('harvest with a command trainer', () => {
  it('cooldown: three branches per run, each resumed from its checkpoint at the start of that budget’s decay; the summary has four budgets per size', async () => {
    const dir = tmpDir();
    const cfg = writeFile(dir, 'h.yaml', study('cooldown', 0));
    const db = path.join(dir, 'h.db');
    const r = await bin(['--db', db, 'run', cfg, '--no-live'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const all = trials(db);
    const runs = all.filter((t) => !t.s.role);
    const branches = all.filter((t) => t.s.role === 'branch');
    expect(runs).toHaveLength(6);
    expect(branches).toHaveLength(18);
    for (const b of branches) {
      expect(b.state).toBe('COMPLETE');
      // from the checkpoint saved at the budget's decay start: f·D/(1 + 0.2) tokens, 128 tokens a step
      const step = Math.round((b.s.branch.budget * 25600) / 1.2 / 128);
      expect(b.resume_from).toMatch(new RegExp(`step-${step}\\.json$`));
      expect(b.s.branch.tokens).toBe(b.s.branch.budget * 25600);
    }
    // a larger budget's annealed loss is lower (the toy's loss falls with d)
    const of = (parent: number, f: number) => branches.find((b) => b.s.branch.parent === parent && b.s.branch.budget === f)!.value!;
    expect(of(runs[0]!.number, 0.125)).toBeGreaterThan(of(runs[0]!.number, 0.5));
    const summary = await bin(['--db', db, 'report', 'harvested', '--format', 'json'], { cwd: dir });
    expect(summary.code, summary.stderr).toBe(0);
    const points = JSON.parse(summary.stdout).ladder.points as { name: string; D: number; runs: unknown[] }[];
    expect(points.map((p) => p.name)).toEqual(['w1@0.125', 'w1@0.25', 'w1@0.5', 'w1@1', 'w2@0.125', 'w2@0.25', 'w2@0.5', 'w2@1']);
    for (const p of points) expect(p.runs).toHaveLength(3);
  }, 60_000);

  it('a branch killed with its runner (kill -9) is re-queued from the same checkpoint and completes on resume', async () => {
    const dir = tmpDir();
    const cfg = writeFile(dir, 'h.yaml', study('cooldown', 15));
    const db = path.join(dir, 'h.db');
    const { child, done } = startBin(['--db', db, 'run', cfg, '--no-live'], { cwd: dir });
    await untilRow(db, "SELECT 1 FROM trials WHERE state = 'RUNNING' AND json_extract(scale, '$.role') = 'branch'", 60_000);
    child.kill('SIGKILL');
    await done;
    const r = await bin(['--db', db, 'resume', 'harvested', '--no-live'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const all = trials(db);
    expect(all.filter((t) => t.state === 'RUNNING' || t.state === 'WAITING')).toEqual([]);
    const stale = all.filter((t) => t.state === 'STALE' && t.s.role === 'branch');
    expect(stale.length).toBeGreaterThan(0);
    for (const s of stale) {
      const copy = all.find((t) => t.retry_of !== null && t.s.role === 'branch' && t.s.branch.parent === s.s.branch.parent && t.s.branch.budget === s.s.branch.budget && t.state === 'COMPLETE')!;
      expect(copy.resume_from).toBe(s.resume_from);
    }
    // every completed run has its three branches completed, none twice
    for (const run of all.filter((t) => !t.s.role && t.state === 'COMPLETE')) {
      const mine = all.filter((t) => t.s.role === 'branch' && t.s.branch.parent === run.number && t.state === 'COMPLETE');
      expect(mine.map((t) => t.s.branch.budget).sort()).toEqual([0.125, 0.25, 0.5]);
    }
  }, 120_000);
});
