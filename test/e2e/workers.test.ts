/**
 * Workers sharing one study on PostgreSQL, as real processes: 8 workers run every trial exactly once
 * within the global cap; a worker killed with SIGKILL mid-trial has its trial recovered by another.
 * And on one SQLite file, the default on one machine: 8 workers; and 2, one killed mid-trial, whose
 * survivor runs the dead one's trial before it calls the study finished.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStorage } from '../../src/storage/index.js';
import { bin, startBin } from '../helpers/bin.js';
import { tmpDir, TRAINER, writeFile } from '../helpers/fixtures.js';
import { PG_URL, pgUrl } from '../helpers/postgres.js';
import { until } from '../helpers/wait.js';

const STUDY = (cap: number, steps: number, stepMs: number) => `name: shared
program: ${TRAINER}
method: random
metric: {name: loss, goal: minimize}
run_cap: ${cap}
seed: 5
parameters:
  lr: {distribution: log_uniform_values, min: 0.0001, max: 0.1}
  batch_size: {values: [16, 32, 64, 128, 256]}
  steps: {value: ${steps}}
  step_ms: {value: ${stepMs}}
  checkpoint_every: {value: 2}
`;

async function eightWorkers(db: string, dir: string): Promise<void> {
  const created = await bin(['create', writeFile(dir, 'study.yaml', STUDY(40, 3, 5)), '--db', db], { cwd: dir });
  expect(created.code, created.stderr).toBe(0);
  const results = await Promise.all(Array.from({ length: 8 }, () => bin(['worker', 'shared', '--db', db, '--quiet'], { cwd: dir })));
  for (const r of results) expect(r.code, r.stderr).toBe(0);
  const s = openStorage(db);
  const st = (await s.getStudy('shared'))!;
  const trials = await s.getTrials(st.id);
  await s.close();
  // every trial run exactly once: 40 complete, none stale or failed, numbers 0..39, no proposal twice
  expect(trials.map((t) => t.state)).toEqual(Array(40).fill('COMPLETE'));
  expect(trials.map((t) => t.number)).toEqual(Array.from({ length: 40 }, (_, i) => i));
  expect(new Set(trials.map((t) => JSON.stringify(t.params))).size).toBe(40);
  expect(new Set(trials.map((t) => t.worker)).size).toBeGreaterThan(1);
}

describe.skipIf(!PG_URL && !process.env.CI)('workers on PostgreSQL', () => {
  it('8 worker processes share one study: every trial run exactly once, the global run_cap respected', async () => {
    expect(PG_URL).toBeTruthy();
    await eightWorkers(pgUrl('w8'), tmpDir('scaletune-workers-'));
  }, 120_000);

  it('a worker killed mid-trial: another finds it silent and re-queues its trial, which then completes', async () => {
    const db = pgUrl('kill');
    const dir = tmpDir('scaletune-kill-');
    expect((await bin(['create', writeFile(dir, 'study.yaml', STUDY(4, 12, 150)), '--db', db], { cwd: dir })).code).toBe(0);
    const victim = startBin(['worker', 'shared', '--db', db, '--stale-after', '2'], { cwd: dir });
    const s = openStorage(db);
    const st = (await s.getStudy('shared'))!;
    // wait until the victim has a trial running with a checkpoint, then kill it without warning
    let running: Awaited<ReturnType<typeof s.getTrials>>[number] | undefined;
    await until(async () => Boolean((running = (await s.getTrials(st.id)).find((t) => t.state === 'RUNNING' && t.checkpoint))), 30_000);
    victim.child.kill('SIGKILL');
    await victim.done;
    const other = await bin(['worker', 'shared', '--db', db, '--stale-after', '2'], { cwd: dir });
    expect(other.code, other.stderr).toBe(0);
    const trials = await s.getTrials(st.id);
    await s.close();
    const stale = trials.find((t) => t.id === running!.id)!;
    expect(stale.state).toBe('STALE');
    const copy = trials.find((t) => t.retryOf === stale.id)!;
    expect(copy.state, copy.error ?? "").toBe("COMPLETE");
    expect(copy.resumeFrom).toBeTruthy(); // continued from the dead worker's last checkpoint
    expect(trials.filter((t) => t.state === 'COMPLETE')).toHaveLength(4);
    // on one machine the dead worker's pid tells at once; across machines its silence would
    expect(other.stdout).toMatch(/trial \d+ stale \(its runner \(pid \d+\) died\); re-queued as trial \d+ from its last checkpoint/);
  }, 120_000);
});

describe('workers on SQLite (one machine, the default)', () => {
  it('8 worker processes on one file: every trial run exactly once within the cap', async () => {
    const dir = tmpDir('scaletune-sqlite-workers-');
    await eightWorkers(path.join(dir, 'shared.db'), dir);
  }, 120_000);

  it('two workers, one killed with SIGKILL mid-trial: the survivor re-queues its trial and runs it before saying the study is finished', async () => {
    const dir = tmpDir('scaletune-sqlite-kill-');
    const db = path.join(dir, 'shared.db');
    expect((await bin(['create', writeFile(dir, 'study.yaml', STUDY(4, 12, 150)), '--db', db], { cwd: dir })).code).toBe(0);
    const victim = startBin(['worker', 'shared', '--db', db], { cwd: dir });
    const survivor = startBin(['worker', 'shared', '--db', db], { cwd: dir });
    const s = openStorage(db);
    const st = (await s.getStudy('shared'))!;
    let running: Awaited<ReturnType<typeof s.getTrials>>[number] | undefined;
    const victims = (t: { worker: string | null }) => t.worker?.includes(`:${victim.child.pid}:`) ?? false;
    await until(async () => Boolean((running = (await s.getTrials(st.id)).find((t) => t.state === 'RUNNING' && t.checkpoint && victims(t)))), 30_000);
    victim.child.kill('SIGKILL');
    await victim.done;
    // no --stale-after and a 30 s recovery period: only the check before finishing can find the dead trial in time
    const r = await survivor.done;
    expect(r.code, r.stderr).toBe(0);
    const trials = await s.getTrials(st.id);
    await s.close();
    expect(trials.find((t) => t.id === running!.id)!.state).toBe('STALE');
    const copy = trials.find((t) => t.retryOf === running!.id)!;
    expect(copy.state, copy.error ?? '').toBe('COMPLETE');
    expect(copy.resumeFrom).toBeTruthy();
    expect(trials.filter((t) => t.state === 'COMPLETE')).toHaveLength(4);
    expect(trials.filter((t) => t.state === 'RUNNING' || t.state === 'WAITING')).toEqual([]);
    expect(r.stdout).toMatch(/trial \d+ stale \(its runner \(pid \d+\) died\); re-queued as trial \d+/);
  }, 120_000);
});
