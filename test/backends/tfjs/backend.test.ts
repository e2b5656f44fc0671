import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { withDb } from '../../helpers/db.js';
import { runCli } from '../../helpers/cli.js';
import { tmpDir, writeFile } from '../../helpers/fixtures.js';
import { untilRow } from '../../helpers/wait.js';

const study = `
name: tiny
method: grid
metric: {name: val_loss, goal: minimize}
parallel: 2
parameters:
  lr: {values: [0.003, 0.03, 80.0]}
backend:
  type: tfjs
  task: synthetic-lm
  data: {vocab: 16, order: 2, branching: 3, seed: 2}
  model: {arch: mlp, width: 16, depth: 1, window: 3, seq_len: 16}
  train: {steps: 40, batch_size: 8, clip: 0, warmup: 0, schedule: constant, eval_every: 20}
`;

describe('backend tfjs through the CLI (worker threads)', () => {
  it('runs a study: losses and accounting recorded, checkpoints announced, a diverging run FAILs with its reason', async () => {
    const dir = tmpDir();
    const cfg = writeFile(dir, 'study.yaml', study);
    const db = path.join(dir, 'st.db');
    const r = await runCli(['run', cfg, '--db', db], { cwd: dir });
    expect(r.stderr + r.stdout).toMatch(/3 trials|complete/i);
    await withDb(db, async (storage) => {
      const s = (await storage.getStudy('tiny'))!;
      const trials = await storage.getTrials(s.id);
      expect(trials).toHaveLength(3);
      const byLr = new Map(trials.map((t) => [t.params.lr, t]));
      for (const lr of [0.003, 0.03]) {
        const t = byLr.get(lr)!;
        expect(t.state).toBe('COMPLETE');
        expect(t.value).toBeGreaterThan(0);
        expect(t.checkpoint).toMatch(/checkpoints[\\/]step-0000040$/);
        const names = new Set((await storage.getMetrics(s.id, t.id)).map((m) => m.name));
        for (const n of ['train_loss', 'val_loss', 'lr', 'grad_norm', 'params', 'flops', 'tokens_per_s', 'gflops_per_s', 'loss_floor']) expect(names).toContain(n);
      }
      expect(byLr.get(0.03)!.value!).toBeLessThan(byLr.get(0.003)!.value!);
      const bad = byLr.get(80)!;
      expect(bad.state).toBe('FAIL');
      expect(bad.error).toMatch(/^diverged: train_loss/);
      const logs = await storage.getLogs(bad.id);
      expect(logs.map((l) => l.line).join('\n')).toMatch(/tfjs runtime: (wasm|tensorflow|cpu)/);
    });
    expect(r.code).toBe(0);
  });

  it('fails a trial whose sampled value the model cannot take, with the reason', async () => {
    const dir = tmpDir();
    const cfg = writeFile(
      dir,
      'study.yaml',
      `name: odd\nmethod: grid\nmetric: {name: val_loss, goal: minimize}\nparameters:\n  width: {values: [15]}\nbackend: {type: tfjs, runtime: cpu, model: {heads: 2, depth: 1, seq_len: 8}, train: {steps: 2, batch_size: 2}}\n`,
    );
    const db = path.join(dir, 'st.db');
    await runCli(['run', cfg, '--db', db], { cwd: dir });
    await withDb(db, async (storage) => {
      const [t] = await storage.getTrials((await storage.getStudy('odd'))!.id);
      expect(t!.state).toBe('FAIL');
      expect(t!.error).toMatch(/width 15 is not a multiple of heads 2/);
    });
  });

  it('doctor names the active runtime and why the others are not used', async () => {
    const r = await runCli(['doctor', '--json']);
    expect(r.code).toBe(0);
    const info = JSON.parse(r.stdout);
    expect(['wasm', 'tensorflow', 'tensorflow-gpu', 'cpu']).toContain(info.active);
    const names = info.runtimes.map((p: { name: string }) => p.name);
    expect(names).toEqual(['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']);
    for (const p of info.runtimes) expect(p.detail.length).toBeGreaterThan(3);
    const plain = await runCli(['doctor']);
    expect(plain.stdout).toMatch(/tfjs backend runtime: \w+/);
  });
});

