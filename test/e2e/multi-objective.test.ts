/**
 * Multi-objective and constrained studies end to end through the CLI, on the command backend (the
 * quadratic trainer, which given a width reports params and peak memory) and on the tfjs backend:
 * killed with kill -9 mid-study and resumed, then read back by best, trials, report and check.
 */
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { dominates } from '../../src/core/pareto.js';
import { reportSchema } from '../../src/report/schema.js';
import { bin, startBin } from '../helpers/bin.js';
import { runCli } from '../helpers/cli.js';
import { tmpDir, TRAINER, writeFile } from '../helpers/fixtures.js';
import { untilRow } from '../helpers/wait.js';

interface TrialOut {
  number: number;
  state: string;
  values?: Record<string, number | null>;
  infeasible?: string | null;
  on_front?: boolean;
  params: Record<string, unknown>;
}

/** The quadratic trainer's space with a width (a trade-off between loss, params and memory), searched by bayes. */
const WIDTH_SEARCH = (steps: number, stepMs: number): string => `bayes: {initial: 4, candidates: 256}
parameters:
  lr: {distribution: log_uniform_values, min: 0.0001, max: 0.1}
  batch_size: {values: [32, 64, 128]}
  width: {distribution: q_log_uniform_values, min: 16, max: 512, q: 16}
  steps: {value: ${steps}}
  step_ms: {value: ${stepMs}}
`;

const COMMAND_STUDY = `name: mo
program: ${TRAINER}
method: bayes
metric:
  - {name: val_loss, goal: minimize}
  - {name: params, goal: minimize}
constraints:
  - {name: peak_memory_gb, max: 16}
run_cap: 12
parallel: 2
seed: 5
${WIDTH_SEARCH(12, 40)}  checkpoint_every: {value: 4}
`;

/** Feasible, complete, every objective: the front must be exactly the nondominated ones of these. */
function checkFront(trials: TrialOut[], objectives: string[]): TrialOut[] {
  const ok = trials.filter((t) => t.state === 'complete' && !t.infeasible);
  const vec = (t: TrialOut): number[] => objectives.map((o) => t.values![o]!);
  const expected = ok.filter((t) => !ok.some((u) => dominates(vec(u), vec(t)))).map((t) => t.number).sort((a, b) => a - b);
  const marked = trials.filter((t) => t.on_front).map((t) => t.number).sort((a, b) => a - b);
  expect(marked).toEqual(expected);
  return trials.filter((t) => t.on_front);
}

