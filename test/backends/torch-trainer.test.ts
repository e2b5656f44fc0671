/**
 * The PyTorch reference trainer (fixtures/trainers/torch_lm.py) on CPU through the command backend.
 * CI installs Debian's python3-torch; elsewhere the suite says why it skips.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStorage } from '../../src/storage/index.js';
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
    const storage = openStorage(db, { create: false });
    try {
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
    } finally {
      await storage.close();
    }
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