describe('backend tfjs: interrupt, resume, demo, text', () => {
  it('an interrupted run is re-queued and its copy resumes from the last checkpoint', async () => {
    const dir = tmpDir();
    const cfg = writeFile(
      dir,
      'study.yaml',
      `name: resumable\nmethod: grid\nmetric: {name: val_loss, goal: minimize}\nparameters:\n  lr: {values: [0.01, 0.02]}\nbackend:\n  type: tfjs\n  model: {arch: mlp, width: 64, depth: 2, seq_len: 32}\n  train: {steps: 240, batch_size: 32, checkpoint_every: 10, eval_every: 120}\n`,
    );
    const db = path.join(dir, 'st.db');
    const ac = new AbortController();
    const first = runCli(['run', cfg, '--db', db], { cwd: dir, signal: ac.signal });
    await untilRow(db, "SELECT 1 FROM trials WHERE state = 'RUNNING' AND checkpoint IS NOT NULL");
    ac.abort();
    expect((await first).code).toBe(130);
    const again = await runCli(['resume', 'resumable', '--db', db], { cwd: dir });
    expect(again.code).toBe(0);
    await withDb(db, async (storage) => {
      const st = (await storage.getStudy('resumable'))!;
      const trials = await storage.getTrials(st.id);
      const done = trials.filter((t) => t.state === 'COMPLETE');
      expect(done.map((t) => t.params.lr).sort()).toEqual([0.01, 0.02]);
      const copy = done.find((t) => t.retryOf !== null)!;
      expect(copy.resumeFrom).toMatch(/step-\d{7}$/);
      const lines = (await storage.getLogs(copy.id)).map((l) => l.line).join('\n');
      expect(lines).toMatch(/resumed from .*step-\d{7} at step \d+/);
      const steps = (await storage.getMetrics(st.id, copy.id)).filter((m) => m.name === 'train_loss').map((m) => m.step);
      expect(Math.min(...steps)).toBeGreaterThan(1);
      expect(Math.max(...steps)).toBe(240);
    });
  }, 120_000);

  it('scaletune demo --quick runs the whole ladder: three widths harvested at two budgets, the laws, a prediction for 4x, a verify run there', async () => {
    const dir = tmpDir();
    const r = await runCli(['demo', '--quick', '--json', '--db', path.join(dir, 'demo.db')], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    const L = out.ladder;
    expect(L.scales.map((s: { name: string }) => s.name)).toEqual(['w8', 'w16', 'w24']);
    // N of each width as the trainer reported it: growing with the width
    const Ns = L.scales.map((s: { N: number }) => s.N);
    expect(Ns[0]).toBeGreaterThan(100);
    expect(Ns[1]).toBeGreaterThan(Ns[0]);
    expect(Ns[2]).toBeGreaterThan(Ns[1]);
    expect(L.target).toMatchObject({ name: 'w24x4', N: 4 * 2952 });
    // three widths at two budgets: N and D vary apart
    expect(L.points.map((p: { name: string }) => p.name)).toEqual(['w8@0.5', 'w8@1', 'w16@0.5', 'w16@1', 'w24@0.5', 'w24@1']);
    expect(L.laws.lr).toMatchObject({ x: ['N', 'D'], chosen: 'auto' });
    expect(L.prediction.lr.value).toBeGreaterThan(0);
    expect(L.laws.loss).toMatchObject({ law: 'chinchilla' });
    expect(L.prediction.loss.value).toBeGreaterThan(0);
    expect(L.backtest.scale).toBe('w24');
    expect(out.verify).toHaveLength(1);
    expect(out.verify[0]).toMatchObject({ at: 'target', scale: 'w24x4', state: 'complete', held_back: false });
    expect(out.verify[0].params.lr).toBeCloseTo(L.prediction.lr.value, 10);
    expect(out.verify[0].measured).toBeGreaterThan(1);
    const plain = await runCli(['demo', '--quick', '--db', path.join(dir, 'demo.db')], { cwd: dir });
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout).toMatch(/laws across scales and budgets:/);
    expect(plain.stdout).toMatch(/prediction for w24x4 \(N = 11808, D = 12000\), 95% intervals:\n  lr\* = /);
    expect(plain.stdout).toMatch(/verify at w24x4 .*\n  val_loss: predicted .* measured /);
    expect(plain.stdout).toMatch(/the loss law's E (= .* against the language's exact Bayes loss|is not determined by these widths)/);
    expect(plain.stdout).toMatch(/\nverdict at w24x4 \(the target, trained once with the predicted lr [\d.e-]+\): predicted val_loss .*, measured [\d.]+: /);
    expect(plain.stderr).toMatch(/demo: study demo-2/);
    // its numbers are no result, and it says so before and after
    expect(plain.stderr).toContain('demo --quick is a smoke test of the pipeline, not a result');
    expect(plain.stdout.trimEnd().split('\n').at(-1)).toMatch(/^demo --quick is a smoke test of the pipeline, not a result: .* `scaletune demo` runs the real ladder/);
  }, 120_000);

  it('text-lm trains a character model on a corpus named in the config', async () => {
    const dir = tmpDir();
    writeFile(dir, 'corpus.txt', 'It was the best of times, it was the worst of times, it was the age of wisdom. '.repeat(60));
    const cfg = writeFile(
      dir,
      'study.yaml',
      `name: chars\nmethod: grid\nmetric: {name: val_loss, goal: minimize}\nparameters:\n  lr: {values: [0.02]}\nbackend:\n  type: tfjs\n  task: text-lm\n  data: {corpus: corpus.txt}\n  model: {arch: mlp, width: 32, depth: 1, window: 4, seq_len: 16}\n  train: {steps: 60, batch_size: 16}\n`,
    );
    const db = path.join(dir, 'st.db');
    expect((await runCli(['run', cfg, '--db', db], { cwd: dir })).code).toBe(0);
    await withDb(db, async (storage) => {
      const [t] = await storage.getTrials((await storage.getStudy('chars'))!.id);
      expect(t!.state).toBe('COMPLETE');
      const logs = (await storage.getLogs(t!.id)).map((l) => l.line).join('\n');
      const unigram = Number(/"unigram_entropy":([\d.]+)/.exec(logs)![1]);
      expect(t!.value!).toBeLessThan(unigram);
    });
  }, 60_000);
});

