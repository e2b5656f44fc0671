/**
 * `wandb: stand-in`: programs written for W&B sweeps, in the shapes of W&B's own examples, run as
 * trials through the real command backend and a real study, reporting through python/wandb.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CommandBackend } from '../../src/backends/command.js';
import { parseReportLine } from '../../src/backends/protocol.js';
import { standInDir } from '../../src/backends/wandb-stand-in.js';
import type { Trial } from '../../src/core/trial.js';
import { runStudy } from '../../src/orchestrator/run-study.js';
import { silentReporter } from '../../src/report/reporter.js';
import { MemoryStorage } from '../../src/storage/memory.js';
import { makeStudy, ROOT, tmpDir, trainerConfig } from '../helpers/fixtures.js';

const PY = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : null;
if (!PY) console.warn('wandb stand-in tests skipped: no /usr/bin/python3');
const program = (name: string): string => path.join(ROOT, 'fixtures/trainers/wandb', name);

/** Run a whole study of this fixture program; every trial with its metrics by name. */
async function study(name: string, raw: Record<string, unknown>) {
  const storage = new MemoryStorage();
  const s = await makeStudy(storage, trainerConfig({ program: program(name), command: [PY, '${program}'], method: 'grid', run_cap: undefined, wandb: 'stand-in', ...raw }));
  const end = await runStudy({ storage, study: s, backend: new CommandBackend({ killGraceMs: 500 }), reporter: silentReporter });
  const metrics = async (t: Trial) => {
    const byName: Record<string, { step: number; value: number | null }[]> = {};
    for (const m of await storage.getMetrics(s.id, t.id)) (byName[m.name] ??= []).push({ step: m.step, value: m.value });
    return byName;
  };
  return { end, metrics, storage };
}

