/** The ladder's scheduler with transfer: a later scale waits for the smaller ones, then searches around their prediction. */
import { describe, expect, it } from 'vitest';
import { validateStudyConfig } from '../../src/config/index.js';
import { BACKENDS } from '../../src/registry/index.js';
import { runStudy } from '../../src/orchestrator/run-study.js';
import { silentReporter } from '../../src/report/reporter.js';
import { MemoryStorage } from '../../src/storage/memory.js';
import { makeStudy } from '../helpers/fixtures.js';

const config = (transfer: string) =>
  validateStudyConfig({
    method: 'random',
    metric: { name: 'loss' },
    run_cap: 6,
    parallel: 3,
    seed: 4,
    transfer,
    parameters: { lr: { distribution: 'log_uniform_values', min: 1e-6, max: 0.1 } },
    backend: { type: 'sim' },
    scales: [{ name: 'a', params: 1e8, tokens: 2e9 }, { name: 'b', params: 4e8, tokens: 8e9 }, { name: 'c', params: 1.6e9, tokens: 3.2e10 }],
  });

async function run(transfer: string) {
  const storage = new MemoryStorage();
  const study = await makeStudy(storage, config(transfer), `t-${transfer}`);
  const notes: string[] = [];
  const end = await runStudy({ storage, study, backend: BACKENDS.sim.create(), reporter: { ...silentReporter, note: (m: string) => notes.push(m) } });
  return { end, notes, events: await storage.getEvents(study.id) };
}

describe('a ladder with transfer: auto', () => {
  it("starts the third scale once the two before it are done, at the predicted optimum, every run inside the box around it", async () => {
    const { end, notes, events } = await run('auto');
    expect(end.trials.filter((t) => t.state === 'COMPLETE' || t.state === 'FAIL')).toHaveLength(18);
    const planned = events.filter((e) => e.kind === 'transfer_planned');
    expect(planned.map((e) => e.detail?.scale)).toEqual(['c']);
    const detail = planned[0]!.detail as { boxes: { lr: [number, number] }; lr: { value: number }; from: string[] };
    expect(detail.from).toEqual(['a', 'b']);
    const c = end.trials.filter((t) => t.scale?.name === 'c').sort((x, y) => x.number - y.number);
    const earlier = end.trials.filter((t) => t.scale?.name !== 'c');
    // no run of c started before every run of a and b had finished
    expect(Math.min(...c.map((t) => t.startedAt!))).toBeGreaterThanOrEqual(Math.max(...earlier.map((t) => t.finishedAt!)));
    expect(c[0]!.params.lr).toBeCloseTo(detail.lr.value, 12);
    for (const t of c) {
      expect(t.params.lr as number).toBeGreaterThanOrEqual(detail.boxes.lr[0]);
      expect(t.params.lr as number).toBeLessThanOrEqual(detail.boxes.lr[1]);
    }
    expect(notes.join('\n')).toMatch(/scale c: the laws of 2 smaller scales predict lr\* [\d.e-]+; searching lr in \[[\d.e-]+, [\d.e-]+\], the first run at the prediction/);
    // said once, when the scale starts
    expect(notes.filter((n) => n.startsWith('scale c:'))).toHaveLength(1);
  });

  it('without transfer (the default, or none) every scale searches its whole space and nothing is planned', async () => {
    const { events, end } = await run('none');
    expect(events.some((e) => e.kind === 'transfer_planned')).toBe(false);
    expect(end.trials.filter((t) => t.state === 'COMPLETE' || t.state === 'FAIL')).toHaveLength(18);
  });
});
