/**
 * Parameter importance, by fANOVA (the default) and PED-ANOVA: on a function whose important dimensions
 * are known, they rank first, as Optuna 4.7's fANOVA and PED-ANOVA rank them on the same trials; and
 * `scaletune importance` on a real study of the example trainer puts its learning rate first.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SearchSpace } from '../../src/core/distributions.js';
import { Rng } from '../../src/core/rng.js';
import type { Trial } from '../../src/core/trial.js';
import { IMPORTANCE_METHODS, parameterImportance } from '../../src/report/importance.js';
import { runCli } from '../helpers/cli.js';
import { ROOT, tmpDir, TRAINER, writeFile } from '../helpers/fixtures.js';

const SPACE: SearchSpace = {
  a: { type: 'uniform', min: 0, max: 1 },
  b: { type: 'log_uniform_values', min: 1e-4, max: 1e-1 },
  c: { type: 'categorical', values: ['x', 'y', 'z'] },
  d: { type: 'uniform', min: 0, max: 1 },
  e: { type: 'uniform', min: 0, max: 1 },
};
// a matters most over the whole space, then b (on a log scale), then the category; d and e not at all.
// Among the best tenth (what PED-ANOVA looks at) the category matters most: only z gets there.
const f = (p: Trial['params']): number => 10 * ((p.a as number) - 0.3) ** 2 + 0.5 * (Math.log10(p.b as number) + 2.5) ** 2 + (p.c === 'z' ? 0 : 0.45);

function trials(n: number, seed: number): Trial[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, (_, i) => {
    const params = { a: rng.next(), b: 10 ** (-4 + 3 * rng.next()), c: ['x', 'y', 'z'][rng.int(0, 2)]!, d: rng.next(), e: rng.next() };
    return { id: i + 1, studyId: 1, number: i, state: 'COMPLETE', params, scale: null, value: f(params), worker: null, heartbeatAt: null, pid: null, createdAt: 0, startedAt: 0, finishedAt: 0, error: null, retryOf: null, checkpoint: null, resumeFrom: null, member: null, stopAt: null, values: null, infeasible: null } as Trial;
  });
}

describe('parameter importance', () => {
  it.each(IMPORTANCE_METHODS)('%s ranks the known-important dimensions first, the irrelevant ones last, on 5 seeds', (method) => {
    for (let seed = 0; seed < 5; seed++) {
      const r = parameterImportance(trials(300, seed), SPACE, 'minimize', { method })!;
      const order = r.importances.map((x) => x.param);
      expect(order.slice(0, 3).sort(), `seed ${seed}: ${JSON.stringify(r.importances)}`).toEqual(['a', 'b', 'c']);
      if (method === 'fanova') expect(order.slice(0, 3)).toEqual(['a', 'b', 'c']);
      expect(r.importances.reduce((s, x) => s + x.share, 0)).toBeCloseTo(1, 12);
      expect(r.method).toBe(method);
      expect(r.trials).toBe(300);
      if (method === 'ped-anova') expect(r.top).toBe(30);
      else expect(r.oobR2!).toBeGreaterThan(0.9);
    }
    expect(parameterImportance(trials(9, 0), SPACE, 'minimize', { method })).toBeNull();
  });

  it('counts only completed, feasible trials inside the search; maximizing ranks by the best as the highest', () => {
    const ts = trials(100, 3);
    const noisy = [...ts, ...ts.slice(0, 30).map((t, i) => ({ ...t, id: 1000 + i, number: 1000 + i, state: 'FAIL' as const, value: 1e9 }))];
    const r = parameterImportance(noisy, SPACE, 'minimize')!;
    expect(r.trials).toBe(100);
    expect(r.importances).toEqual(parameterImportance(ts, SPACE, 'minimize')!.importances);
    // PED-ANOVA looks at the best tenth, which maximizing turns upside down; fANOVA's variance is the same either way
    const flipped = ts.map((t) => ({ ...t, value: -t.value! }));
    expect(parameterImportance(flipped, SPACE, 'maximize', { method: 'ped-anova' })!.importances.map((x) => x.param).slice(0, 3).sort()).toEqual(['a', 'b', 'c']);
    expect(parameterImportance(flipped, SPACE, 'maximize')!.importances.map((x) => x.param).slice(0, 3)).toEqual(['a', 'b', 'c']);
  });

  const PEER47 = path.resolve(ROOT, '../shared/peers/optuna-4.7.0');
  const peerHas = (module: string): boolean => existsSync(PEER47) && spawnSync('/usr/bin/python3', ['-c', `import optuna, ${module}`], { env: { ...process.env, PYTHONPATH: PEER47 } }).status === 0;
  const optunaImportances = (ts: Trial[], evaluator: string, dists: string): Record<string, number> => {
    const script = `
import json, sys, warnings, optuna
from optuna.distributions import FloatDistribution, CategoricalDistribution
from optuna.importance import FanovaImportanceEvaluator, PedAnovaImportanceEvaluator, get_param_importances
optuna.logging.set_verbosity(optuna.logging.ERROR)
warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
rows = json.load(sys.stdin)
dists = ${dists}
study = optuna.create_study()
study.add_trials([optuna.trial.create_trial(params=r["params"], distributions=dists, value=r["value"]) for r in rows])
print(json.dumps(get_param_importances(study, evaluator=${evaluator})))
`;
    const r = spawnSync('/usr/bin/python3', ['-c', script], { input: JSON.stringify(ts.map((t) => ({ params: t.params, value: t.value }))), env: { ...process.env, PYTHONPATH: PEER47 }, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as Record<string, number>;
  };
  const DISTS = `{"a": FloatDistribution(0, 1), "b": FloatDistribution(1e-4, 1e-1, log=True), "c": CategoricalDistribution(["x", "y", "z"]), "d": FloatDistribution(0, 1), "e": FloatDistribution(0, 1)}`;

  it.skipIf(!peerHas('optuna'))("agrees with Optuna 4.7's PED-ANOVA on the same trials: the same first, the same three before the same two", () => {
    const ts = trials(300, 7);
    const theirs = Object.keys(optunaImportances(ts, 'PedAnovaImportanceEvaluator()', DISTS));
    const ours = parameterImportance(ts, SPACE, 'minimize', { method: 'ped-anova' })!.importances.map((x) => x.param);
    expect(ours[0]).toBe(theirs[0]);
    expect(ours.slice(0, 3).sort()).toEqual(theirs.slice(0, 3).sort());
  }, 60_000);

  // Debian's python3-sklearn, which Optuna's fANOVA fits its forest with (.ci/run installs it)
  it.skipIf(!peerHas('sklearn'))("agrees with Optuna 4.7's fANOVA (scikit-learn's forest) on the same trials: the same ranks, and on uniform parameters the same shares within 0.02", () => {
    const ts = trials(300, 7);
    const theirs = optunaImportances(ts, 'FanovaImportanceEvaluator(seed=0)', DISTS);
    const ours = parameterImportance(ts, SPACE, 'minimize')!.importances;
    expect(ours.slice(0, 3).map((x) => x.param)).toEqual(Object.keys(theirs).slice(0, 3));
    // with no log-scaled parameter both integrate over the same space, so the figures themselves match
    const uniform: SearchSpace = { a: SPACE.a!, d: SPACE.d!, e: SPACE.e!, g: { type: 'uniform', min: 0, max: 1 } };
    const rng = new Rng(11);
    const linear = ts.map((t) => {
      const params = { a: t.params.a!, d: t.params.d!, e: t.params.e!, g: rng.next() };
      return { ...t, params, value: 3 * (params.a as number) + (params.g as number) ** 2 + 0.5 * (params.d as number) * (params.g as number) };
    });
    const peerShares = optunaImportances(linear, 'FanovaImportanceEvaluator(seed=0)', '{k: FloatDistribution(0, 1) for k in "adeg"}');
    const ourShares = parameterImportance(linear, uniform, 'minimize')!.importances;
    for (const x of ourShares) expect(Math.abs(x.share - peerShares[x.param]!), `${x.param}: ours ${x.share}, Optuna's ${peerShares[x.param]}`).toBeLessThan(0.02);
  }, 120_000);

  it('scaletune importance on a study of the example trainer: its learning rate first', async () => {
    const dir = tmpDir();
    const cfg = writeFile(dir, 's.yaml', `name: imp\nprogram: ${TRAINER}\nmethod: random\nmetric: {name: val_loss, goal: minimize}\nrun_cap: 40\nparallel: 2\nseed: 3\nparameters:\n  lr: {distribution: log_uniform_values, min: 0.0001, max: 0.1}\n  batch_size: {values: [16, 32, 64, 128, 256]}\n  noise: {distribution: uniform, min: 0, max: 1}\n  steps: {value: 3}\n  step_ms: {value: 1}\n`);
    const db = path.join(dir, 'i.db');
    expect((await runCli(['--db', db, 'run', cfg], { cwd: dir })).code).toBe(0);
    const r = await runCli(['--db', db, 'importance', 'imp', '--json'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const [only] = JSON.parse(r.stdout) as { scale: null; method: string; oob_r2: number; importances: { param: string; share: number; score: number; sd: number }[] }[];
    expect(only!.method).toBe('fanova');
    expect(only!.importances[0]!.param).toBe('lr');
    expect(only!.importances.at(-1)!.param).toBe('noise');
    const text = await runCli(['--db', db, 'importance', 'imp'], { cwd: dir });
    expect(text.stdout).toMatch(/^For val_loss, by fANOVA: a random forest fitted to the 40 completed trials, .*out-of-bag R² \d\.\d\d\)/);
    expect(text.stdout).toMatch(/parameter +share +variance explained alone +± over trees\n[- ]+\nlr /);
    const ped = await runCli(['--db', db, 'importance', 'imp', '--method', 'ped-anova'], { cwd: dir });
    expect(ped.stdout).toMatch(/^For val_loss, by PED-ANOVA: how differently each parameter is spread among the best 4 of 40 completed trials than among all/);
    expect(ped.stdout).toMatch(/with only 4 best trials this is a rough guide/i);
    // the report shows it; its format follows --out's extension when --format is not given
    const html = await runCli(['--db', db, 'report', 'imp', '--out', 'r.html'], { cwd: dir });
    expect(html.code, html.stderr).toBe(0);
    const page = readFileSync(path.join(dir, 'r.html'), 'utf8');
    expect(page).toMatch(/^<!doctype html>/i);
    expect(page).toMatch(/parameter importance[\s\S]*<svg/);
    await runCli(['--db', db, 'report', 'imp', '--out', 'r.json'], { cwd: dir });
    expect(JSON.parse(readFileSync(path.join(dir, 'r.json'), 'utf8')).importance.method).toBe('fanova');
    const bad = await runCli(['--db', db, 'importance', 'imp', '--method', 'shap'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--method.*shap.*fanova, ped-anova/s);
  }, 60_000);

  it('a ladder: one group per searched scale, none for the target its verify run trained; too few trials say so in JSON too', async () => {
    const dir = tmpDir();
    const cfg = writeFile(
      dir,
      'l.yaml',
      'name: lad\nmethod: random\nmetric: {name: loss}\nseed: 3\nrun_cap: 12\nparameters:\n  lr: {distribution: log_uniform_values, min: 0.0001, max: 0.03}\n  batch_size: {distribution: q_log_uniform_values, min: 16, max: 2048, q: 1}\nbackend: {type: sim}\nscales:\n  - {name: s1, params: 2.5e7, tokens: 5.0e8}\n  - {name: s2, params: 1.0e8, tokens: 2.0e9}\n  - {name: s3, params: 4.0e8, tokens: 8.0e9}\ntarget: {name: big, params: 7.0e10, tokens: 1.4e12}\nverify: target\n',
    );
    const db = path.join(dir, 'l.db');
    expect((await runCli(['--db', db, 'run', cfg], { cwd: dir })).code).toBe(0);
    const r = await runCli(['--db', db, 'importance', 'lad', '--json'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const groups = JSON.parse(r.stdout) as { scale: string; trials: number; importances: unknown[] | null; unavailable: string | null }[];
    expect(groups.map((g) => g.scale)).toEqual(['s1', 's2', 's3']);
    // 12 runs a scale; one that diverged does not count
    for (const g of groups) {
      expect(g.trials).toBeGreaterThanOrEqual(10);
      expect(g.trials).toBeLessThanOrEqual(12);
      expect(g.unavailable).toBeNull();
      expect(g.importances).toHaveLength(2);
    }
    const text = (await runCli(['--db', db, 'importance', 'lad'], { cwd: dir })).stdout;
    expect(text).not.toMatch(/big/);
    expect(text).toMatch(/\n\nscale s2: For loss, by fANOVA/);

    const few = writeFile(dir, 'f.yaml', 'name: few\nmethod: random\nmetric: {name: loss}\nseed: 3\nrun_cap: 6\nparameters:\n  lr: {distribution: log_uniform_values, min: 0.0001, max: 0.03}\nbackend: {type: sim, params: 2.5e7, tokens: 5.0e8}\n');
    const ran = await runCli(['--db', db, 'run', few], { cwd: dir });
    expect(ran.code, ran.stderr).toBe(0);
    const none = await runCli(['--db', db, 'importance', 'few', '--json'], { cwd: dir });
    expect(none.code, none.stderr).toBe(0);
    expect(JSON.parse(none.stdout)).toEqual([{ scale: null, metric: 'loss', method: 'fanova', importances: null, trials: 6, top: null, oob_r2: null, unavailable: 'too_few_trials' }]);
    expect((await runCli(['--db', db, 'importance', 'few'], { cwd: dir })).stdout).toBe('6 completed trials, fewer than 10: too few to tell which parameters matter\n');
  }, 60_000);
});
