/**
 * `scaletune demo`, the real one (about two minutes on two cores): the ladder harvests, its loss law
 * knows what it cannot determine, and it ends with the target's verdict. The synthetic language's exact
 * Bayes loss is known, so the fitted irreducible loss E can be checked against the truth: no model goes
 * below it, so E must not lie below it by more than its own standard error — or be reported as not
 * determined by the widths.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadLadder } from '../../src/orchestrator/verify.js';
import { undetermined } from '../../src/report/ladder-text.js';
import { withDb } from '../helpers/db.js';
import { runCli } from '../helpers/cli.js';
import { tmpDir } from '../helpers/fixtures.js';

describe('scaletune demo', () => {
  it("harvests, reports E honestly against the language's Bayes loss, and ends with the target's verdict", async () => {
    const dir = tmpDir();
    const db = path.join(dir, 'demo.db');
    const r = await runCli(['demo', '--db', db, '--no-live'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    await withDb(db, async (storage) => {
      const study = (await storage.getStudy('demo'))!;
      const floor = (await storage.getMetrics(study.id)).find((m) => m.name === 'loss_floor')!.value!;
      const { summary, verify } = await loadLadder(storage, study);
      expect(summary.points!.length).toBeGreaterThanOrEqual(4 * 3);
      const loss = summary.laws.loss!;
      if (!undetermined(loss, 'E')) {
        const [lo, hi] = loss.intervals.E!;
        const se = (hi - lo) / (2 * 1.96);
        expect(loss.params.E!, `E = ${loss.params.E} [${lo}, ${hi}] against the Bayes loss ${floor}`).toBeGreaterThanOrEqual(floor - se);
        expect(r.stdout).toMatch(/the loss law's E = /);
      } else expect(r.stdout).toMatch(/the loss law's E is not determined by these widths/);
      expect(verify.find((v) => v.at === 'target')?.state).toBe('COMPLETE');
    });
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.at(-2)).toMatch(/^verdict at w256 \(the target, trained once with the predicted lr [\d.e-]+\): predicted val_loss [\d.]+ \[[\d.]+, [\d.]+\], measured [\d.]+: [+-][\d.]+% from the prediction/);
    expect(lines.at(-1)).toMatch(/^report: /);
  }, 600_000);
});
