/** Commands in-process: flags, environment, output shapes. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { InkReporter } from '../../src/report/live.js';
import { validateStudyConfig } from '../../src/config/index.js';
import type { Trial } from '../../src/core/trial.js';
import { runCli } from '../helpers/cli.js';
import { TRAINER, tmpDir, writeFile } from '../helpers/fixtures.js';

/** A terminal for ink that keeps everything written to it. */
function fakeTerminal(columns: number, rows: number): { stdout: NodeJS.WriteStream; screen: () => string } {
  let screen = '';
  const stdout = Object.assign(
    new Writable({
      write(chunk, _enc, cb) {
        screen += chunk.toString();
        cb();
      },
    }),
    { isTTY: true, columns, rows },
  ) as unknown as NodeJS.WriteStream;
  return { stdout, screen: () => screen };
}

const study = (dir: string, extra = '', params = '  lr: {values: [0.001, 0.003]}\n  steps: {value: 3}\n  step_ms: {value: 1}\n') =>
  writeFile(dir, 's.yaml', `name: s\nprogram: ${TRAINER}\nmethod: grid\n${extra}parameters:\n${params}`);

describe('commands', () => {
  it('a grid with no metric runs and records, with nothing to optimise', async () => {
    const dir = tmpDir();
    const r = await runCli(['run', study(dir)], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('finished (search space exhausted): 2 complete');
    // a grid's budget is its points, not "no run cap"
    expect(r.stdout + r.stderr).toMatch(/study s: grid, 2 runs, 1 at a time/);
    const t = JSON.parse((await runCli(['trials', 's', '--json'], { cwd: dir })).stdout);
    expect(t.map((x: { state: string; value: null }) => [x.state, x.value])).toEqual([
      ['complete', null],
      ['complete', null],
    ]);
    const b = await runCli(['best', 's'], { cwd: dir });
    expect(b.code).toBe(2);
    expect(b.stderr).toContain('has no metric');
  });

  it('honours SCALETUNE_DB and --db; read commands never create a database', async () => {
    const dir = tmpDir();
    const db = path.join(dir, 'elsewhere.db');
    expect((await runCli(['run', study(dir), '--quiet'], { cwd: dir, env: { SCALETUNE_DB: db } })).code).toBe(0);
    expect(existsSync(db)).toBe(true);
    expect(existsSync(path.join(dir, 'scaletune.db'))).toBe(false);
    expect(JSON.parse((await runCli(['studies', '--json', '--db', db], { cwd: dir })).stdout)[0].name).toBe('s');
    const missing = await runCli(['studies', '--db', 'typo.db'], { cwd: dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`no database at ${path.join(dir, 'typo.db')}`);
    expect(existsSync(path.join(dir, 'typo.db'))).toBe(false);
  });

  it('a database folder that cannot be made is a clear error, not a hang', async () => {
    const dir = tmpDir();
    const r = await runCli(['run', study(dir), '--db', '/proc/no-such/x.db'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('cannot make the folder /proc/no-such for the database');
  });

  it('initial_points run first, in order; bayes.warm_start learns from another study', async () => {
    const dir = tmpDir();
    const base = (name: string, extra: string) =>
      writeFile(dir, `${name}.yaml`, `name: ${name}\nprogram: ${TRAINER}\nmetric: {name: loss}\nrun_cap: 6\nseed: 2\nparameters:\n  lr: {distribution: log_uniform_values, min: 0.0001, max: 0.1}\n  steps: {value: 3}\n  step_ms: {value: 1}\n${extra}`);
    base('a', 'method: sobol\ninitial_points:\n  - {lr: 0.003}\n  - {lr: 0.0005}\n');
    expect((await runCli(['run', 'a.yaml', '--quiet'], { cwd: dir })).code).toBe(0);
    const a = JSON.parse((await runCli(['trials', 'a', '--json'], { cwd: dir })).stdout);
    expect(a.slice(0, 2).map((t: { params: { lr: number; steps: number } }) => [t.params.lr, t.params.steps])).toEqual([
      [0.003, 3],
      [0.0005, 3],
    ]);
    expect(a).toHaveLength(6);
    base('b', 'method: bayes\nbayes: {warm_start: a, initial: 5, candidates: 128}\n');
    expect((await runCli(['run', 'b.yaml', '--quiet', '--run-cap', '2'], { cwd: dir })).code).toBe(0);
    const b = JSON.parse((await runCli(['trials', 'b', '--json'], { cwd: dir })).stdout);
    // with six prior results the surrogate proposes at once, near the known optimum (lr = 3e-3)
    expect(Math.abs(Math.log10(b[0].params.lr) - Math.log10(3e-3))).toBeLessThan(0.6);
    base('c', 'method: bayes\nbayes: {warm_start: nowhere}\n');
    const c = await runCli(['run', 'c.yaml', '--quiet'], { cwd: dir });
    expect(c.code).toBe(2);
    expect(c.stderr).toContain("c.yaml: bayes.warm_start: no study named 'nowhere'");
    expect(JSON.parse((await runCli(['studies', '--json'], { cwd: dir })).stdout).map((x: { name: string }) => x.name)).toEqual(['a', 'b']);
  });

  it('run --json prints only the outcome on stdout, progress on stderr', async () => {
    const dir = tmpDir();
    const r = await runCli(['run', study(dir, 'metric: {name: loss}\n'), '--json'], { cwd: dir });
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ study: 's', finished: true, reason: 'exhausted', complete: 2, failed: 0, best: { number: 1, params: { lr: 0.003 } } });
    expect(r.stderr).toContain('trial 0 started');
  });

  it('every trial failing exits 4; --debug shows stacks only for unexpected errors', async () => {
    const dir = tmpDir();
    const r = await runCli(['run', study(dir, 'metric: {name: loss}\n', '  mode: {value: crash}\n  steps: {value: 2}\n  fail_at: {value: 1}\n')], { cwd: dir });
    expect(r.code).toBe(4);
    expect(r.stdout).toContain('no trial completed (1 failed; see: scaletune trials s)');
    const usage = await runCli(['trials', 'nope', '--debug'], { cwd: dir });
    expect(usage.stderr).toMatch(/^error: no study named 'nope'/);
  });

  it('resume refuses a study that names no program (it was made for ask/tell)', async () => {
    const dir = tmpDir();
    writeFile(dir, 'a.yaml', 'name: a\nmethod: random\nrun_cap: 2\nparameters: {x: {min: 0.0, max: 1.0}}\n');
    expect((await runCli(['create', 'a.yaml'], { cwd: dir })).code).toBe(0);
    const r = await runCli(['resume', 'a'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('names no program');
  });

  it('the live view draws running trials with a progress bar, the best so far and finished trials', async () => {
    const term = fakeTerminal(160, 40);
    const r = new InkReporter(term.stdout);
    const config = { method: 'sobol', metric: { name: 'loss', goal: 'minimize' } } as never;
    const st = { id: 1, name: 'demo', config, seed: 1, cwd: '/', artifactsDir: '/', createdAt: 0 };
    const trial = (n: number, extra = {}) => ({ id: n + 1, studyId: 1, number: n, state: 'RUNNING', params: { lr: 0.003 }, scale: null, value: null, worker: 'w', heartbeatAt: 0, pid: null, createdAt: 0, startedAt: 0, finishedAt: null, error: null, retryOf: null, checkpoint: null, resumeFrom: null, ...extra }) as never;
    r.studyStarted({ study: st, runCap: 4, parallel: 2, finishedBefore: [] });
    r.trialStarted(trial(0));
    r.trialReport(trial(0), { step: 5, tokens: null, metrics: { loss: 2.5 }, totalSteps: 10 });
    r.trialStarted(trial(1));
    const done = trial(1, { state: 'COMPLETE', value: 2.1, finishedAt: 1000 });
    r.trialFinished(done, done);
    await new Promise((res) => setTimeout(res, 50));
    r.trialStarted(trial(2));
    await r.close();
    const plain = term.screen().replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
    expect(plain).toContain('study demo · sobol · 4 runs · 2 at a time');
    expect(plain).toContain('✔ trial 1  loss 2.1  lr=0.003');
    expect(plain).toMatch(/trial 0 +██████████░░░░░░░░░░ 5\/10 loss 2\.5/);
    expect(plain).toContain('best loss 2.1 (trial 1)');
  });

  it("the live view stays shorter than the terminal, so it never clears the user's scrollback: warnings print once above it, extra running trials are counted", async () => {
    const term = fakeTerminal(100, 12);
    const r = new InkReporter(term.stdout);
    const config = { method: 'random', metric: { name: 'loss', goal: 'minimize' } } as never;
    const st = { id: 1, name: 'busy', config, seed: 1, cwd: '/', artifactsDir: '/', createdAt: 0 };
    const trial = (n: number) => ({ id: n + 1, studyId: 1, number: n, state: 'RUNNING', params: { lr: 0.003 }, scale: null, value: null, worker: 'w', heartbeatAt: 0, pid: null, createdAt: 0, startedAt: 0, finishedAt: null, error: null, retryOf: null, checkpoint: null, resumeFrom: null }) as never;
    r.studyStarted({ study: st, runCap: 40, parallel: 20, finishedBefore: [] });
    for (let i = 0; i < 6; i++) r.warn(`note number ${i}`);
    for (let i = 0; i < 20; i++) r.trialStarted(trial(i));
    await new Promise((res) => setTimeout(res, 50));
    await r.close();
    const raw = term.screen();
    expect(raw).not.toContain('\x1b[3J');
    const plain = raw.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
    expect(plain).toContain('warning: note number 5');
    expect(plain).toMatch(/… and \d+ more running/);
  });

  it('the live view of a ladder: one bar per scale with its best and its lr* as the summary finds it, then the running fit once two scales are done, the target not yet', async () => {
    const term = fakeTerminal(200, 60);
    const stdout = term.stdout;
    const config = validateStudyConfig({
      method: 'random',
      metric: { name: 'loss' },
      run_cap: 6,
      transfer: 'none',
      parameters: { lr: { distribution: 'log_uniform_values', min: 1e-5, max: 1 } },
      backend: { type: 'sim' },
      scales: [{ name: 'small', params: 1e8, tokens: 2e9 }, { name: 'mid', params: 4e8, tokens: 8e9 }, { name: 'big', params: 1.6e9, tokens: 3.2e10 }],
      target: { name: '7B', params: 7e9, tokens: 1.4e11 },
    });
    const st = { id: 1, name: 'lad', config, seed: 1, cwd: '/', artifactsDir: '/', createdAt: 0 };
    const r = new InkReporter(stdout);
    r.studyStarted({ study: st, runCap: 18, parallel: 2, finishedBefore: [] });
    let id = 0;
    const lrStar = (N: number) => 0.5 * N ** -0.4;
    for (const [i, s] of config.scales!.slice(0, 2).entries()) {
      for (const f of [0.25, 0.5, 0.8, 1.25, 2, 4]) {
        const lr = lrStar(s.params!) * f;
        const t = { id: ++id, studyId: 1, number: id - 1, state: 'RUNNING', params: { lr }, scale: { name: s.name, index: i, params: s.params, tokens: s.tokens, model: {} }, value: null, worker: 'w', heartbeatAt: 0, pid: null, createdAt: 0, startedAt: 0, finishedAt: null, error: null, retryOf: null, checkpoint: null, resumeFrom: null, member: null, stopAt: null } as never as Trial;
        r.trialStarted(t);
        const done = { ...t, state: 'COMPLETE', value: (3 - i) * (1 + 0.01 * Math.log(f) ** 2), finishedAt: 10 } as Trial;
        r.trialFinished(done, done);
      }
    }
    await new Promise((res) => setTimeout(res, 50));
    await r.close();
    const plain = term.screen().replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
    expect(plain).toContain('study lad · random · 3 scales · 18 runs · 2 at a time');
    expect(plain).toMatch(/small ████████████████   6\/6 · best loss 3\.0\d* · lr\* [\d.e+-]+ \(interpolated\)/);
    expect(plain).toMatch(/big {3}░{16}   0\/6/);
    expect(plain).toMatch(/✔ trial 0 \[small\]  loss /);
    expect(plain).toMatch(/lr\* = a·N\^alpha_N: a=.* alpha_N=-0\.4\d* +\(from 2 scales\)/);
    expect(plain).toMatch(/7B: too few scales to extrapolate \(no interval for lr\* yet\) +\(from 2 scales\)/);
  });
});

describe('hints name the database in use', () => {
  it('with --db or SCALETUNE_DB off the default, every printed command carries --db; with the default, none', async () => {
    const dir = tmpDir();
    const db = path.join(dir, 'other.db');
    study(dir);
    writeFile(dir, 'bare.yaml', 'name: bare\nmethod: random\nrun_cap: 2\nparameters: {x: {min: 0.0, max: 1.0}}\n');
    expect((await runCli(['run', 's.yaml', '--quiet', '--db', db], { cwd: dir })).code).toBe(0);
    const again = await runCli(['run', 's.yaml', '--quiet'], { cwd: dir, env: { SCALETUNE_DB: db } });
    expect(again.stderr).toContain(`(continue the old one with: scaletune resume s --db ${db})`);
    const best = await runCli(['best', 's', '--db', db], { cwd: dir });
    expect(best.stderr).toContain(`see: scaletune trials s --db ${db}`);
    expect((await runCli(['create', 'bare.yaml', '--db', db], { cwd: dir })).code).toBe(0);
    const bare = await runCli(['resume', 'bare', '--db', db], { cwd: dir });
    expect(bare.stderr).toContain(`drive it with: scaletune ask bare --db ${db} and scaletune tell bare <trial> --value <v> --db ${db}`);
    const aborted = new AbortController();
    aborted.abort();
    const stopped = await runCli(['resume', 's', '--run-cap', '4', '--db', db], { cwd: dir, signal: aborted.signal });
    expect(stopped.stderr).toContain(`stopped; continue with: scaletune resume s --db ${db}`);
    const here = await runCli(['run', 's.yaml', '--quiet'], { cwd: dir });
    expect(here.code).toBe(0);
    expect((await runCli(['run', 's.yaml', '--quiet'], { cwd: dir })).stderr).toContain('(continue the old one with: scaletune resume s)');
    expect((await runCli(['best', 's', '--db', './scaletune.db'], { cwd: dir })).stderr).toContain('see: scaletune trials s\n');
  });
});
