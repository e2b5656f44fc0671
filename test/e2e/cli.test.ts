/** End to end through the built `bin/scaletune.js`, with real processes and a real SQLite file. */
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { untilRow } from '../helpers/wait.js';
import { Rng } from '../../src/core/rng.js';
import { bin, startBin } from '../helpers/bin.js';
import { BIN, ROOT, TRAINER, tmpDir, writeFile } from '../helpers/fixtures.js';

/** pids whose command line contains every one of `parts` (read from /proc, no pgrep needed). */
function processesRunning(...parts: string[]): number[] {
  const pids: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0').join(' ');
      if (parts.every((p) => cmd.includes(p))) pids.push(Number(d));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** Wait until the database at `db` shows a RUNNING trial (so a signal lands mid-work, however loaded the machine). */
const untilRunning = (db: string, timeoutMs = 30_000): Promise<void> => untilRow(db, "SELECT 1 FROM trials WHERE state = 'RUNNING'", timeoutMs);

const QUICKSTART = path.join(ROOT, 'fixtures/studies/quickstart.yaml');

describe('the quickstart through the built CLI', () => {
  it('runs, records to ./scaletune.db and reads back with studies, trials, best and export', async () => {
    const cwd = tmpDir();
    const run = await bin(['run', QUICKSTART], { cwd });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/study quickstart: sobol, 12 runs, 2 at a time, seed 7/);
    expect(run.stdout).toMatch(/best: trial \d+ {2}val_loss=/);

    const trials = JSON.parse((await bin(['trials', 'quickstart', '--json'], { cwd })).stdout);
    expect(trials).toHaveLength(12);
    expect(trials.every((t: { state: string }) => t.state === 'complete')).toBe(true);
    expect(Object.keys(trials[0])).toEqual(expect.arrayContaining(['number', 'state', 'params', 'value']));

    const best = JSON.parse((await bin(['best', 'quickstart', '--json'], { cwd })).stdout);
    expect(best.value).toBe(Math.min(...trials.map((t: { value: number }) => t.value)));

    const csv = (await bin(['trials', 'quickstart', '--csv'], { cwd })).stdout.trim().split('\n');
    expect(csv[0]).toBe('number,state,value,params_lr,params_batch_size,params_schedule,params_steps,params_step_ms,duration_s,started_at,finished_at,retry_of,error');
    expect(csv).toHaveLength(13);

    const exp = JSON.parse((await bin(['export', 'quickstart', '--format', 'json'], { cwd })).stdout);
    expect(exp.trials[0].metrics.filter((m: { name: string }) => m.name === 'val_loss')).toHaveLength(30);
    expect(exp.events.map((e: { kind: string }) => e.kind)).toContain('study_created');
    const long = (await bin(['export', 'quickstart', '--format', 'csv', '--what', 'metrics'], { cwd })).stdout.trim().split('\n');
    expect(long[0]).toBe('number,step,tokens,name,value');
    // --what holds for JSON too: the same rows, the trial named as in the trials table
    const longJson = JSON.parse((await bin(['export', 'quickstart', '--format', 'json', '--what', 'metrics'], { cwd })).stdout) as Record<string, unknown>[];
    expect(longJson).toHaveLength(long.length - 1);
    expect(Object.keys(longJson[0]!)).toEqual(['number', 'step', 'tokens', 'name', 'value']);
    const trialsJson = JSON.parse((await bin(['export', 'quickstart', '--format', 'json', '--what', 'trials'], { cwd })).stdout);
    expect(trialsJson).toEqual(trials);

    const studies = JSON.parse((await bin(['studies', '--json'], { cwd })).stdout);
    expect(studies[0]).toMatchObject({ name: 'quickstart', method: 'sobol', counts: { complete: 12 } });

    // running it again makes a new study rather than touching the first
    const again = await bin(['run', QUICKSTART, '--run-cap', '1'], { cwd });
    expect(again.code).toBe(0);
    expect(again.stderr).toContain("this one is 'quickstart-2'");
  }, 60_000);

  it('unknown studies, flags and states are usage errors (exit 2)', async () => {
    const cwd = tmpDir();
    const nodb = await bin(['trials', 'nope'], { cwd });
    expect(nodb.code).toBe(2);
    expect(nodb.stderr).toContain('no database at');
    writeFile(cwd, 'a.yaml', 'name: a\nmethod: random\nparameters: {x: {value: 1}}\n');
    expect((await bin(['create', 'a.yaml'], { cwd })).code).toBe(0);
    const r = await bin(['trials', 'nope'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("no study named 'nope' in");
    expect(r.stderr).toContain('studies there: a');
    expect((await bin(['run'], { cwd })).code).toBe(2);
    expect((await bin(['studies', '--bogus'], { cwd })).code).toBe(2);
    const e = await bin(['export', 'x', '--format', 'xml'], { cwd });
    expect(e.code).toBe(2);
    expect(e.stderr).toContain("Allowed choices are csv, json");
  });
});

describe('crash safety', () => {
  const config = (dir: string) =>
    writeFile(
      dir,
      'crashy.yaml',
      `name: crashy\nprogram: ${TRAINER}\nmethod: sobol\nmetric: {name: loss}\nrun_cap: 10\nparallel: 2\nseed: 3\nparameters:\n  lr: {distribution: log_uniform_values, min: 0.0001, max: 0.1}\n  steps: {value: 20}\n  step_ms: {value: 30}\n  checkpoint_every: {value: 5}\n`,
    );

  it('kill -9 at random moments, then resume: exactly run_cap complete, none twice, no metric lost', async () => {
    const cwd = tmpDir();
    const file = config(cwd);
    const db = path.join(cwd, 'scaletune.db');
    const rng = new Rng(2024);
    const snapshots: string[][] = [];
    const readMetrics = (): string[] => {
      const d = new Database(db, { readonly: true, fileMustExist: true });
      try {
        return (d.prepare('SELECT trial_id, step, name, value FROM metrics').all() as { trial_id: number; step: number; name: string; value: number }[]).map((m) => `${m.trial_id}/${m.step}/${m.name}/${m.value}`);
      } finally {
        d.close();
      }
    };
    for (let k = 0; k < 5; k++) {
      const p = startBin(k === 0 ? ['run', file] : ['resume', 'crashy'], { cwd });
      if (k === 0) await untilRunning(db);
      await new Promise((r) => setTimeout(r, 200 + rng.int(0, 1000)));
      p.child.kill('SIGKILL');
      const r = await p.done;
      expect(r.signal).toBe('SIGKILL');
      snapshots.push(readMetrics());
    }
    const last = await bin(['resume', 'crashy'], { cwd });
    expect(last.stderr).toBe('');
    expect(last.code).toBe(0);

    const trials = JSON.parse((await bin(['trials', 'crashy', '--json'], { cwd })).stdout) as { number: number; state: string; retry_of: number | null }[];
    const complete = trials.filter((t) => t.state === 'complete');
    expect(complete, JSON.stringify(trials.filter((t) => t.state !== 'complete'))).toHaveLength(10);
    expect(trials.filter((t) => t.state === 'running' || t.state === 'waiting')).toHaveLength(0);
    // kills really interrupted work, and every interrupted trial was carried on by exactly one completed copy
    const stale = trials.filter((t) => t.state === 'stale');
    expect(stale.length).toBeGreaterThan(0);
    const origin = (t: { number: number; retry_of: number | null }): number => {
      let cur = t;
      while (cur.retry_of !== null) cur = trials.find((x) => x.number === cur.retry_of)!;
      return cur.number;
    };
    const origins = complete.map(origin);
    expect(new Set(origins).size).toBe(10);
    for (const s of stale) expect(origins).toContain(origin(s));
    // every metric recorded before any kill is still there
    const final = new Set(readMetrics());
    for (const snap of snapshots) for (const m of snap) expect(final.has(m)).toBe(true);
    // no trainer was left running
    expect(processesRunning(TRAINER, '--step_ms=30')).toEqual([]);
  }, 120_000);

  it('SIGINT stops cleanly (exit 130, trials re-queued); resume finishes the study', async () => {
    const cwd = tmpDir();
    const file = config(cwd);
    const p = startBin(['run', file], { cwd });
    await untilRunning(path.join(cwd, 'scaletune.db'));
    await new Promise((r) => setTimeout(r, 300));
    p.child.kill('SIGINT');
    const r = await p.done;
    expect(r.code).toBe(130);
    expect(r.stderr).toContain('continue with: scaletune resume crashy');
    const mid = JSON.parse((await bin(['trials', 'crashy', '--json'], { cwd })).stdout) as { state: string }[];
    expect(mid.filter((t) => t.state === 'running')).toHaveLength(0);
    expect(mid.filter((t) => t.state === 'waiting').length).toBeGreaterThan(0);
    const done = await bin(['resume', 'crashy'], { cwd });
    expect(done.code).toBe(0);
    const after = JSON.parse((await bin(['trials', 'crashy', '--json'], { cwd })).stdout) as { state: string }[];
    expect(after.filter((t) => t.state === 'complete')).toHaveLength(10);
  }, 60_000);
});

describe('ask/tell', () => {
  it('a shell loop drives a study to completion', () => {
    const cwd = tmpDir();
    writeFile(cwd, 'study.yaml', `name: outside\nmethod: random\nmetric: {name: loss}\nrun_cap: 6\nseed: 1\nparameters:\n  lr: {distribution: log_uniform_values, min: 0.0001, max: 0.1}\n  bs: {values: [32, 64]}\n`);
    const script = `
      set -u
      st() { node ${JSON.stringify(BIN)} "$@"; }
      st create study.yaml > /dev/null || exit 10
      rc=0
      while :; do
        out=$(st ask outside --json) || { rc=$?; break; }
        n=$(printf '%s' "$out" | node -e 'process.stdout.write(String(JSON.parse(require("fs").readFileSync(0)).number))')
        lr=$(printf '%s' "$out" | node -e 'process.stdout.write(String(JSON.parse(require("fs").readFileSync(0)).params.lr))')
        if [ "$n" = 2 ]; then st tell outside "$n" --state fail --error "OOM" > /dev/null || exit 11; continue; fi
        v=$(node -e "process.stdout.write(String((Math.log10($lr) + 2.5) ** 2))")
        st tell outside "$n" --value "$v" > /dev/null || exit 12
      done
      echo "ask exited $rc"
    `;
    const out = execFileSync('bash', ['-c', script], { cwd, env: { ...process.env, CI: 'true' } }).toString();
    expect(out.trim()).toBe('ask exited 3');
    const trials = JSON.parse(execFileSync(process.execPath, [BIN, 'trials', 'outside', '--json'], { cwd }).toString()) as { state: string; error: string | null }[];
    expect(trials.map((t) => t.state)).toEqual(['complete', 'complete', 'fail', 'complete', 'complete', 'complete']);
    expect(trials[2]!.error).toBe('OOM');
    // a finished trial is frozen
    const again = spawnSync(process.execPath, [BIN, 'tell', 'outside', '0', '--value', '1'], { cwd });
    expect(again.status).toBe(2);
    expect(again.stderr.toString()).toContain('already finished');
  }, 60_000);

  it("tell refuses a trial that a running `run` owns, naming it and its runner; the run's own result stands", async () => {
    const cwd = tmpDir();
    writeFile(cwd, 'study.yaml', `name: owned\nprogram: ${TRAINER}\nmethod: random\nmetric: {name: loss}\nrun_cap: 1\nseed: 1\nparameters:\n  lr: {value: 0.003}\n  steps: {value: 30}\n  step_ms: {value: 50}\n`);
    const run = startBin(['run', 'study.yaml'], { cwd });
    await untilRunning(path.join(cwd, 'scaletune.db'));
    const told = await bin(['tell', 'owned', '0', '--value', '0.5'], { cwd });
    expect(told.code).toBe(2);
    expect(told.stderr).toContain(`trial 0 of study owned is run by a scaletune process (pid ${run.child.pid} on `);
    expect(told.stderr).toContain('not claimed with ask');
    const r = await run.done;
    expect(r.code, r.stderr).toBe(0);
    const trials = JSON.parse((await bin(['trials', 'owned', '--json'], { cwd })).stdout) as { state: string; value: number }[];
    // the trainer's value (2 at lr 3e-3), not the one told
    expect(trials).toHaveLength(1);
    expect(trials[0]!.state).toBe('complete');
    expect(trials[0]!.value).toBeCloseTo(2, 1);
  }, 60_000);
});