describe('multi-objective and constrained studies through the CLI', () => {
  it('command backend: two objectives and a constraint, killed with kill -9 and resumed; best, trials, report and check read the front', async () => {
    const dir = tmpDir();
    const cfg = writeFile(dir, 'mo.yaml', COMMAND_STUDY);
    const db = path.join(dir, 'mo.db');
    const { child, done } = startBin(['--db', db, 'run', cfg, '--no-live'], { cwd: dir });
    await untilRow(db, "SELECT 1 FROM trials WHERE state = 'COMPLETE' GROUP BY study_id HAVING COUNT(*) >= 5", 60_000);
    await untilRow(db, "SELECT 1 FROM trials WHERE state = 'RUNNING'", 30_000);
    child.kill('SIGKILL');
    await done;
    const resumed = await bin(['--db', db, 'resume', 'mo', '--no-live'], { cwd: dir });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/^Pareto front: \d+ trials? \(val_loss minimize, params minimize\)/m);

    const trials = JSON.parse((await bin(['--db', db, 'trials', 'mo', '--json'], { cwd: dir })).stdout) as TrialOut[];
    const complete = trials.filter((t) => t.state === 'complete');
    expect(complete).toHaveLength(12);
    expect(trials.filter((t) => t.state === 'stale').length).toBeGreaterThan(0);
    for (const t of complete) {
      expect(Object.keys(t.values!).sort()).toEqual(['params', 'peak_memory_gb', 'val_loss']);
      // the trainer's own formulas: params 48·width², peak memory width·batch/1024
      const w = t.params.width as number;
      expect(t.values!.params).toBe(48 * w * w);
      const peak = (w * (t.params.batch_size as number)) / 1024;
      expect(t.values!.peak_memory_gb).toBeCloseTo(peak, 12);
      if (peak > 16) expect(t.infeasible).toBe(`peak_memory_gb = ${t.values!.peak_memory_gb} is above its max 16`);
      else expect(t.infeasible).toBeNull();
    }
    const front = checkFront(trials, ['val_loss', 'params']);
    expect(front.length).toBeGreaterThan(1);

    const best = await bin(['--db', db, 'best', 'mo', '--json'], { cwd: dir });
    expect(best.code, best.stderr).toBe(0);
    const bestJson = JSON.parse(best.stdout) as TrialOut[];
    expect(Array.isArray(bestJson)).toBe(true);
    expect(bestJson.map((t) => t.number).sort((a, b) => a - b)).toEqual(front.map((t) => t.number).sort((a, b) => a - b));
    for (const t of bestJson) expect(t.values).toMatchObject({ val_loss: expect.any(Number), params: expect.any(Number) });
    const text = await bin(['--db', db, 'best', 'mo'], { cwd: dir });
    expect(text.stdout).toMatch(/^Pareto front of study mo: \d+ trials? no other trial beats in every objective of val_loss \(minimize\), params \(minimize\)/);

    const report = await runCli(['report', 'mo', '--db', db, '--format', 'json'], { cwd: dir });
    expect(report.code, report.stderr).toBe(0);
    const model = JSON.parse(report.stdout);
    const validate = new Ajv2020.default({ allErrors: true, strict: false, validateFormats: false }).compile(reportSchema());
    expect(validate(model), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
    expect(model.best).toBeNull();
    expect(model.front.trials.filter((t: { on_front: boolean }) => t.on_front).length).toBe(front.length);
    expect(model.front.hypervolume).toBeGreaterThan(0);
    expect(model.front.infeasible).toBe(complete.filter((t) => t.infeasible).length);
    const md = await runCli(['report', 'mo', '--db', db, '--format', 'md', '--out', path.join(dir, 'r.md')], { cwd: dir });
    expect(md.code, md.stderr).toBe(0);

    const check = await runCli(['check', 'mo', '--against', 'mo', '--db', db], { cwd: dir });
    expect(check.code, check.stderr).toBe(0);
    expect(check.stdout).toMatch(/PASS {2}hypervolume of the Pareto front: .* \+0\.00%/);
  }, 180_000);

  it('command backend: a constrained single-objective study never calls an infeasible trial its best, and a constraint never reported makes every trial infeasible', async () => {
    const dir = tmpDir();
    const body = (name: string, constraints: string): string => `name: ${name}
program: ${TRAINER}
method: bayes
metric: {name: val_loss, goal: minimize}
constraints: ${constraints}
run_cap: 10
seed: 2
${WIDTH_SEARCH(6, 1)}`;
    const db = path.join(dir, 'c.db');
    const a = await bin(['--db', db, 'run', writeFile(dir, 'a.yaml', body('bounded', '[{name: peak_memory_gb, max: 8}]')), '--no-live'], { cwd: dir });
    expect(a.code, a.stderr).toBe(0);
    const trials = JSON.parse((await bin(['--db', db, 'trials', 'bounded', '--json'], { cwd: dir })).stdout) as (TrialOut & { value: number })[];
    const feasible = trials.filter((t) => t.state === 'complete' && !t.infeasible);
    const best = JSON.parse((await bin(['--db', db, 'best', 'bounded', '--json'], { cwd: dir })).stdout) as TrialOut & { value: number };
    expect(best.infeasible).toBeNull();
    expect(best.value).toBe(Math.min(...feasible.map((t) => t.value)));
    // the widest models reach lower losses but break the bound: whatever their loss, they are not the best
    for (const t of trials.filter((x) => x.infeasible)) expect(t.values!.peak_memory_gb).toBeGreaterThan(8);

    const b = await bin(['--db', db, 'run', writeFile(dir, 'b.yaml', body('unreported', '[{name: tokens_per_s, min: 1000}]').replace('run_cap: 10', 'run_cap: 3')), '--no-live'], { cwd: dir });
    // nothing usable came of it: the exit code says so, as when every trial fails
    expect(b.code, b.stderr).toBe(4);
    expect(b.stdout).toMatch(/no trial kept the constraints \(3 completed but broke one/);
    const none = await bin(['--db', db, 'best', 'unreported'], { cwd: dir });
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/has no feasible completed trial yet \(3 completed but broke a constraint/);
    const told = JSON.parse((await bin(['--db', db, 'trials', 'unreported', '--json'], { cwd: dir })).stdout) as TrialOut[];
    for (const t of told) expect(t.infeasible).toBe('tokens_per_s was never reported as a number (a constrained metric must be)');
  }, 120_000);

  it('tfjs backend: val_loss against params under a FLOPs bound, killed with kill -9 and resumed from checkpoints', async () => {
    const dir = tmpDir();
    const cfg = writeFile(
      dir,
      'tf.yaml',
      `name: tfmo
method: random
metric:
  - {name: val_loss, goal: minimize}
  - {name: params, goal: minimize}
constraints:
  - {name: flops, max: 1.0e+8}
run_cap: 6
parallel: 2
seed: 1
parameters:
  lr: {distribution: log_uniform_values, min: 0.003, max: 0.03}
  width: {values: [8, 16, 32, 64]}
backend:
  type: tfjs
  data: {vocab: 16, order: 2, branching: 3, seed: 2}
  model: {arch: mlp, depth: 1, window: 3, seq_len: 16}
  train: {steps: 400, batch_size: 8, checkpoint_every: 10, eval_every: 200}
`,
    );
    const db = path.join(dir, 'tf.db');
    const { child, done } = startBin(['--db', db, 'run', cfg, '--no-live'], { cwd: dir });
    await untilRow(db, "SELECT 1 FROM trials WHERE state = 'COMPLETE'", 120_000);
    await untilRow(db, "SELECT 1 FROM trials WHERE state = 'RUNNING' AND checkpoint IS NOT NULL", 60_000);
    child.kill('SIGKILL');
    await done;
    const resumed = await bin(['--db', db, 'resume', 'tfmo', '--no-live'], { cwd: dir });
    expect(resumed.code, resumed.stderr).toBe(0);
    const trials = JSON.parse((await bin(['--db', db, 'trials', 'tfmo', '--json'], { cwd: dir })).stdout) as TrialOut[];
    const complete = trials.filter((t) => t.state === 'complete');
    expect(complete).toHaveLength(6);
    expect(trials.some((t) => t.state === 'stale')).toBe(true);
    for (const t of complete) {
      expect(t.values!.params).toBeGreaterThan(0);
      expect(t.values!.flops).toBeGreaterThan(0);
      expect(Boolean(t.infeasible)).toBe(t.values!.flops! > 1e8);
    }
    expect(complete.filter((t) => t.infeasible).length).toBeGreaterThan(0);
    for (const t of trials.filter((x) => x.on_front)) expect(t.infeasible).toBeNull();
    const front = checkFront(trials, ['val_loss', 'params']);
    expect(front.length).toBeGreaterThan(0);
    const best = JSON.parse((await bin(['--db', db, 'best', 'tfmo', '--json'], { cwd: dir })).stdout) as TrialOut[];
    expect(best.map((t) => t.number).sort()).toEqual(front.map((t) => t.number).sort());
  }, 240_000);
});
