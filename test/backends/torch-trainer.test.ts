/**
 * The PyTorch reference trainer (fixtures/trainers/torch_lm.py) on CPU through the command backend.
 * CI installs Debian's python3-torch; elsewhere the suite says why it skips.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { withDb } from '../helpers/db.js';
import { runCli } from '../helpers/cli.js';
import { ROOT, tmpDir, writeFile } from '../helpers/fixtures.js';

const TORCH_LM = path.join(ROOT, 'fixtures/trainers/torch_lm.py');

function findTorchPython(): string | null {
  for (const py of [process.env.SCALETUNE_PYTHON, 'python3', '/usr/bin/python3']) {
    if (!py) continue;
    const r = spawnSync(py, ['-c', 'import torch'], { timeout: 60_000 });
    if (r.status === 0) return py;
  }
  return null;
}

const python = findTorchPython();
if (!python) console.warn('torch-trainer tests skipped: no python3 that imports torch (apt-get install python3-torch)');

interface Line {
  step?: number;
  [k: string]: unknown;
}
const jsonLines = (s: string): Line[] => s.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Line);

describe.skipIf(!python)('torch_lm.py, the PyTorch reference trainer (CPU)', () => {
  const common = ['--arch=mlp', '--width=16', '--depth=1', '--window=3', '--seq_len=16', '--batch_size=8', '--threads=1'];

  it('runs a study through the command backend on a token file written by scaletune data; a diverging run FAILs', async () => {
    const dir = tmpDir();
    const data = await runCli(['data', '--out', path.join(dir, 'syn.bin'), '--tokens', '60000', '--vocab', '16', '--order', '2', '--branching', '3', '--json'], { cwd: dir });
    expect(data.code).toBe(0);
    expect(JSON.parse(data.stdout).entropy_rate).toBeGreaterThan(0);
    const cfg = writeFile(
      dir,
      'study.yaml',
      `name: torch
method: grid
metric: {name: val_loss, goal: minimize}
program: ${TORCH_LM}
command: ["${python}", "\${program}", "\${args}"]
parallel: 2
parameters:
  lr: {values: [0.003, 0.03, 80.0]}
  tokens_file: {value: ${path.join(dir, 'syn.bin')}}
  arch: {value: mlp}
  width: {value: 16}
  depth: {value: 1}
  window: {value: 3}
  seq_len: {value: 16}
  batch_size: {value: 8}
  steps: {value: 40}
  clip: {value: 0.0}
  warmup: {value: 0.0}
  threads: {value: 1}
`,
    );
    const db = path.join(dir, 'st.db');
    const r = await runCli(['run', cfg, '--db', db], { cwd: dir });
    await withDb(db, async (storage) => {
      const s = (await storage.getStudy('torch'))!;
      const trials = await storage.getTrials(s.id);
      const byLr = new Map(trials.map((t) => [t.params.lr, t]));
      for (const lr of [0.003, 0.03]) {
        const t = byLr.get(lr)!;
        expect(t.state, t.error ?? '').toBe('COMPLETE');
        expect(t.checkpoint).toMatch(/step-0000040$/);
        const names = new Set((await storage.getMetrics(s.id, t.id)).map((m) => m.name));
        for (const n of ['train_loss', 'val_loss', 'params', 'flops', 'tokens_per_s', 'gflops_per_s', 'loss_floor']) expect(names).toContain(n);
      }
      expect(byLr.get(0.03)!.value!).toBeLessThan(byLr.get(0.003)!.value!);
      expect(byLr.get(80)!.state).toBe('FAIL');
      expect(byLr.get(80)!.error).toMatch(/exited with code 3: .*diverged: train_loss/s);
    });
    expect(r.code).toBe(0);
  }, 120_000);

  it('checkpoints and resumes from SCALETUNE_RESUME_FROM where it left off, with the same losses', () => {
    const dir = tmpDir();
    spawnSync(process.execPath, [path.join(ROOT, 'bin/scaletune.js'), 'data', '--out', path.join(dir, 't.bin'), '--tokens', '30000', '--vocab', '16'], { encoding: 'utf8' });
    const args = [TORCH_LM, `--tokens_file=${path.join(dir, 't.bin')}`, ...common, '--steps=20', '--log_every=1', '--checkpoint_every=10', '--keep_checkpoints=5', '--lr=0.01'];
    const full = spawnSync(python!, args, { encoding: 'utf8', env: { ...process.env, SCALETUNE_CHECKPOINT_DIR: path.join(dir, 'a') } });
    expect(full.status, full.stderr).toBe(0);
    const a = jsonLines(full.stdout);
    const cp = a.find((l) => l.step === 10)!.checkpoint as string;
    expect(cp).toMatch(/step-0000010$/);
    const resumed = spawnSync(python!, args, { encoding: 'utf8', env: { ...process.env, SCALETUNE_CHECKPOINT_DIR: path.join(dir, 'b'), SCALETUNE_RESUME_FROM: cp } });
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/resumed from .* at step 10/);
    const b = jsonLines(resumed.stdout);
    expect(b[0]!.step).toBe(11);
    for (const line of b) expect(line.train_loss).toBeCloseTo(a.find((x) => x.step === line.step)!.train_loss as number, 6);
    const wrong = spawnSync(python!, [...args.filter((x) => !x.startsWith('--width')), '--width=32'], { encoding: 'utf8', env: { ...process.env, SCALETUNE_RESUME_FROM: cp } });
    expect(wrong.status).not.toBe(0);
    expect(wrong.stderr).toMatch(/saved by a model with width 16; this run has width 32/);
  }, 120_000);
});

describe.skipIf(!python)('torch_lm.py and the tfjs backend train the same model family', () => {
  it('reach about the same held-out loss with the same settings on the same language', async () => {
    const { runInProcess } = await import('../../src/backends/tfjs/run.js');
    const dir = tmpDir();
    const data = { vocab: 16, order: 2, branching: 3, mix: 0.05, seed: 4 };
    await runCli(['data', '--out', path.join(dir, 's.bin'), '--tokens', '400000', '--vocab', '16', '--order', '2', '--branching', '3', '--mix', '0.05', '--seed', '4']);
    const settings = { arch: 'mlp', width: 32, depth: 2, window: 4, seq_len: 16, batch_size: 32, steps: 150, lr: 0.02, eval_batches: 16 };
    let tfjsLoss = NaN;
    await runInProcess({ backend: { type: 'tfjs', task: 'synthetic-lm', runtime: 'wasm', data, settings }, params: {}, checkpointDir: path.join(dir, 'ck'), resumeFrom: null }, (m) => {
      if (m.type === 'report' && m.report.metrics.val_loss !== undefined) tfjsLoss = m.report.metrics.val_loss;
    });
    const args = [TORCH_LM, `--tokens_file=${path.join(dir, 's.bin')}`, '--threads=1', ...Object.entries(settings).map(([k, v]) => `--${k}=${v}`)];
    const r = spawnSync(python!, args, { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const torchLoss = jsonLines(r.stdout).at(-1)!.val_loss as number;
    const unigram = JSON.parse(readFileSync(path.join(dir, 's.bin.json'), 'utf8')).unigram_entropy as number;
    // both learn well below the unigram entropy, and agree to within a few hundredths of a nat
    expect(tfjsLoss).toBeLessThan(unigram - 0.3);
    expect(Math.abs(tfjsLoss - torchLoss), `tfjs ${tfjsLoss}, torch ${torchLoss}`).toBeLessThan(0.08);
  }, 120_000);

  it('trains the transformer on a text corpus (PyTorch 1.13 attention path on CPU)', () => {
    const dir = tmpDir();
    const corpus = writeFile(dir, 'c.txt', 'Call me Ishmael. Some years ago, never mind how long precisely, having little money. '.repeat(50));
    const r = spawnSync(python!, [TORCH_LM, `--corpus=${corpus}`, '--arch=transformer', '--width=32', '--depth=1', '--heads=2', '--seq_len=16', '--batch_size=8', '--steps=30', '--threads=1', '--lr=0.01'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const last = jsonLines(r.stdout).at(-1)!;
    expect(last.step).toBe(30);
    expect(last.val_loss).toBeLessThan(Math.log(new Set('Call me Ishmael. Some years ago, never mind how long precisely, having little money. ').size));
  }, 60_000);
});

describe.skipIf(!python)('backend: {type: torch}, one word apart from tfjs', () => {
  const block = (type: string) => `backend:
  type: ${type}
  task: synthetic-lm
  data: {vocab: 16, order: 2, branching: 3, mix: 0.05, seed: 4}
  model: {arch: mlp, depth: 2, window: 4, seq_len: 16, width: 32}
  train: {batch_size: 32, tokens: 76800, warmup: 0.05, eval_batches: 16}
`;

  it('a study on backend torch and the same study on backend tfjs reach about the same loss at each learning rate', async () => {
    const dir = tmpDir();
    const db = path.join(dir, 'b.db');
    const losses: Record<string, Map<unknown, number>> = {};
    for (const type of ['torch', 'tfjs']) {
      const cfg = writeFile(dir, `${type}.yaml`, `name: same-${type}\nmethod: grid\nmetric: {name: val_loss, goal: minimize}\nparallel: 2\nparameters:\n  lr: {values: [0.005, 0.03]}\n${block(type)}`);
      const r = await runCli(['run', cfg, '--db', db, '--no-live'], { cwd: dir });
      expect(r.code, r.stderr).toBe(0);
      await withDb(db, async (storage) => {
        const s = (await storage.getStudy(`same-${type}`))!;
        losses[type] = new Map((await storage.getTrials(s.id)).map((t) => [t.params.lr, t.value!]));
        if (type === 'torch') {
          const names = new Set((await storage.getMetrics(s.id)).map((m) => m.name));
          for (const n of ['params', 'flops', 'loss_floor']) expect(names).toContain(n);
        }
      });
    }
    for (const lr of [0.005, 0.03]) expect(Math.abs(losses.torch!.get(lr)! - losses.tfjs!.get(lr)!), `lr ${lr}: torch ${losses.torch!.get(lr)}, tfjs ${losses.tfjs!.get(lr)}`).toBeLessThan(0.08);
  }, 120_000);

  it('harvests: a two-size ladder yields four budgets per size with either design', async () => {
    const dir = tmpDir();
    const db = path.join(dir, 'h.db');
    for (const design of ['cooldown', 'wsds']) {
      const cfg = writeFile(
        dir,
        `${design}.yaml`,
        `name: h-${design}\nmethod: grid\nmetric: {name: val_loss, goal: minimize}\nparallel: 2\nparameters:\n  lr: {values: [0.01, 0.03, 0.1]}\n${block('torch').replace('tokens: 76800, ', '')}scales:\n  - {name: w8, tokens: 25600, model: {width: 8}}\n  - {name: w16, tokens: 25600, model: {width: 16}}\nharvest: {design: ${design}}\n`,
      );
      const r = await runCli(['run', cfg, '--db', db, '--no-live'], { cwd: dir });
      expect(r.code, r.stderr).toBe(0);
      const rep = await runCli(['report', `h-${design}`, '--db', db, '--format', 'json'], { cwd: dir });
      const points = JSON.parse(rep.stdout).ladder.points as { harvest: { scale: string }; D: number; runs: unknown[] }[];
      for (const scale of ['w8', 'w16']) {
        const mine = points.filter((p) => p.harvest.scale === scale);
        expect(mine.map((p) => p.D), design).toEqual([3200, 6400, 12800, 25600]);
        for (const p of mine) expect(p.runs, `${design} ${scale} ${p.D}`).toHaveLength(3);
      }
    }
  }, 180_000);

  it('refuses what only tfjs has, and a program of its own', async () => {
    const dir = tmpDir();
    const cfg = writeFile(dir, 'bad.yaml', `method: random\nrun_cap: 1\nprogram: x.py\nparameters:\n  lr: {values: [0.01]}\nbackend: {type: torch, runtime: wasm, threads: 0, compile: sometimes, dtype: fp8}\n`);
    const r = await runCli(['create', cfg, '--db', path.join(dir, 'x.db')], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/backend\.runtime: chooses the runtime of backend tfjs/);
    expect(r.stderr).toMatch(/backend\.threads: found 0/);
    expect(r.stderr).toMatch(/backend\.compile: found "sometimes"; allowed: off \(each trial is its own process and would compile again\), on, auto/);
    expect(r.stderr).toMatch(/backend\.dtype: found "fp8"; allowed: auto \(bf16 autocast on CUDA, fp32 on CPU\), fp32, bf16/);
    expect(r.stderr).toMatch(/program: not used by backend torch/);
  });
});
