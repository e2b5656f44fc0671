import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadRuntime, type TF } from '../../../src/backends/tfjs/runtime.js';
import { resolveRunSettings, type TfjsBackendConfig } from '../../../src/backends/tfjs/settings.js';
import { SyntheticLmTask } from '../../../src/backends/tfjs/tasks.js';
import { DivergedError, train, type TrainReport } from '../../../src/backends/tfjs/train.js';
import { tmpDir } from '../../helpers/fixtures.js';

const data = { vocab: 16, order: 2, branching: 3, mix: 0.05, seed: 1 };
const task = new SyntheticLmTask(data);
const cfg = (settings: Record<string, number | string | boolean>): TfjsBackendConfig => ({ type: 'tfjs', task: 'synthetic-lm', runtime: 'cpu', data, settings });

let tf: TF;
beforeAll(async () => {
  tf = (await loadRuntime('cpu')).tf;
});

async function run(settings: Record<string, number | string | boolean>, extra: { checkpointDir?: string | null; resumeFrom?: string | null; stopAfter?: number } = {}): Promise<TrainReport[]> {
  const reports: TrainReport[] = [];
  await train({
    tf,
    settings: resolveRunSettings(cfg(settings), {}, task.vocab),
    task,
    checkpointDir: extra.checkpointDir ?? null,
    resumeFrom: extra.resumeFrom ?? null,
    report: (r) => reports.push(r),
    ...(extra.stopAfter !== undefined ? { stopAfter: extra.stopAfter } : {}),
  });
  return reports;
}

