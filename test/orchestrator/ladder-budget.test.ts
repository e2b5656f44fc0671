/** A ladder with a compute budget: each scale runs its share at most, and stops once it has settled. */
import { describe, expect, it } from 'vitest';
import { summarizeLadder } from '../../fitters/ladder/index.js';
import { parseConfigText, validateStudyConfig } from '../../src/config/index.js';
import { BACKENDS } from '../../src/registry/index.js';
import { runStudy } from '../../src/orchestrator/run-study.js';
import { silentReporter } from '../../src/report/reporter.js';
import { MemoryStorage } from '../../src/storage/memory.js';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { makeStudy, ROOT, tmpDir } from '../helpers/fixtures.js';
import { createStudy } from '../../src/study/create.js';
import { resumeStudy } from '../../src/study/resume.js';

const scales = [{ name: 'a', params: 1e8, tokens: 2e9 }, { name: 'b', params: 4e8, tokens: 8e9 }, { name: 'c', params: 1.6e9, tokens: 3.2e10 }];
const cost = (s: { params: number; tokens: number }) => 6 * s.params * s.tokens;

describe('a ladder with budget: {flops}', () => {
  it('a scale that settled stays settled: the verify run after the search trains one run, and reopens no scale', async () => {
    // the 70B rehearsal on a budget: four runs at a time, so scales settle with runs still in flight
    const text = readFileSync(path.join(ROOT, 'fixtures/studies/ladder-sim.yaml'), 'utf8').replace(/^run_cap: \d+$/m, 'budget: {flops: 5.0e22}\ntransfer: none');
    const { raw, intPaths } = parseConfigText(text, 'ladder-sim.yaml');
    const config = validateStudyConfig(raw, { intPaths });
    const storage = new MemoryStorage();
    const { study } = await createStudy(storage, config, { name: 'settles', cwd: tmpDir() });
    const end = await resumeStudy(storage, study);
    expect(end.ladder?.verify).toHaveLength(1);
    expect((await storage.getEvents(study.id)).some((e) => e.kind === 'scale_settled')).toBe(true);
    const verify = end.trials.find((t) => t.scale?.role === 'verify')!;
    // every search run was claimed before the verify run: none was added after it
    expect(end.trials.filter((t) => t.scale?.role !== 'verify' && t.number > verify.number).map((t) => t.scale?.name)).toEqual([]);
    const again = await resumeStudy(storage, study);
    expect(again.trials).toHaveLength(end.trials.length);
  }, 60_000);

  it("runs each scale's share at most, stops a scale that has settled, and reports the compute it spent", async () => {
    const flops = 20 * cost(scales[0]!) + 12 * cost(scales[1]!) + 5 * cost(scales[2]!);
    const config = validateStudyConfig({
      method: 'random',
      metric: { name: 'loss' },
      seed: 2,
      parallel: 1,
      budget: { flops },
      transfer: 'none',
      parameters: { lr: { distribution: 'log_uniform_values', min: 1e-5, max: 0.1 }, batch_size: { value: 256 } },
      // a flat, noiseless basin: once bracketed, no run improves the best by 0.05%
      backend: { type: 'sim', constants: { noise: 0, lr_curvature: 0.00002 } },
      scales,
    });
    const shares = Object.fromEntries(config.scales!.map((s) => [s.name, s.runCap!]));
    const storage = new MemoryStorage();
    const study = await makeStudy(storage, config, 'budgeted');
    const notes: string[] = [];
    const end = await runStudy({ storage, study, backend: BACKENDS.sim.create(), reporter: { ...silentReporter, note: (m: string) => notes.push(m) } });
    const runsAt = (n: string) => end.trials.filter((t) => t.scale?.name === n).length;
    for (const s of scales) {
      expect(runsAt(s.name)).toBeLessThanOrEqual(shares[s.name]!);
      expect(runsAt(s.name)).toBeGreaterThanOrEqual(5);
    }
    const settled = (await storage.getEvents(study.id)).filter((e) => e.kind === 'scale_settled');
    expect(settled.length).toBeGreaterThan(0);
    for (const e of settled) expect(runsAt(e.detail!.scale as string)).toBeLessThan(shares[e.detail!.scale as string]!);
    expect(notes.join('\n')).toMatch(/scale \w: settled after \d+ of its \d+ runs/);
    const summary = summarizeLadder({ config, trials: end.trials, settled: settled.map((e) => String(e.detail!.scale)) });
    const spent = summary.scales.reduce((sum, s) => sum + s.compute!, 0);
    expect(spent).toBe(scales.reduce((sum, s) => sum + runsAt(s.name) * cost(s), 0));
    expect(spent).toBeLessThanOrEqual(flops);
    expect(summary.scales.every((s) => s.done)).toBe(true);
  });
});