describe.skipIf(!PY)('wandb: stand-in runs W&B sweep programs unchanged', () => {
  it('classic wandb.init(config=defaults) / wandb.config / wandb.log: the trial’s values win, nested metrics flatten with /', async () => {
    const { end, metrics } = await study('classic.py', {
      metric: { name: 'val/loss', goal: 'minimize' },
      parameters: { lr: { values: [0.003, 0.03] }, model: { value: { width: 16 } } },
    });
    expect(end.trials.map((t) => [t.state, t.error])).toEqual([['COMPLETE', null], ['COMPLETE', null]]);
    for (const t of end.trials) {
      const lr = t.params.lr as number;
      const m = await metrics(t);
      // epochs 4 from the program's defaults; steps counted from 0 as W&B counts them
      expect(m['val/loss']!.map((x) => x.step)).toEqual([0, 1, 2, 3]);
      expect(t.value).toBeCloseTo((Math.log10(lr) + 2.5) ** 2 + 1 / 4 + 0.1, 9);
      // a mapping parameter reaches the program as a dict
      expect(m.width!.map((x) => x.value)).toEqual([16, 16, 16, 16]);
    }
    expect(end.best!.params.lr).toBe(0.003);
  }, 60_000);

  it('an argparse Namespace as config: the trial’s values replace its defaults; the summary’s best is the value', async () => {
    const { end, metrics } = await study('argparse_config.py', { parameters: { lr: { values: [0.25] }, batch_size: { value: 2 } }, metric: { name: 'best_loss' } });
    const [t] = end.trials;
    expect(t!.state, t!.error ?? '').toBe('COMPLETE');
    const m = await metrics(t!);
    expect(m.loss!.map((x) => x.value)).toEqual([0.5, 1, 1.5]);
    // reported once, at the run's end, at its last step
    expect(m.best_loss).toEqual([{ step: 2, value: 0.5 }]);
    expect(t!.value).toBe(0.5);
  }, 60_000);

  it('wandb.sweep + wandb.agent(function=train, count=5) with `with wandb.init() as run`: one run per trial', async () => {
    const { end, metrics } = await study('sweep_agent.py', { parameters: { lr: { values: [0.01, 0.1, 0.04] }, steps: { value: 4 } } });
    expect(end.trials.map((t) => t.state)).toEqual(['COMPLETE', 'COMPLETE', 'COMPLETE']);
    for (const t of end.trials) {
      const m = await metrics(t);
      expect(m.loss!.map((x) => x.step)).toEqual([0, 1, 2, 3]);
      expect(t.value).toBeCloseTo((t.params.lr as number) / 4, 12);
      expect(m.finished).toEqual([{ step: 3, value: 1 }]);
    }
  }, 60_000);

  it('child processes (fork and spawn) each start a run and report into the trial', async () => {
    const { end, metrics } = await study('multiprocess.py', { parameters: { lr: { value: 0.5 }, start_method: { values: ['fork', 'spawn'] } } });
    expect(end.trials.map((t) => [t.params.start_method, t.state, t.error])).toEqual([['fork', 'COMPLETE', null], ['spawn', 'COMPLETE', null]]);
    for (const t of end.trials) {
      const m = await metrics(t);
      expect(m.loss_rank0!.map((x) => x.value)).toEqual([0.5]);
      expect(m.loss_rank1!.map((x) => x.value)).toEqual([1]);
      // each child's run finished at its exit, even a fork child that ends with os._exit
      expect(m.done_rank0!.map((x) => x.value)).toEqual([1]);
      expect(m.done_rank1!.map((x) => x.value)).toEqual([1]);
      expect(t.value).toBe(0.5);
    }
  }, 90_000);

  it('what the stand-in does not implement fails the trial, naming the attribute', async () => {
    const { end } = await study('unimplemented.py', { parameters: { what: { values: ['module', 'run'] } } });
    expect(end.trials.map((t) => t.state)).toEqual(['FAIL', 'FAIL']);
    expect(end.trials[0]!.error).toMatch(/exited with code 1: .*AttributeError: scaletune's wandb stand-in does not implement wandb\.Api;/s);
    expect(end.trials[1]!.error).toMatch(/AttributeError: scaletune's wandb stand-in does not implement Run\.log_model;/);
  }, 60_000);

  it('puts the stand-in first on PYTHONPATH only when asked, keeping the PYTHONPATH there was after it', async () => {
    const dir = tmpDir();
    const seen = async (raw: Record<string, unknown>, name: string) => {
      const out = path.join(dir, `${name}.json`);
      const { end } = await study('where_is_wandb.py', { parameters: { a: { value: 1 } }, ...raw, env: { OUT_FILE: out, ...(raw.env as object) } });
      expect(end.trials[0]!.state, end.trials[0]!.error ?? '').toBe('COMPLETE');
      return JSON.parse(readFileSync(out, 'utf8')) as { wandb: string | null; PYTHONPATH: string | null };
    };
    const on = await seen({}, 'on');
    expect(on.wandb).toBe(path.join(standInDir(), 'wandb', '__init__.py'));
    expect(on.PYTHONPATH!.split(path.delimiter)[0]).toBe(standInDir());
    const kept = await seen({ env: { PYTHONPATH: '/opt/mine' } }, 'kept');
    expect(kept.PYTHONPATH).toBe(`${standInDir()}${path.delimiter}/opt/mine`);
    for (const [raw, name] of [[{ wandb: undefined }, 'absent'], [{ wandb: 'off' }, 'off']] as const) {
      const off = await seen(raw, name);
      expect(off.wandb === null || !off.wandb.startsWith(standInDir()), String(off.wandb)).toBe(true);
      expect(off.PYTHONPATH ?? '').not.toContain(standInDir());
    }
  }, 90_000);
});

/** Run Python code with the stand-in importable, as a trial would; stdout as lines. */
function py(code: string, env: Record<string, string> = {}) {
  const r = spawnSync(PY!, ['-c', code], { encoding: 'utf8', maxBuffer: 64 << 20, env: { ...process.env, PYTHONPATH: standInDir(), SCALETUNE_PARAMS: '', SCALETUNE_STUDY: '', ...env }, timeout: 60_000 });
  return { status: r.status, stdout: r.stdout.split('\n').filter((l) => l !== ''), stderr: r.stderr };
}

describe.skipIf(!PY)('python/wandb, the stand-in itself', () => {
  it('counts steps as W&B does: commit=False accumulates, a larger step commits the pending row, a smaller one is dropped with a warning', () => {
    const r = py(`
import wandb
wandb.init()
wandb.log({"a": 1})
wandb.log({"b": 2}, commit=False)
wandb.log({"c": 3}, commit=False)
wandb.log({"d": 4})
wandb.log({"e": 5}, step=4)
wandb.log({"f": 6}, step=4)
wandb.log({"g": 7}, step=6)
wandb.log({"h": 8}, step=2)
wandb.log({"i": 9}, step=6, commit=True)
print("current", wandb.run.step, flush=True)
wandb.log({"j": 10}, commit=False)
`);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toEqual([
      '{"step": 0, "a": 1}',
      '{"step": 1, "b": 2, "c": 3, "d": 4}',
      '{"step": 4, "e": 5, "f": 6}',
      '{"step": 6, "g": 7, "i": 9}',
      'current 7',
      // still pending at exit: committed when the run finishes
      '{"step": 7, "j": 10}',
    ]);
    expect(r.stderr).toContain('Tried to log to step 2 that is less than the current step 6');
  });

  it('reports numbers, booleans and strings (NaN and Infinity bare), nested keys with /, and drops media, lists and None', () => {
    const r = py(`
import numpy as np, wandb
wandb.init()
wandb.log({"x": float("nan"), "y": float("inf"), "ok": True, "name": "a", "val": {"loss": 1.5, "deep": {"acc": 0.5}},
           "np": np.float32(2.5), "arr": np.zeros(3), "img": wandb.Image(np.zeros((2, 2))), "tab": wandb.Table(columns=["a"]),
           "hist": wandb.Histogram([1, 2]), "chart": wandb.plot.line(None, "x", "y"), "list": [1, 2], "none": None})
`);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toEqual(['{"step": 0, "x": NaN, "y": Infinity, "ok": true, "name": "a", "val/loss": 1.5, "val/deep/acc": 0.5, "np": 2.5}']);
    const rep = parseReportLine(r.stdout[0]!)!;
    expect(rep.step).toBe(0);
    expect(rep.metrics['val/deep/acc']).toBe(0.5);
    expect(Number.isNaN(rep.metrics.x)).toBe(true);
  });

  it('gives the trial’s parameters over the defaults, in every shape programs read a config', () => {
    const r = py(
      `
import argparse, json, wandb
ns = argparse.Namespace(lr=0.5, epochs=3, model={"width": 8}, secret=1)
run = wandb.init(config=ns, config_exclude_keys=["secret"], project="p", name="n", notes="why")
c = wandb.config
assert c is run.config
c.update({"lr": 9, "extra": 1})
c.batch = 4
out = {"attr": c.lr, "item": c["epochs"], "in": "lr" in c, "not_in": "nope" in c, "get": c.get("nope", 7), "keys": sorted(c.keys()),
       "items": sorted(k for k, _ in c.items()), "dict": dict(c), "nested": c.model["depth"], "secret": "secret" in c}
print(json.dumps(out))
try:
    c.nope
except AttributeError as e:
    print("missing:", e)
`,
      { SCALETUNE_PARAMS: JSON.stringify({ lr: 0.01, model: { width: 64, depth: 2 } }) },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout[0]!)).toEqual({
      attr: 0.01,
      item: 3,
      in: true,
      not_in: false,
      get: 7,
      keys: ['batch', 'epochs', 'extra', 'lr', 'model'],
      items: ['batch', 'epochs', 'extra', 'lr', 'model'],
      dict: { lr: 0.01, epochs: 3, model: { width: 64, depth: 2 }, extra: 1, batch: 4 },
      nested: 2,
      secret: false,
    });
    expect(r.stdout[1]).toMatch(/^missing: wandb.config has no key 'nope'/);
    // as W&B does with a sweep's values
    expect(r.stderr).toContain("Config item 'lr' was locked by 'sweep' (ignored update).");
  });

  it('summary, finish, context manager and the module globals follow the current run', () => {
    const r = py(
      `
import wandb
try:
    wandb.log({"a": 1})
except wandb.Error as e:
    print("before init:", e)
with wandb.init(project="p") as run:
    assert wandb.run is run and wandb.summary is run.summary
    wandb.log({"loss": 2.0})
    wandb.log({"loss": 1.0})
    run.summary["best"] = 0.5
    wandb.summary.update({"acc": {"top1": 0.9}})
print("after with:", wandb.run)
run.finish()
second = wandb.init()
second.log({"loss": 3.0})
wandb.join()
second.log({"late": 1})
print(run.id, second.id, run.name, run.project, run.entity, run.sweep_id, run.get_url(), run.get_project_url(), run.get_sweep_url(), run.dir)
`,
      { SCALETUNE_STUDY: 'st', SCALETUNE_TRIAL_NUMBER: '4', SCALETUNE_CHECKPOINT_DIR: '/runs/st/trial-0004/checkpoints' },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.slice(0, 6)).toEqual([
      'before init: You must call wandb.init() before wandb.log()',
      '{"step": 0, "loss": 2.0}',
      '{"step": 1, "loss": 1.0}',
      '{"step": 1, "best": 0.5, "acc/top1": 0.9}',
      'after with: None',
      '{"step": 0, "loss": 3.0}',
    ]);
    // as W&B does: a log to a finished run is ignored, with a warning
    expect(r.stderr).toMatch(/Run \(st-4-\d+-1\) is finished. The call to `log` will be ignored/);
    expect(r.stdout.length).toBe(7);
    expect(r.stdout[6]).toMatch(/^st-4 st-4-\d+-1 st-4 p scaletune st scaletune:\/\/p\/trials\/4 scaletune:\/\/p scaletune:\/\/st \/runs\/st\/trial-0004$/);
  });

  it('accepts the calls W&B programs make besides logging, as no-ops', () => {
    const r = py(`
import wandb
assert wandb.login(key="x") is True
run = wandb.init(settings=wandb.Settings(start_method="thread"), reinit=True, anonymous="allow", mode="online", tags=["a"])
wandb.watch(object(), log="all"); wandb.unwatch(); wandb.save("*.pt"); run.save("x")
wandb.define_metric("val/loss", summary="min"); run.define_metric("x"); wandb.alert(title="t", text="x")
art = wandb.Artifact("model", type="model"); art.add_file(__file__ if "__file__" in dir() else "f"); run.log_artifact(art)
run.use_artifact("data:latest"); wandb.use_artifact("data:latest")
t = wandb.Table(columns=["a", "b"]); t.add_data(1, 2)
wandb.log({"table": t, "loss": 1.0})
print(wandb.sweep({"method": "grid"}, project="p"))
`, { SCALETUNE_STUDY: 'st' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toEqual(['{"step": 0, "loss": 1.0}', 'st']);
  });

  it('a submodule of real wandb it does not ship (wandb.integration.keras) fails naming the stand-in, not as a missing install', () => {
    const r = py(`
import wandb
from wandb.integration.keras import WandbCallback
`);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/ModuleNotFoundError: scaletune's wandb stand-in does not implement the module wandb\.integration; /);
  });

  it('writes each report in one write on the real stdout: reports of processes sharing the pipe never interleave, a redirected sys.stdout does not hide them', () => {
    const r = py(`
import io, os, sys, wandb
print("first", flush=False)
wandb.init()
wandb.log({"hello": 1})
pids = []
for rank in range(4):
    pid = os.fork()
    if pid == 0:
        run = wandb.init(reinit=True)
        for i in range(300):
            run.log({"rank": rank, "pad": "x" * 1500})
        os._exit(0)
    pids.append(pid)
for p in pids:
    os.waitpid(p, 0)
sys.stdout = io.StringIO()
wandb.log({"hidden": 1})
`);
    expect(r.status, r.stderr).toBe(0);
    // the program's own line, still in its buffer, goes out before the report
    expect(r.stdout.slice(0, 2)).toEqual(['first', '{"step": 0, "hello": 1}']);
    const reports = r.stdout.slice(2).map((l) => JSON.parse(l) as { rank?: number; pad?: string; hidden?: number });
    expect(reports.length).toBe(4 * 300 + 1);
    for (const rank of [0, 1, 2, 3]) expect(reports.filter((x) => x.rank === rank && x.pad!.length === 1500).length).toBe(300);
    expect(reports.at(-1)).toEqual({ step: 1, hidden: 1 });
  });
});