describe('tfjs training loop (CPU backend)', () => {
  it('a tiny MLP learns: held-out loss falls below the unigram entropy, and the accounting is reported', async () => {
    const reports = await run({ arch: 'mlp', width: 16, depth: 1, window: 3, seq_len: 16, batch_size: 16, steps: 80, lr: 0.02 });
    const last = reports.at(-1)!;
    expect(reports[0]!.metrics.train_loss).toBeGreaterThan(task.unigramEntropy * 0.95);
    expect(last.metrics.val_loss).toBeLessThan(task.unigramEntropy - 0.2);
    expect(last.metrics.val_loss).toBeGreaterThan(task.lossFloor(16));
    expect(last.step).toBe(80);
    expect(last.tokens).toBe(80 * 16 * 16);
    expect(last.metrics.params).toBe(3 * 16 * 16 + 16 + 16);
    expect(last.metrics.flops).toBe(6 * (3 * 16 * 16 + 16 * 16) * 80 * 16 * 16);
    expect(last.metrics.tokens_per_s).toBeGreaterThan(0);
    expect(last.metrics.gflops_per_s).toBeGreaterThan(0);
    expect(last.metrics.loss_floor).toBeCloseTo(task.lossFloor(16), 12);
  });

  it('a tiny transformer learns below the unigram entropy', async () => {
    const reports = await run({ width: 16, depth: 1, heads: 2, seq_len: 8, batch_size: 16, steps: 60, lr: 0.02 });
    expect(reports.at(-1)!.metrics.val_loss).toBeLessThan(task.unigramEntropy - 0.1);
  });

  it('checkpoint → restore continues bit for bit', async () => {
    const dir = tmpDir();
    const settings = { width: 16, depth: 1, heads: 2, seq_len: 8, batch_size: 4, steps: 12, lr: 0.01, log_every: 1, eval_every: 6, checkpoint_every: 6, keep_checkpoints: 5 };
    const full = await run(settings, { checkpointDir: path.join(dir, 'a') });
    const cp = full.find((r) => r.step === 6)!.checkpoint!;
    expect(cp).toMatch(/step-0000006$/);
    const resumed = await run(settings, { checkpointDir: path.join(dir, 'b'), resumeFrom: cp });
    expect(resumed.map((r) => r.step)).toEqual([7, 8, 9, 10, 11, 12]);
    for (const r of resumed) {
      const same = full.find((f) => f.step === r.step)!;
      expect(r.metrics.train_loss).toBe(same.metrics.train_loss);
      expect(r.metrics.grad_norm).toBe(same.metrics.grad_norm);
    }
    expect(resumed.at(-1)!.metrics.val_loss).toBe(full.at(-1)!.metrics.val_loss);
    const a = readFileSync(path.join(full.at(-1)!.checkpoint!, 'tensors.f32'));
    const b = readFileSync(path.join(resumed.at(-1)!.checkpoint!, 'tensors.f32'));
    expect(a.equals(b)).toBe(true);
  });

  it('keeps only the last keep_checkpoints checkpoints, and refuses one from another architecture', async () => {
    const dir = tmpDir();
    const reports = await run({ width: 16, depth: 1, heads: 2, seq_len: 8, batch_size: 4, steps: 6, checkpoint_every: 2, keep_checkpoints: 2 }, { checkpointDir: dir });
    const { readdirSync } = await import('node:fs');
    expect(readdirSync(dir).sort()).toEqual(['step-0000004', 'step-0000006']);
    await expect(run({ width: 32, depth: 1, heads: 2, seq_len: 8, batch_size: 4, steps: 8 }, { resumeFrom: reports.at(-1)!.checkpoint! })).rejects.toThrow(/was saved by a model with width 16; this run has width 32/);
    await expect(run({ width: 16, depth: 1, heads: 2, seq_len: 8, batch_size: 4, steps: 8 }, { resumeFrom: dir })).rejects.toThrow(/has no state\.json/);
  });

  it('ends a diverging run with the reason: loss above the threshold, or a huge learning rate', async () => {
    await expect(run({ width: 16, depth: 1, heads: 2, seq_len: 8, batch_size: 4, steps: 5, diverge_loss: 1 })).rejects.toThrow(/diverged: train_loss 2\.\d+ at step 1 is above diverge_loss 1\.000/);
    const err = await run({ arch: 'mlp', width: 16, depth: 2, seq_len: 8, batch_size: 8, steps: 60, lr: 50, clip: 0, warmup: 0, schedule: 'constant' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DivergedError);
    expect(String(err)).toMatch(/diverged: train_loss (NaN|Infinity|[\d.]+ at step \d+ is above)/);
  });
});

describe('muP coordinate check (WASM)', () => {
  it('activations stay flat across widths under muP and grow under the standard parametrization', async () => {
    const wasm = (await loadRuntime('wasm')).tf;
    const rms = async (width: number, mup: boolean): Promise<Record<string, number>> => {
      let last: TrainReport | undefined;
      const settings = resolveRunSettings(
        { type: 'tfjs', task: 'synthetic-lm', runtime: 'wasm', data, settings: { width, depth: 2, heads: 4, seq_len: 16, batch_size: 8, steps: 20, lr: 0.01, mup, base_width: 32, warmup: 0, schedule: 'constant', clip: 0 } },
        {},
        task.vocab,
      );
      await train({ tf: wasm, settings, task, checkpointDir: null, resumeFrom: null, report: (r) => (last = r), coordinateCheck: true });
      return last!.metrics;
    };
    const sp = [await rms(32, false), await rms(256, false)];
    const mu = [await rms(32, true), await rms(256, true)];
    // identical at the base width
    expect(mu[0]!['rms/h0']).toBe(sp[0]!['rms/h0']);
    expect(sp[1]!['rms/h0']! / sp[0]!['rms/h0']!).toBeGreaterThan(4);
    const ratio = mu[1]!['rms/h0']! / mu[0]!['rms/h0']!;
    expect(ratio).toBeGreaterThan(1 / 1.5);
    expect(ratio).toBeLessThan(1.5);
    expect(mu[1]!['rms/logits']! / mu[0]!['rms/logits']!).toBeLessThan(1.5);
    // the learning rate tuned at width 32 still works 8x wider under muP, not under SP
    expect(mu[1]!.val_loss!).toBeLessThan(mu[0]!.val_loss! + 0.02);
    expect(sp[1]!.val_loss!).toBeGreaterThan(mu[1]!.val_loss!);
  }, 60_000);
});
