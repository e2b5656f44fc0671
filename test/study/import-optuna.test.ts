/**
 * `scaletune import optuna`: databases written by Debian's Optuna 3.1 and by Optuna 4.7 (from
 * ../shared/peers), read back by scaletune and compared with what Optuna itself reports of the same
 * trials: parameters, states, values, intermediate values — exactly.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { withDb } from '../helpers/db.js';
import { runCli } from '../helpers/cli.js';
import { ROOT, tmpDir, writeFile } from '../helpers/fixtures.js';

const PY = '/usr/bin/python3';
const PEER47 = path.resolve(ROOT, '../shared/peers/optuna-4.7.0');
const has = (env: Record<string, string>): boolean => spawnSync(PY, ['-c', 'import optuna'], { env: { ...process.env, ...env } }).status === 0;

/** Writes two studies with Optuna and prints what Optuna reads of them, as JSON. */
const WRITER = `
import json, sys, optuna
optuna.logging.set_verbosity(optuna.logging.ERROR)
url = sys.argv[1]
s = optuna.create_study(study_name="tuned run", storage=url, direction="minimize", sampler=optuna.samplers.RandomSampler(seed=0))
def obj(t):
    lr = t.suggest_float("lr", 1e-4, 1e-1, log=True)
    layers = t.suggest_int("layers", 1, 4)
    opt = t.suggest_categorical("opt", ["adam", "sgd", "lion"])
    wd = t.suggest_float("wd", 0.0, 0.1, step=0.01)
    width = t.suggest_int("width", 16, 256, log=True)
    for step in range(4):
        t.report(lr * layers + 1.0 / (step + 1), step)
    if t.number == 3: raise optuna.TrialPruned()
    if t.number == 4: raise ValueError("boom")
    return lr * layers + (opt == "sgd") + width / 1000
s.optimize(obj, n_trials=9, catch=(ValueError,))
m = optuna.create_study(study_name="front", storage=url, directions=["minimize", "maximize"], sampler=optuna.samplers.RandomSampler(seed=1))
if hasattr(m, "set_metric_names"): m.set_metric_names(["val_loss", "accuracy"])
m.optimize(lambda t: (t.suggest_float("x", 0, 1), 1 - t.suggest_float("y", 0, 1) ** 2), n_trials=5)
out = {}
for st in (s, m):
    out[st.study_name] = [{"number": t.number, "state": t.state.name, "params": t.params, "values": t.values, "intermediate": {str(k): v for k, v in t.intermediate_values.items()}} for t in st.get_trials(deepcopy=False)]
print(json.dumps(out))
`;

describe.each([
  ['Debian python3-optuna', {}],
  ['Optuna 4.7', { PYTHONPATH: PEER47 }],
] as const)('import optuna: a database written by %s', (label, env) => {
  const available = has(env) && (label !== 'Optuna 4.7' || existsSync(PEER47));
  it.skipIf(!available)('round-trips every trial: parameters, states, values, intermediate values; a second study by --study, with its metric names', async () => {
    const dir = tmpDir();
    const optunaDb = path.join(dir, 'optuna.db');
    const w = spawnSync(PY, [writeFile(dir, 'write.py', WRITER), `sqlite:///${optunaDb}`], { env: { ...process.env, ...env }, encoding: 'utf8' });
    expect(w.status, w.stderr).toBe(0);
    const truth = JSON.parse(w.stdout) as Record<string, { number: number; state: string; params: Record<string, unknown>; values: number[] | null; intermediate: Record<string, number> }[]>;
    const db = path.join(dir, 'st.db');
    const several = await runCli(['--db', db, 'import', 'optuna', optunaDb], { cwd: dir });
    expect(several.code).toBe(2);
    expect(several.stderr).toContain("2 studies in");
    const r = await runCli(['--db', db, 'import', 'optuna', `sqlite:///${optunaDb}`, '--study', 'tuned run'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^imported 9 trials of Optuna study 'tuned run' as study tuned-run/);
    expect((await runCli(['--db', db, 'import', 'optuna', optunaDb, '--study', 'front'], { cwd: dir })).code).toBe(0);
    await withDb(db, async (storage) => {
      const st = (await storage.getStudy('tuned-run'))!;
      expect(st.config.parameters).toMatchObject({
        lr: { type: 'log_uniform_values', min: 1e-4, max: 0.1 },
        layers: { type: 'int_uniform', min: 1, max: 4 },
        opt: { type: 'categorical', values: ['adam', 'sgd', 'lion'] },
        wd: { type: 'q_uniform', min: 0, max: 0.1, q: 0.01 },
        width: { type: 'q_log_uniform_values', min: 16, max: 256, q: 1 },
      });
      const trials = await storage.getTrials(st.id);
      const metrics = await storage.getMetrics(st.id);
      expect(trials.map((t) => t.number)).toEqual(truth['tuned run']!.map((t) => t.number));
      for (const [i, t] of trials.entries()) {
        const o = truth['tuned run']![i]!;
        expect(t.state).toBe(o.state);
        expect(t.params).toEqual(o.params);
        if (o.state === 'COMPLETE') expect(t.value).toBe(o.values![0]);
        const curve = Object.fromEntries(metrics.filter((m) => m.trialId === t.id).map((m) => [String(m.step), m.value]));
        expect(curve).toEqual(o.intermediate);
      }
      const mo = (await storage.getStudy('front'))!;
      const names = label === 'Optuna 4.7' ? ['val_loss', 'accuracy'] : ['value_0', 'value_1'];
      expect(mo.config.objectives).toEqual([{ name: names[0], goal: 'minimize' }, { name: names[1], goal: 'maximize' }]);
      const moTrials = await storage.getTrials(mo.id);
      for (const [i, t] of moTrials.entries()) expect(t.values).toEqual({ [names[0]!]: truth.front![i]!.values![0], [names[1]!]: truth.front![i]!.values![1] });
    });
    // what works on it: best (a front here), report, ask continues it with method bayes
    expect((await runCli(['--db', db, 'best', 'front', '--json'], { cwd: dir })).code).toBe(0);
    expect((await runCli(['--db', db, 'report', 'tuned-run', '--format', 'json'], { cwd: dir })).code).toBe(0);
    const asked = await runCli(['--db', db, 'ask', 'tuned-run', '--json'], { cwd: dir });
    expect(asked.code, asked.stderr).toBe(0);
    expect(JSON.parse(asked.stdout).number).toBe(9);
  }, 60_000);
});

describe('import optuna: what it refuses', () => {
  it('a tool it does not know, a file that is no Optuna storage, a study that is not there', async () => {
    const dir = tmpDir();
    const db = path.join(dir, 'st.db');
    expect((await runCli(['--db', db, 'import', 'wandb', 'x'], { cwd: dir })).stderr).toContain("import: found 'wandb'; allowed: optuna (W&B runs: export them as CSV and use fit --csv)");
    const missing = await runCli(['--db', db, 'import', 'optuna', path.join(dir, 'nope.db')], { cwd: dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('import optuna: cannot open');
    const empty = writeFile(dir, 'empty.db', '');
    const notOptuna = await runCli(['--db', db, 'import', 'optuna', empty], { cwd: dir });
    expect(notOptuna.code).toBe(2);
    expect(notOptuna.stderr).toContain('has no Optuna tables');
  });
});
