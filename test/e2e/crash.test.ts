/**
 * Crashes at random: over several seeds, a study on one SQLite file is run by `run` and two `worker`
 * processes while kill -9 lands, at random moments, on the run, on a worker, or on a trainer. Once
 * every process has finished (a last `resume` included) the study's records must hold: every trial
 * number once, no configuration completed twice, every trainer crash a FAIL, every metric recorded
 * before a kill still there while its runner lived, no trial left RUNNING or WAITING, run_cap reached.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { bin, startBin } from '../helpers/bin.js';
import { tmpDir, TRAINER, writeFile } from '../helpers/fixtures.js';
import { untilRow } from '../helpers/wait.js';

const CAP = 8;
const STUDY = (seed: number): string => `name: crashy
program: ${TRAINER}
method: random
metric: {name: loss, goal: minimize}
run_cap: ${CAP}
parallel: 2
seed: ${seed}
parameters:
  lr: {distribution: log_uniform_values, min: 0.0001, max: 0.1}
  steps: {value: 12}
  step_ms: {value: 25}
  checkpoint_every: {value: 3}
`;

/** Trainer processes of this test's study (their command line names the trainer and the study's folder). */
function trainers(dir: string): number[] {
  const pids: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8');
      const cwd = readFileSync(`/proc/${d}/environ`, 'utf8');
      if (cmd.includes(TRAINER) && cwd.includes(dir)) pids.push(Number(d));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return pids;
}

interface Row {
  id: number;
  number: number;
  state: string;
  retry_of: number | null;
  params: string;
  error: string | null;
}

function read(db: string): { trials: Row[]; metrics: Set<string> } {
  const d = new Database(db, { readonly: true, fileMustExist: true });
  try {
    const trials = d.prepare('SELECT id, number, state, retry_of, params, error FROM trials ORDER BY number').all() as Row[];
    const metrics = new Set((d.prepare('SELECT trial_id, step, name, value FROM metrics').all() as { trial_id: number; step: number; name: string; value: number }[]).map((m) => `${m.trial_id}/${m.step}/${m.name}/${m.value}`));
    return { trials, metrics };
  } finally {
    d.close();
  }
}

describe('kill -9 on the run, a worker or a trainer, at random', () => {
  it.each([1, 2, 3, 4, 5, 6])('seed %i: the records hold every invariant once every process has finished', async (seed) => {
    const dir = tmpDir(`scaletune-crash-${seed}-`);
    const db = path.join(dir, 'crash.db');
    const file = writeFile(dir, 'study.yaml', STUDY(seed));
    const env = { SCALETUNE_DB: db, SCALETUNE_RUNS: path.join(dir, 'runs') };
    const rng = new Rng(seed, 0xc4a5);
    const killedTrainers = new Set<number>();
    const snapshots: Set<string>[] = [];

    const run = startBin(['run', file, '--quiet'], { cwd: dir, env });
    await untilRow(db, "SELECT 1 FROM trials WHERE state = 'RUNNING'", 30_000);
    const workers = [0, 1].map(() => startBin(['worker', 'crashy', '--quiet', '--stale-after', '2'], { cwd: dir, env }));
    const live = [run, ...workers];
    for (let k = 0; k < 4; k++) {
      await new Promise((r) => setTimeout(r, 150 + rng.int(0, 600)));
      const target = rng.int(0, 2);
      if (target === 2) {
        // a trainer dies under a living runner: its trial must fail, never complete
        const pids = trainers(dir);
        if (pids.length === 0) continue;
        const pid = pids[rng.int(0, pids.length - 1)]!;
        try {
          process.kill(pid, 'SIGKILL');
          killedTrainers.add(pid);
        } catch {
          // it ended on its own meanwhile
        }
      } else {
        const alive = live.filter((p) => p.child.exitCode === null && p.child.signalCode === null);
        if (alive.length === 0) break;
        const p = alive[rng.int(0, alive.length - 1)]!;
        p.child.kill('SIGKILL');
        await p.done;
        // what the killed runner had recorded must survive; its own trials are re-queued, not lost
        snapshots.push(read(db).metrics);
      }
    }
    const ends = await Promise.all(live.map((p) => p.done));
    for (const e of ends) expect([0, null], e.stderr).toContain(e.code);
    // a process that ended by itself declared the study done: no trial may be left for a dead peer
    if (ends.some((e) => e.code === 0)) expect(read(db).trials.filter((t) => t.state === 'RUNNING' || t.state === 'WAITING').map((t) => t.number)).toEqual([]);
    const last = await bin(['resume', 'crashy', '--quiet'], { cwd: dir, env });
    expect(last.code, last.stderr).toBe(0);

    const { trials, metrics } = read(db);
    // every trial number once, in order
    expect(trials.map((t) => t.number)).toEqual(trials.map((_, i) => i));
    // nothing left behind, the budget spent
    expect(trials.filter((t) => t.state === 'RUNNING' || t.state === 'WAITING')).toEqual([]);
    const finished = trials.filter((t) => t.state === 'COMPLETE' || t.state === 'FAIL' || t.state === 'PRUNED');
    expect(finished.length, JSON.stringify(trials.map((t) => [t.number, t.state, t.error]))).toBe(CAP);
    // a configuration completes at most once, a re-queued one exactly once through its copies
    const origin = (t: Row): number => {
      let cur = t;
      while (cur.retry_of !== null) cur = trials.find((x) => x.id === cur.retry_of)!;
      return cur.id;
    };
    const origins = finished.map(origin);
    expect(new Set(origins).size).toBe(finished.length);
    for (const s of trials.filter((t) => t.state === 'STALE')) expect(origins).toContain(origin(s));
    // a failed trial failed because its trainer was killed, and says so
    for (const f of trials.filter((t) => t.state === 'FAIL')) expect(f.error).toMatch(/SIGKILL/);
    if (killedTrainers.size === 0) expect(trials.filter((t) => t.state === 'FAIL')).toEqual([]);
    // metrics recorded before a kill are all still there
    for (const s of snapshots) for (const m of s) expect(metrics.has(m), m).toBe(true);
    // and no trainer outlives the study
    expect(trainers(dir)).toEqual([]);
  }, 120_000);
});
