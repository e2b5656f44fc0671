/**
 * The "Bring your trainer" cases of the README, as a user runs them: a trainer folder copied as it is,
 * a study config next to it, `scaletune run`, no wrapper. The trainers (fixtures/trainers/nanogpt, hf,
 * wandb_program) are written in the shapes nanoGPT, a Hugging Face Trainer script and a W&B sweep
 * program print and call, and know nothing of scaletune.
 */
import { cpSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { ROOT, tmpDir, writeFile } from '../helpers/fixtures.js';

const PY = '/usr/bin/python3';
const hasPython = existsSync(PY);

interface TrialJson {
  number: number;
  state: string;
  value: number | null;
  params: Record<string, unknown>;
  error: string | null;
  scale?: { name: string };
  dir: string;
}

function copyTrainer(name: string): string {
  const dir = tmpDir(`scaletune-byo-${name}-`);
  cpSync(path.join(ROOT, 'fixtures/trainers', name), dir, { recursive: true });
  return dir;
}

async function run(dir: string, file: string, study: string): Promise<{ out: string; trials: TrialJson[]; json: string }> {
  const db = path.join(dir, 'scaletune.db');
  const r = await runCli(['--db', db, 'run', file], { cwd: dir });
  expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
  const listed = await runCli(['--db', db, 'trials', study, '--json'], { cwd: dir });
  return { out: r.stdout + r.stderr, trials: JSON.parse(listed.stdout) as TrialJson[], json: listed.stdout };
}

function expectLadder(out: string, trials: TrialJson[], scales: string[]): void {
  expect(trials.every((t) => t.state === 'complete'), JSON.stringify(trials.filter((t) => t.state !== 'complete'), null, 1)).toBe(true);
  expect([...new Set(trials.map((t) => t.scale?.name))]).toEqual(scales);
  expect(out).toMatch(/laws across scales:/);
  expect(out).toMatch(/prediction for \w+ \(N = /);
  // fitted, with a value: the exponent's sign is the toy trainers' business (their basins are nearly flat in lr)
  expect(out).toMatch(/lr\* = a·N\^alpha_N\n\s+a=[\d.e+-]+, alpha_N=-?[\d.e+-]+/);
}

describe.skipIf(!hasPython)('bring your trainer: no wrapper', () => {
  it('an unmodified nanoGPT-style train.py runs a bayes study: log lines become metrics, 1.0 stays a float, each trial writes its own out/ckpt.pt', async () => {
    const dir = copyTrainer('nanogpt');
    writeFile(
      dir,
      'study.yaml',
      `name: nanogpt
program: train.py
command: [${PY}, "\${program}", "\${args}"]
metrics: {preset: nanogpt}
workdir: trial
method: bayes
metric: {name: val_loss, goal: minimize}
run_cap: 6
parallel: 2
seed: 1
parameters:
  learning_rate: {distribution: log_uniform_values, min: 0.00003, max: 0.002}
  grad_clip: {value: 1.0}
  max_iters: {value: 100}
`,
    );
    const { trials, json } = await run(dir, 'study.yaml', 'nanogpt');
    expect(trials.map((t) => t.state)).toEqual(Array(6).fill('complete'));
    for (const t of trials) {
      expect(t.value).toBeGreaterThan(1);
      expect(t.dir).toBe(path.join(dir, 'scaletune-runs', 'nanogpt', `trial-${String(t.number).padStart(4, '0')}`));
      expect(readFileSync(path.join(t.dir, 'out', 'ckpt.pt'), 'utf8')).toContain("'iter_num': 100");
    }
    // the JSON a trial is re-launched from keeps the float the trainer got
    expect(json).toContain('"grad_clip": 1.0');
    expect(json).not.toContain('"grad_clip": 1,');
    const db = path.join(dir, 'scaletune.db');
    const metrics = await runCli(['--db', db, 'export', 'nanogpt', '--format', 'json', '--what', 'metrics'], { cwd: dir });
    const rows = JSON.parse(metrics.stdout) as { number: number; name: string; step: number }[];
    const first = rows.filter((r) => r.number === 0);
    expect(new Set(first.map((r) => r.name))).toEqual(new Set(['loss', 'time_ms', 'mfu', 'train_loss', 'val_loss']));
    expect(first.filter((r) => r.name === 'val_loss').map((r) => r.step)).toEqual([0, 50, 100]);
  });

  it('the nanoGPT-style trainer runs a two-scale ladder', async () => {
    const dir = copyTrainer('nanogpt');
    writeFile(
      dir,
      'ladder.yaml',
      `name: nanogpt-ladder
program: train.py
command: [${PY}, "\${program}", "\${args}", "--out_dir=\${run_dir}/out"]
metrics: {preset: nanogpt}
method: grid
metric: {name: val_loss, goal: minimize}
parallel: 2
parameters:
  learning_rate: {values: [0.00005, 0.0001, 0.0002, 0.0004, 0.0008, 0.0016]}
  max_iters: {value: 100}
scales:
  - {name: e32, params: 24576, tokens: 1000000, model: {n_embd: 32, dropout: 0.0}}
  - {name: e64, params: 98304, tokens: 1000000, model: {n_embd: 64, dropout: 0.0}}
target: {name: e128, params: 393216, tokens: 1000000, model: {n_embd: 128}}
`,
    );
    const { out, trials } = await run(dir, 'ladder.yaml', 'nanogpt-ladder');
    expectLadder(out, trials, ['e32', 'e64']);
  });

  it('a Hugging Face Trainer-style script runs a bayes study and a two-scale ladder: printed dicts become metrics, store_true flags get ${args_no_boolean_flags}', async () => {
    const dir = copyTrainer('hf');
    const common = `program: run_regression.py
command: [${PY}, "\${program}", "\${args_no_boolean_flags}", "--output_dir=\${run_dir}/out"]
metrics: {preset: hf}
metric: {name: eval_loss, goal: minimize}
parallel: 2
`;
    writeFile(
      dir,
      'study.yaml',
      `name: hf
${common}method: bayes
run_cap: 5
seed: 2
parameters:
  learning_rate: {distribution: log_uniform_values, min: 0.001, max: 0.3}
  do_train: {value: true}
  do_eval: {value: true}
  num_train_epochs: {value: 1.0}
`,
    );
    const study = await run(dir, 'study.yaml', 'hf');
    expect(study.trials.map((t) => t.state)).toEqual(Array(5).fill('complete'));
    expect(study.trials.every((t) => t.value !== null && Number.isFinite(t.value))).toBe(true);
    writeFile(
      dir,
      'ladder.yaml',
      `name: hf-ladder
${common}method: grid
parameters:
  learning_rate: {values: [0.003, 0.01, 0.03, 0.1, 0.2]}
  do_train: {value: true}
  do_eval: {value: true}
  num_train_epochs: {value: 1.0}
scales:
  - {name: h16, params: 16, tokens: 2048, model: {hidden_size: 16}}
  - {name: h64, params: 64, tokens: 2048, model: {hidden_size: 64}}
target: {name: h256, params: 256, tokens: 2048, model: {hidden_size: 256}}
`,
    );
    const ladder = await run(dir, 'ladder.yaml', 'hf-ladder');
    // the widest learning rate diverges at the wider scale: a failed trial is part of a real ladder
    const ok = ladder.trials.filter((t) => t.state === 'complete');
    expect(ok.length).toBeGreaterThanOrEqual(9);
    expect(ladder.out).toMatch(/prediction for h256/);
  });

  it('a W&B sweep program (wandb.sweep, wandb.agent, run.config, run.log) runs a bayes study and a two-scale ladder with wandb: stand-in', async () => {
    const dir = copyTrainer('wandb_program');
    const common = `program: sweep.py
command: [${PY}, "\${program}"]
wandb: stand-in
metric: {name: val_loss, goal: minimize}
parallel: 2
`;
    writeFile(
      dir,
      'study.yaml',
      `name: wb
${common}method: bayes
run_cap: 5
seed: 3
parameters:
  lr: {distribution: log_uniform_values, min: 0.003, max: 1.0}
  batch_size: {values: [16, 32]}
`,
    );
    const study = await run(dir, 'study.yaml', 'wb');
    expect(study.trials.map((t) => t.state)).toEqual(Array(5).fill('complete'));
    const db = path.join(dir, 'scaletune.db');
    const metrics = await runCli(['--db', db, 'export', 'wb', '--format', 'json', '--what', 'metrics'], { cwd: dir });
    const names = new Set((JSON.parse(metrics.stdout) as { name: string }[]).map((r) => r.name));
    expect(names).toEqual(new Set(['epoch', 'train/loss', 'val_loss', 'final_val_loss']));
    writeFile(
      dir,
      'ladder.yaml',
      `name: wb-ladder
${common}method: grid
parameters:
  lr: {values: [0.03, 0.1, 0.3, 1.0, 3.0]}
scales:
  - {name: w8, params: 8, tokens: 2048, model: {width: 8}}
  - {name: w32, params: 32, tokens: 2048, model: {width: 32}}
target: {name: w128, params: 128, tokens: 2048, model: {width: 128}}
`,
    );
    const ladder = await run(dir, 'ladder.yaml', 'wb-ladder');
    expectLadder(ladder.out, ladder.trials, ['w8', 'w32']);
  });
});
