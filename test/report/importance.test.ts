/**
 * Parameter importance (PED-ANOVA): on a function whose important dimensions are known, they rank
 * first, as Optuna 4.7's own PED-ANOVA ranks them on the same trials; and `scaletune importance` on a
 * real study of the example trainer puts its learning rate first.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SearchSpace } from '../../src/core/distributions.js';
import { Rng } from '../../src/core/rng.js';
import type { Trial } from '../../src/core/trial.js';
import { pedAnova } from '../../src/report/importance.js';
import { runCli } from '../helpers/cli.js';
import { ROOT, tmpDir, TRAINER, writeFile } from '../helpers/fixtures.js';

const SPACE: SearchSpace = {
  a: { type: 'uniform', min: 0, max: 1 },
  b: { type: 'log_uniform_values', min: 1e-4, max: 1e-1 },
  c: { type: 'categorical', values: ['x', 'y', 'z'] },
  d: { type: 'uniform', min: 0, max: 1 },
  e: { type: 'uniform', min: 0, max: 1 },
};
// a matters most, then b (on a log scale), then the category; d and e not at all
const f = (p: Trial['params']): number => 10 * ((p.a as number) - 0.3) ** 2 + 0.5 * (Math.log10(p.b as number) + 2.5) ** 2 + (p.c === 'z' ? 0 : 0.15);

function trials(n: number, seed: number): Trial[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, (_, i) => {
    const params = { a: rng.next(), b: 10 ** (-4 + 3 * rng.next()), c: ['x', 'y', 'z'][rng.int(0, 2)]!, d: rng.next(), e: rng.next() };
    return { id: i + 1, studyId: 1, number: i, state: 'COMPLETE', params, scale: null, value: f(params), worker: null, heartbeatAt: null, pid: null, createdAt: 0, startedAt: 0, finishedAt: 0, error: null, retryOf: null, checkpoint: null, resumeFrom: null, member: null, stopAt: null, values: null, infeasible: null } as Trial;
  });
}

describe('parameter importance (PED-ANOVA)', () => {
  it('ranks the known-important dimensions first, the irrelevant ones last, on 5 seeds', () => {
    for (let seed = 0; seed < 5; seed++) {
      const r = pedAnova(trials(300, seed), SPACE, 'minimize')!;
      const order = r.importances.map((x) => x.param);
      expect(order.slice(0, 2), `seed ${seed}: ${JSON.stringify(r.importances)}`).toEqual(['a', 'b']);
      expect(order.slice(3).sort()).toEqual(['d', 'e']);
      expect(r.importances.reduce((s, x) => s + x.share, 0)).toBeCloseTo(1, 12);
      expect(r.top).toBe(30);
    }
    expect(pedAnova(trials(9, 0), SPACE, 'minimize')).toBeNull();
  });

  const PEER47 = path.resolve(ROOT, '../shared/peers/optuna-4.7.0');
  const peer = existsSync(PEER47) && spawnSync('/usr/bin/python3', ['-c', 'import optuna'], { env: { ...process.env, PYTHONPATH: PEER47 } }).status === 0;
  it.skipIf(!peer)("agrees with Optuna 4.7's PED-ANOVA on the same trials: the same two first, the same two last", () => {
    const ts = trials(300, 7);
    const script = `
import json, sys, math, optuna
from optuna.distributions import FloatDistribution, CategoricalDistribution
from optuna.importance import PedAnovaImportanceEvaluator, get_param_importances
optuna.logging.set_verbosity(optuna.logging.ERROR)
rows = json.load(sys.stdin)
dists = {"a": FloatDistribution(0, 1), "b": FloatDistribution(1e-4, 1e-1, log=True), "c": CategoricalDistribution(["x", "y", "z"]), "d": FloatDistribution(0, 1), "e": FloatDistribution(0, 1)}
study = optuna.create_study()
study.add_trials([optuna.trial.create_trial(params=r["params"], distributions=dists, value=r["value"]) for r in rows])
print(json.dumps(list(get_param_importances(study, evaluator=PedAnovaImportanceEvaluator()).keys())))
`;
    const r = spawnSync('/usr/bin/python3', ['-c', script], { input: JSON.stringify(ts.map((t) => ({ params: t.params, value: t.value }))), env: { ...process.env, PYTHONPATH: PEER47 }, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const theirs = JSON.parse(r.stdout) as string[];
    const ours = pedAnova(ts, SPACE, 'minimize')!.importances.map((x) => x.param);
    expect(ours.slice(0, 2)).toEqual(theirs.slice(0, 2));
    expect(ours.slice(3).sort()).toEqual(theirs.slice(3).sort());
  }, 60_000);

  it('scaletune importance on a study of the example trainer: its learning rate first', async () => {
    const dir = tmpDir();
    const cfg = writeFile(dir, 's.yaml', `name: imp\nprogram: ${TRAINER}\nmethod: random\nmetric: {name: val_loss, goal: minimize}\nrun_cap: 40\nparallel: 2\nseed: 3\nparameters:\n  lr: {distribution: log_uniform_values, min: 0.0001, max: 0.1}\n  batch_size: {values: [16, 32, 64, 128, 256]}\n  noise: {distribution: uniform, min: 0, max: 1}\n  steps: {value: 3}\n  step_ms: {value: 1}\n`);
    const db = path.join(dir, 'i.db');
    expect((await runCli(['--db', db, 'run', cfg], { cwd: dir })).code).toBe(0);
    const r = await runCli(['--db', db, 'importance', 'imp', '--json'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const [only] = JSON.parse(r.stdout) as { scale: null; importances: { param: string; share: number }[] }[];
    expect(only!.importances[0]!.param).toBe('lr');
    expect(only!.importances.at(-1)!.param).toBe('noise');
    const text = await runCli(['--db', db, 'importance', 'imp'], { cwd: dir });
    expect(text.stdout).toMatch(/^importance for val_loss by PED-ANOVA: how differently each parameter is spread among the best 4 of 40 completed trials than among all/);
  }, 60_000);
});
