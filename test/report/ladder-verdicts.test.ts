/** What a ladder's summary and run log call things, as a user trial read them: budgets, backtests that check nothing, intervals too wide to act on. */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { summarizeLadder } from '../../fitters/ladder/index.js';
import { formatLadder } from '../../src/report/ladder-text.js';
import { runCli } from '../helpers/cli.js';
import { tmpDir, writeFile } from '../helpers/fixtures.js';
import { ladder, lawLoss, lrStar, pushRun, trials } from '../helpers/ladder.js';

describe('ladder verdicts', () => {
  it("a held-back scale whose best run is the one at the prediction checks nothing, and says so; its found value says it is a best run", () => {
    const cfg = ladder([[1e8, 2e9], [4e8, 8e9], [1.6e9, 3.2e10]]);
    const s3 = cfg.scales![2]!;
    const t = trials(cfg, ['s3']);
    // three runs at s3, the best at exactly what s1 and s2 predict there
    for (const f of [0.25, 1, 4]) {
      const u = Math.log(f);
      pushRun(t, cfg, 2, { lr: lrStar(s3.params!, s3.tokens) * f }, lawLoss(s3.params!, s3.tokens) * (1 + 0.004 * u * u));
    }
    const text = formatLadder(summarizeLadder({ config: cfg, trials: t, seed: 1 }));
    expect(text).toMatch(/lr\*: predicted [^\n]*, found [^\n]* \(its best of 3 runs, not an interpolated optimum\): 1\.00x the prediction: its best run is the one placed at the prediction, so this checks nothing/);
  });

  it('an interpolated optimum’s loss is named so in the backtest, next to the best run’s; a target interval wider than 10x is not one to act on', () => {
    const cfg = ladder([[1e8, 2e9], [4e8, 8e9], [1.6e9, 3.2e10], [6.4e9, 1.28e11]]);
    const s = summarizeLadder({ config: cfg, trials: trials(cfg), seed: 1 });
    expect(formatLadder(s)).toMatch(/loss: predicted [^\n]*, found [\d.]+ \(at its interpolated optimum; its best run [\d.]+\)/);
    const wide = { ...s, prediction: { ...s.prediction!, lr: { value: 2e-4, interval: [1.5e-6, 0.02] as [number, number] } } };
    expect(formatLadder(wide)).toMatch(/lr\* = 2\.00e-4 \[1\.50e-6, 0\.02\]: the interval spans 13300x, too wide to act on/);
  });

  it('a budgeted ladder starts with "up to" its shares and the budget, and its verify run ends as the verify run', async () => {
    const dir = tmpDir();
    const file = writeFile(
      dir,
      'b.yaml',
      'name: budgeted\nmethod: random\nmetric: {name: loss}\nseed: 3\nparameters:\n  lr: {distribution: log_uniform_values, min: 0.0001, max: 0.03}\nbackend: {type: sim}\nscales:\n  - {params: 2.5e7, tokens: 5.0e8}\n  - {params: 1.0e8, tokens: 2.0e9}\n  - {params: 4.0e8, tokens: 8.0e9}\nbudget: {runs: auto}\nverify: largest\n',
    );
    const r = await runCli(['run', file, '--db', path.join(dir, 'b.db')], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/study budgeted: random, up to \d+ runs \(budget [\d.]+e\+\d+ FLOPs, runs: auto\), /);
    expect(r.stdout).toMatch(/study budgeted: the verify run finished: 1 of 1 complete/);
    expect(r.stdout.match(/study budgeted finished/g)).toHaveLength(1);
    expect(r.stdout).toMatch(/^note: transfer auto: /m);
    // what the scheduler says of transfer and settling is information, not a warning
    expect(r.stdout).not.toMatch(/^warning: (transfer|scale )/m);
  }, 60_000);
});
