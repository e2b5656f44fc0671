import { describe, expect, it } from 'vitest';
import { SimBackend, simRunOf } from '../../../src/backends/sim/backend.js';
import { optimalBatch, optimalLr, SIM_DEFAULTS } from '../../../src/backends/sim/model.js';
import type { Report, RunOutcome, RunRequest } from '../../../src/backends/types.js';
import { validateStudyConfig } from '../../../src/config/index.js';
import type { Params } from '../../../src/core/distributions.js';
import type { StudyRecord } from '../../../src/storage/types.js';
import type { Trial } from '../../../src/core/trial.js';

const N = 4e8;
const D = 8e9;
const config = validateStudyConfig({ method: 'grid', metric: { name: 'val_loss' }, parameters: { lr: { values: [0.001] } }, backend: { type: 'sim', params: N, tokens: D, reports: 10 } });
const study = (seed: number): StudyRecord => ({ id: 1, name: 's', config, seed, cwd: '/', artifactsDir: '/', createdAt: 0 });

async function run(params: Params, seed = 1, scale: Record<string, unknown> | null = null): Promise<{ reports: Report[]; outcome: RunOutcome; logs: string[] }> {
  const reports: Report[] = [];
  const logs: string[] = [];
  const req = { study: study(seed), trial: { id: 1, number: 0, scale } as unknown as Trial, params, trialDir: '/nowhere', checkpointDir: '/nowhere', resumeFrom: null } as RunRequest;
  const h = new SimBackend().start(req, { onReport: (r) => reports.push(r), onLog: (_s, l) => logs.push(l) });
  return { reports, outcome: await h.done, logs };
}

describe('backend sim', () => {
  it('streams a learning curve that falls to the law’s loss near the optimum, with the study’s metric name', async () => {
    const lr = optimalLr(SIM_DEFAULTS, N, D);
    const { reports, outcome } = await run({ lr });
    expect(outcome).toMatchObject({ exitCode: 0, failure: null, stopped: null });
    expect(reports).toHaveLength(10);
    const last = reports.at(-1)!;
    expect(last.tokens).toBeGreaterThan(0.95 * D);
    expect(last.metrics.val_loss).toBe(last.metrics.loss);
    expect(last.metrics.params).toBe(N);
    const law = SIM_DEFAULTS.E + SIM_DEFAULTS.A / N ** SIM_DEFAULTS.alpha + SIM_DEFAULTS.B / D ** SIM_DEFAULTS.beta;
    expect(Math.abs(last.metrics.loss! / law - 1)).toBeLessThan(0.01);
    expect(reports[0]!.metrics.loss!).toBeGreaterThan(last.metrics.loss!);
    expect(reports.every((r) => r.totalSteps === reports[0]!.totalSteps)).toBe(true);
  });

  it('gives the same losses for the same seed, parameters and scale, and others for another seed', async () => {
    const a = await run({ lr: 0.001, batch_size: 64 }, 3);
    const b = await run({ batch_size: 64, lr: 0.001 }, 3);
    const c = await run({ lr: 0.001, batch_size: 64 }, 4);
    const d = await run({ lr: 0.001, batch_size: 64 }, 3, { name: 'other' });
    expect(b.reports.map((r) => r.metrics.loss)).toEqual(a.reports.map((r) => r.metrics.loss));
    expect(c.reports.at(-1)!.metrics.loss).not.toBe(a.reports.at(-1)!.metrics.loss);
    expect(d.reports.at(-1)!.metrics.loss).not.toBe(a.reports.at(-1)!.metrics.loss);
  });

  it('fails a run beyond the divergence factor, naming the step and the lr', async () => {
    const lr = optimalLr(SIM_DEFAULTS, N, D) * 12;
    const { outcome, logs } = await run({ lr });
    expect(outcome.exitCode).toBe(1);
    expect(outcome.failure).toMatch(/^diverged at step \d+ \(loss NaN, lr /);
    expect(logs.join('\n')).toContain('diverged');
  });

  it('counts batch_size in sequences of seq_len tokens, and uses the planted optimum when it is not given', () => {
    const cfg = config.backend as Parameters<typeof simRunOf>[0];
    expect(simRunOf(cfg, { lr: 0.001, batch_size: 64 }).batch).toBe(64 * 2048);
    expect(simRunOf(cfg, { lr: 0.001 }).batch).toBeCloseTo(optimalBatch(SIM_DEFAULTS, D), 6);
    expect(simRunOf(cfg, { lr: 0.001, params: 1e6, tokens: 1e7 })).toMatchObject({ N: 1e6, D: 1e7 });
    expect(() => simRunOf({ ...cfg, tokens: undefined } as never, { lr: 0.001 })).toThrow(/tokens is not set/);
  });

  it('stops when asked', async () => {
    const reports: Report[] = [];
    const req = { study: study(1), trial: { id: 1, number: 0, scale: null } as unknown as Trial, params: { lr: 0.001 }, trialDir: '/', checkpointDir: '/', resumeFrom: null } as RunRequest;
    const h = new SimBackend().start(req, { onReport: (r) => reports.push(r), onLog: () => undefined });
    h.stop('interrupted');
    const o = await h.done;
    expect(o.stopped).toBe('interrupted');
    expect(reports.length).toBeLessThan(10);
  });
});
