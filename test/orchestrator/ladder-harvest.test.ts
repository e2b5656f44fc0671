/** Harvesting: each run of a ladder yields its loss at several token budgets (fitters/ladder/harvest.ts). */
import { describe, expect, it } from 'vitest';
import { branchOf, summarizeLadder } from '../../fitters/ladder/index.js';
import { validateStudyConfig } from '../../src/config/index.js';
import { BACKENDS } from '../../src/registry/index.js';
import { runStudy } from '../../src/orchestrator/run-study.js';
import { silentReporter } from '../../src/report/reporter.js';
import { MemoryStorage } from '../../src/storage/memory.js';
import { makeStudy } from '../helpers/fixtures.js';

// Epoch's refit of Chinchilla, the simulator's default loss law
const PLANTED = { E: 1.82, A: 482.01, B: 2085.43, alpha: 0.3478, beta: 0.3658 };

function simLadder(design: 'cooldown' | 'wsds', seed: number) {
  return validateStudyConfig({
    method: 'random',
    metric: { name: 'loss' },
    seed,
    run_cap: 12,
    parallel: 4,
    transfer: 'none',
    parameters: { lr: { distribution: 'log_uniform_values', min: 1e-4, max: 0.03 } },
    // one batch size for every budget of a run: the batch basin and the critical batch off, so that
    // the points differ only in what the loss law and lr*(N, D) say (harvest.md: a point keeps its run's batch)
    backend: { type: 'sim', seq_len: 2048, batch_size: 256, constants: { b_crit_star: 1e30, batch_curvature: 0 } },
    scales: [
      { name: '25M', params: 2.5e7, tokens: 2e9 },
      { name: '100M', params: 1e8, tokens: 8e9 },
      { name: '400M', params: 4e8, tokens: 3.2e10 },
      { name: '1.6B', params: 1.6e9, tokens: 1.28e11 },
    ],
    harvest: { design },
    target: { name: '70B', params: 7e10, tokens: 1.4e12 },
  });
}

const cache = new Map<string, ReturnType<typeof runOnce>>();
const run = (design: 'cooldown' | 'wsds', seed: number) => {
  const key = `${design}-${seed}`;
  if (!cache.has(key)) cache.set(key, runOnce(design, seed));
  return cache.get(key)!;
};

async function runOnce(design: 'cooldown' | 'wsds', seed: number) {
  const config = simLadder(design, seed);
  const storage = new MemoryStorage();
  const study = await makeStudy(storage, config, `h-${design}-${seed}`);
  const end = await runStudy({ storage, study, backend: BACKENDS.sim.create(), reporter: silentReporter });
  const metrics = (await storage.getMetrics(study.id)).filter((m) => ['params', 'flops', 'harvest', 'loss'].includes(m.name));
  return { end, summary: summarizeLadder({ config, trials: end.trials, metrics, seed: study.seed }) };
}

describe('harvest on the simulator', () => {
  for (const design of ['cooldown', 'wsds'] as const) {
    it(`${design}: four sizes at four budgets recover the planted Chinchilla constants within their intervals in most seeds`, async () => {
      let covered = 0;
      for (const seed of [1, 2, 3]) {
        const { summary } = await run(design, seed);
        expect(summary.points).toHaveLength(16);
        const loss = summary.laws.loss!;
        expect(loss.law).toBe('chinchilla');
        const inside = Object.entries(PLANTED).every(([k, v]) => loss.intervals[k]![0] <= v && v <= loss.intervals[k]![1]);
        if (inside) covered++;
      }
      expect(covered).toBeGreaterThanOrEqual(2);
    }, 60_000);
  }

  it('cooldown: a branch per smaller budget of every completed run, outside the run cap, its compute counted', async () => {
    const { end, summary } = await run('cooldown', 1);
    const runs = end.trials.filter((t) => t.scale?.role === undefined);
    const branches = end.trials.filter((t) => branchOf(t));
    expect(runs).toHaveLength(48);
    const complete = runs.filter((t) => t.state === 'COMPLETE');
    expect(branches).toHaveLength(3 * complete.length);
    for (const b of branches) {
      const parent = end.trials.find((t) => t.number === branchOf(b)!.parent)!;
      expect(b.params).toEqual(parent.params);
      expect(b.resumeFrom).toContain(`sim-checkpoint-`);
    }
    const s = summary.scales.find((x) => x.name === '25M')!;
    // 12 runs of 6·N·D, and three branches each of decay/(1+decay) of 1/8, 1/4 and 1/2 of D
    expect(s.compute! / (6 * 2.5e7 * 2e9)).toBeCloseTo(12 * (1 + (0.2 / 1.2) * 0.875), 1);
    expect(summary.backtest?.scale).toBe('1.6B');
  }, 30_000);

  it('wsds: no branch, and every run reports its points', async () => {
    const { end, summary } = await run('wsds', 1);
    expect(end.trials.some((t) => branchOf(t))).toBe(false);
    for (const p of summary.points!) expect(p.runs.length).toBeGreaterThanOrEqual(10);
  }, 30_000);
});
