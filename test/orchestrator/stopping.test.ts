/**
 * Early stopping end to end: a trainer whose curves are known (loss = level + 1/step), one trial at a
 * time, so which trial stops at which rung follows from the rule alone (worked out in each test).
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { withDb } from '../helpers/db.js';
import { runCli } from '../helpers/cli.js';
import { ROOT, tmpDir, writeFile } from '../helpers/fixtures.js';

const CURVES = path.join(ROOT, 'fixtures/trainers/curves.mjs');

async function run(levels: number[], earlyTerminate: string, steps = 9): Promise<{ code: number; out: string; trials: { level: number; state: string; error: string | null; value: number | null }[]; pruned: Record<number, number> }> {
  const dir = tmpDir();
  const cfg = writeFile(
    dir,
    'study.yaml',
    `name: es\nprogram: ${CURVES}\nmethod: grid\nmetric: {name: loss, goal: minimize}\nparallel: 1\nparameters:\n  level: {values: [${levels.join(', ')}]}\n  steps: {value: ${steps}}\n  step_ms: {value: 40}\nearly_terminate: ${earlyTerminate}\n`,
  );
  const db = path.join(dir, 'st.db');
  const r = await runCli(['run', cfg, '--db', db], { cwd: dir });
  return withDb(db, async (storage) => {
    const s = (await storage.getStudy('es'))!;
    const trials = (await storage.getTrials(s.id)).map((t) => ({ level: t.params.level as number, state: t.state, error: t.error, value: t.value }));
    const pruned: Record<number, number> = {};
    const byId = new Map((await storage.getTrials(s.id)).map((t) => [t.id, t.params.level as number]));
    for (const e of await storage.getEvents(s.id)) if (e.kind === 'trial_pruned') pruned[byId.get(e.trialId!)!] = e.detail!.rung as number;
    return { code: r.code, out: r.stdout, trials, pruned };
  });
}

describe('early stopping on known curves', () => {
  it('asha (grace 1, eta 3, max_t 9: rungs at steps 1 and 3) stops exactly the trials the rule picks', async () => {
    // rung 1: level 8 is 3rd of 3 (keep 1) → stop; 1 is 1st of 4 → on; 9 is 5th of 5 → stop; 2 is 2nd of 6
    // (keep 2) → on; 7, 4, 6 rank 5th of 7, 4th of 8, 6th of 9 (keep 2, 2, 3) → stop.
    // rung 3 (reached by 5, 3, 1 and then 2): 1 is 1st of 3 → on; 2 is 2nd of 4 (keep 1) → stop.
    const r = await run([5, 3, 8, 1, 9, 2, 7, 4, 6], '{type: asha, grace: 1, eta: 3, max_t: 9}');
    expect(r.code).toBe(0);
    const state = Object.fromEntries(r.trials.map((t) => [t.level, t.state]));
    expect(state).toEqual({ 5: 'COMPLETE', 3: 'COMPLETE', 8: 'PRUNED', 1: 'COMPLETE', 9: 'PRUNED', 2: 'PRUNED', 7: 'PRUNED', 4: 'PRUNED', 6: 'PRUNED' });
    expect(r.pruned).toEqual({ 8: 1, 9: 1, 2: 3, 7: 1, 4: 1, 6: 1 });
    const two = r.trials.find((t) => t.level === 2)!;
    expect(two.error).toMatch(/^stopped by asha at rung 3 \(step\): loss 2\.3333 not in the top 1\/3 of 4 trials there \(cutoff 1\.3333\)$/);
    // a stopped trial keeps its last value, and the best is among the completed
    expect(two.value).toBeGreaterThan(2);
    expect(r.out).toMatch(/6 stopped early/);
  }, 60_000);

  it('median (warmup 2, startup 2) stops the one trial worse than the median of the completed', async () => {
    // level 4 equals the median of 3 and 5 at every step (ties continue); 6 is above the median of
    // 3, 5, 4, 1 at step 2 (4.5) → stopped there.
    const r = await run([3, 5, 4, 1, 6], '{type: median, warmup_steps: 2, startup_trials: 2}', 6);
    expect(Object.fromEntries(r.trials.map((t) => [t.level, t.state]))).toEqual({ 3: 'COMPLETE', 5: 'COMPLETE', 4: 'COMPLETE', 1: 'COMPLETE', 6: 'PRUNED' });
    expect(r.pruned).toEqual({ 6: 2 });
    expect(r.trials.find((t) => t.level === 6)!.error).toBe('stopped by median at step 2: best loss so far 6.5000 worse than the median 4.0000 of 4 completed trials at that step');
  }, 60_000);

  it('hyperband (min_iter 2, eta 3: bands at the 3rd and 7th report) as W&B decides', async () => {
    // band 2: [5, 3, 8] + 1/3 → threshold the 2nd best → 8 stops; later 1 passes, 9 stops.
    const r = await run([5, 3, 8, 1, 9], '{type: hyperband, min_iter: 2, eta: 3}');
    expect(Object.fromEntries(r.trials.map((t) => [t.level, t.state]))).toEqual({ 5: 'COMPLETE', 3: 'COMPLETE', 8: 'PRUNED', 1: 'COMPLETE', 9: 'PRUNED' });
    expect(r.pruned).toEqual({ 8: 2, 9: 2 });
  }, 60_000);
});