describe('backend tfjs: limits', () => {
  it('a run past the study timeout is stopped and FAILs saying so', async () => {
    const dir = tmpDir();
    const cfg = writeFile(
      dir,
      'study.yaml',
      `name: slow\nmethod: grid\nmetric: {name: val_loss, goal: minimize}\ntimeout: 2s\nparameters:\n  lr: {values: [0.01]}\nbackend:\n  type: tfjs\n  model: {arch: mlp, width: 128, depth: 2, seq_len: 32}\n  train: {steps: 100000, batch_size: 32}\n`,
    );
    const db = path.join(dir, 'st.db');
    const t0 = Date.now();
    const r = await runCli(['run', cfg, '--db', db], { cwd: dir });
    expect(Date.now() - t0).toBeLessThan(20_000);
    expect(r.code).toBe(4);
    await withDb(db, async (storage) => {
      const [t] = await storage.getTrials((await storage.getStudy('slow'))!.id);
      expect(t!.state).toBe('FAIL');
      expect(t!.error).toBe('timed out after 2.0s (the training thread was stopped)');
    });
  }, 30_000);
});

describe('backend tfjs under PBT', () => {
  it('trains members in segments that stop at the boundary with a checkpoint, and exploits copy checkpoint folders', async () => {
    const dir = tmpDir();
    const cfg = writeFile(
      dir,
      'pbt.yaml',
      `name: lm\nmethod: pbt\nmetric: {name: val_loss, goal: minimize}\nparallel: 2\nseed: 1\nparameters:\n  lr: {distribution: log_uniform_values, min: 0.0001, max: 0.1}\nbackend:\n  type: tfjs\n  model: {arch: mlp, width: 16, depth: 1, window: 3, seq_len: 16}\n  train: {steps: 40, batch_size: 8, schedule: constant, warmup: 0, eval_batches: 2}\npbt: {population: 2, perturbation_interval: 20, max_steps: 40, resample_probability: 0, synch: true}\n`,
    );
    const db = path.join(dir, 'st.db');
    const r = await runCli(['run', cfg, '--db', db], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    await withDb(db, async (storage) => {
      const st = (await storage.getStudy('lm'))!;
      const trials = await storage.getTrials(st.id);
      expect(trials.map((t) => [t.member, t.stopAt, t.state])).toEqual(
        expect.arrayContaining([
          [0, 20, 'COMPLETE'],
          [1, 20, 'COMPLETE'],
          [0, 40, 'COMPLETE'],
          [1, 40, 'COMPLETE'],
        ]),
      );
      for (const t of trials.filter((x) => x.stopAt === 20)) expect(t.checkpoint).toMatch(/step-0000020$/);
      // the worse member copied the better one's checkpoint folder and went on from step 20
      const [e] = await storage.getLineage(st.id);
      expect(e).toMatchObject({ step: 20, kind: 'exploit' });
      const next = trials.find((t) => t.id === e!.nextTrialId)!;
      expect(next.resumeFrom).toMatch(/pbt[\\/]member-00\d[\\/]step-20-from-\d[\\/]step-0000020$/);
      const logs = (await storage.getLogs(next.id)).map((l) => l.line).join('\n');
      expect(logs).toMatch(/resumed from .*step-20-from-.* at step 20/);
      const steps = (await storage.getMetrics(st.id, next.id)).filter((m) => m.name === 'train_loss').map((m) => m.step);
      expect(Math.min(...steps)).toBeGreaterThan(20);
    });
  }, 60_000);
});

describe('backend tfjs under PBT with intervals in tokens', () => {
  it('ends segments at token boundaries whatever each member’s batch size, and counts tokens across a change of batch size', async () => {
    const dir = tmpDir();
    const cfg = writeFile(
      dir,
      'pbt.yaml',
      `name: tok\nmethod: pbt\nmetric: {name: val_loss, goal: minimize}\nparallel: 2\nseed: 2\nparameters:\n  lr: {distribution: log_uniform_values, min: 0.0001, max: 0.1}\n  batch_size: {values: [8, 16, 32]}\nbackend:\n  type: tfjs\n  model: {arch: mlp, width: 16, depth: 1, window: 3, seq_len: 16}\n  train: {steps: 1000, schedule: constant, warmup: 0, eval_batches: 2}\npbt: {population: 2, perturbation_interval: {tokens: 2048}, max_tokens: 6144, synch: true, resample_probability: 1}\n`,
    );
    const db = path.join(dir, 'st.db');
    const r = await runCli(['run', cfg, '--db', db], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    await withDb(db, async (storage) => {
      const st = (await storage.getStudy('tok'))!;
      expect(st.config.pbt).toMatchObject({ unit: 'tokens', interval: 2048, maxSteps: 6144 });
      const trials = (await storage.getTrials(st.id)).filter((t) => t.state === 'COMPLETE');
      expect(new Set(trials.map((t) => t.stopAt))).toEqual(new Set([2048, 4096, 6144]));
      for (const t of trials) {
        const m = (await storage.getMetrics(st.id, t.id)).filter((x) => x.name === 'train_loss');
        const last = m.at(-1)!;
        const perStep = (t.params.batch_size as number) * 16;
        // the segment ended on the first step at or past its boundary
        expect(last.tokens!).toBeGreaterThanOrEqual(t.stopAt!);
        expect(last.tokens! - perStep).toBeLessThan(t.stopAt!);
      }
    });
  }, 60_000);
});

describe('backend tfjs: harvesting', () => {
  it('a two-size ladder with harvest yields four budgets per size, each branch resumed from its run’s checkpoint', async () => {
    const dir = tmpDir();
    const file = writeFile(
      dir,
      'h.yaml',
      `name: harvested
method: grid
metric: {name: val_loss, goal: minimize}
parallel: 2
parameters:
  lr: {values: [0.01, 0.03, 0.1]}
backend:
  type: tfjs
  task: synthetic-lm
  data: {vocab: 16, order: 2, branching: 3, seed: 2}
  model: {arch: mlp, depth: 1, window: 3, seq_len: 16}
  train: {batch_size: 8, warmup: 0.05, eval_batches: 2}
scales:
  - {name: w8, tokens: 12800, model: {width: 8}}
  - {name: w16, tokens: 12800, model: {width: 16}}
harvest: {design: cooldown, budgets: [0.125, 0.25, 0.5, 1]}
`,
    );
    const db = path.join(dir, 'h.db');
    const r = await runCli(['--db', db, 'run', file, '--no-live'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const rep = await runCli(['--db', db, 'report', 'harvested', '--format', 'json'], { cwd: dir });
    const ladder = JSON.parse(rep.stdout).ladder;
    const budgets = (scale: string) => ladder.points.filter((p: { harvest: { scale: string } }) => p.harvest.scale === scale).map((p: { D: number }) => p.D);
    expect(budgets('w8')).toEqual([1600, 3200, 6400, 12800]);
    expect(budgets('w16')).toEqual([1600, 3200, 6400, 12800]);
    await withDb(db, async (storage) => {
      const study = (await storage.getStudy('harvested'))!;
      const branches = (await storage.getTrials(study.id)).filter((t) => t.scale?.role === 'branch');
      expect(branches).toHaveLength(18);
      for (const b of branches) {
        expect(b.state).toBe('COMPLETE');
        // 128 tokens a step: the decay of budget f starts at f·12800/1.2 tokens
        const f = (b.scale!.branch as { budget: number }).budget;
        expect(b.resumeFrom).toMatch(new RegExp(`step-${String(Math.round((f * 12800) / 1.2 / 128)).padStart(7, '0')}$`));
      }
    });
  }, 90_000);
});
