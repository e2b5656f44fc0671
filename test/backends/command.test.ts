import { chmodSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildArgv, CommandBackend } from '../../src/backends/command.js';
import { parseReportLine } from '../../src/backends/protocol.js';
import type { Params } from '../../src/core/distributions.js';
import { loadStudyConfig } from '../../src/config/index.js';
import { processAlive } from '../../src/orchestrator/recovery.js';
import { startTrial } from '../../src/orchestrator/run-trial.js';
import { MemoryStorage } from '../../src/storage/memory.js';
import { makeStudy, tmpDir, trainerConfig, writeFile } from '../helpers/fixtures.js';
import { until } from '../helpers/wait.js';

/** Run one trial of the fixture trainer (or `program`) with these params; return the finished trial and its records. */
async function runOne(params: Params, raw: Record<string, unknown> = {}, backend = new CommandBackend({ killGraceMs: 500 }), config = trainerConfig(raw)) {
  const storage = new MemoryStorage();
  const dir = tmpDir();
  const study = await makeStudy(storage, config, 'backend', dir);
  const trial = (await storage.createRunning(study.id, { params, worker: 'test' }))!;
  const t0 = Date.now();
  const res = await startTrial({ storage, study, trial, backend }).result;
  const elapsed = Date.now() - t0;
  if (res.kind !== 'finished') throw new Error('interrupted');
  return { trial: res.trial, metrics: await storage.getMetrics(study.id), logs: await storage.getLogs(trial.id), elapsed, dir, study, storage };
}

const ECHO = `
import { writeFileSync } from 'node:fs';
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('SCALETUNE_')));
writeFileSync(process.env.OUT_FILE, JSON.stringify({ argv: process.argv.slice(2), env, cwd: process.cwd() }));
console.log(JSON.stringify({ step: 1, loss: 1.5 }));
`;

/**
 * A trainer that starts, in its process group, a `sleep` that holds no pipe (so the trainer's pipes close
 * as it exits) and a child that ignores SIGTERM, reports, then ends with `ending`.
 */
function groupTrainer(ending: string) {
  const dir = tmpDir();
  const pidFile = path.join(dir, 'children.json');
  const program = writeFile(
    dir,
    'leaves.mjs',
    `import { spawn } from 'node:child_process'; import { writeFileSync } from 'node:fs';
     const quiet = spawn('sleep', ['300'], { stdio: 'ignore' });
     const stubborn = spawn(process.execPath, ['-e', 'process.on("SIGTERM", () => {}); setInterval(() => {}, 1000)'], { stdio: 'ignore' });
     writeFileSync(${JSON.stringify(pidFile)}, JSON.stringify([quiet.pid, stubborn.pid]));
     console.log(JSON.stringify({ step: 1, loss: 2 }));
     ${ending}`,
  );
  const children = (): number[] => (existsSync(pidFile) ? (JSON.parse(readFileSync(pidFile, 'utf8')) as number[]) : []);
  // a failing test must not leave them running either
  const cleanUp = (): void => {
    for (const c of children()) if (processAlive(c)) process.kill(c, 'SIGKILL');
  };
  return { program, children, cleanUp };
}

describe('command backend', () => {
  it('passes parameters through every macro and the environment, without a shell', async () => {
    const dir = tmpDir();
    const program = writeFile(dir, 'echo.mjs', ECHO);
    const out = path.join(dir, 'out.json');
    const params = { lr: 0.01, name: 'hello world', flag: true, none: null, 'model.layers': [64, 64] };
    // what Python's json.dumps writes, as W&B's ${args_json} is
    const PY_JSON = '{"lr": 0.01, "name": "hello world", "flag": true, "none": null, "model.layers": [64, 64]}';
    const { trial, study } = await runOne(params, {
      program,
      command: ['${env}', '${interpreter}', '${program}', '--fixed', 'literal', '${args}', '${args_no_hyphens}', '${args_json}', '--params=${args_json_file}'],
      env: { OUT_FILE: out },
    });
    expect(trial.state).toBe('COMPLETE');
    expect(trial.value).toBe(1.5);
    const got = JSON.parse(readFileSync(out, 'utf8'));
    const file = path.join(study.artifactsDir, 'trial-0000', 'params.json');
    expect(got.argv).toEqual([
      '--fixed',
      'literal',
      '--lr=0.01',
      '--name=hello world',
      '--flag=True',
      '--none=None',
      '--model.layers=[64, 64]',
      'lr=0.01',
      'name=hello world',
      'flag=True',
      'none=None',
      'model.layers=[64, 64]',
      PY_JSON,
      `--params=${file}`,
    ]);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(params);
    expect(got.env).toMatchObject({
      SCALETUNE_TRIAL_ID: String(trial.id),
      SCALETUNE_TRIAL_NUMBER: '0',
      SCALETUNE_STUDY: 'backend',
      SCALETUNE_PARAMS: PY_JSON,
      SCALETUNE_CHECKPOINT_DIR: path.join(study.artifactsDir, 'trial-0000', 'checkpoints'),
      SCALETUNE_RUN_DIR: path.join(study.artifactsDir, 'trial-0000'),
    });
    expect(got.env.SCALETUNE_RESUME_FROM).toBeUndefined();
    expect(got.cwd).toBe(study.cwd);
  });

  // nanoGPT's configurator: literal_eval each `--key=value` and assert it has the type of the default
  it.skipIf(!existsSync('/usr/bin/python3'))('a Python trainer gets --grad_clip=1.0 as a float, nested parameters as a dict, json as json.loads reads it', async () => {
    const dir = tmpDir();
    writeFile(
      dir,
      'train.py',
      [
        'import ast, json, os, sys',
        'grad_clip = 0.5; n_layer = 12; bias = False; optimizer = {}',
        'for arg in sys.argv[1:]:',
        '    key, val = arg[2:].split("=", 1)',
        '    attempt = ast.literal_eval(val)',
        '    assert type(attempt) == type(globals()[key]), (key, val)',
        '    globals()[key] = attempt',
        'assert type(grad_clip) is float and grad_clip == 1.0',
        'assert type(optimizer["lr"]) is float and optimizer["name"] == "adam" and type(optimizer["warmup"]) is int',
        'env = json.loads(os.environ["SCALETUNE_PARAMS"])',
        'with open(os.path.join(os.environ["SCALETUNE_RUN_DIR"], "params.json")) as f: file = json.load(f)',
        'assert env == file and type(env["grad_clip"]) is float and type(env["optimizer"]["warmup"]) is int, env',
        'print(json.dumps({"step": 1, "loss": grad_clip + n_layer}))',
      ].join('\n'),
    );
    const file = writeFile(
      dir,
      'study.yaml',
      `program: train.py
command: [/usr/bin/python3, "\${program}", "\${args}"]
method: random
metric: {name: loss}
parameters:
  grad_clip: {value: 1.0}
  n_layer: {values: [4, 8]}
  bias: {values: [true, false]}
  optimizer:
    parameters:
      lr: {min: 0.0001, max: 0.1}
      name: {value: adam}
      warmup: {value: 100}
`,
    );
    const config = loadStudyConfig(file);
    const { trial, logs } = await runOne({ grad_clip: 1, n_layer: 4, bias: true, 'optimizer.lr': 0.01, 'optimizer.name': 'adam', 'optimizer.warmup': 100 }, {}, undefined, config);
    expect(trial.state, JSON.stringify(logs.map((l) => l.line))).toBe('COMPLETE');
    expect(trial.value).toBe(5);
  });

  it('an unset ${envvar:NAME} fails the trial with the name, without starting the trainer', async () => {
    const dir = tmpDir();
    const program = writeFile(dir, 'echo.mjs', ECHO);
    const out = path.join(dir, 'out.json');
    delete process.env.SCALETUNE_TEST_NOT_SET;
    const { trial } = await runOne({}, { program, command: ['${env}', '${interpreter}', '${program}', '--data=${envvar:SCALETUNE_TEST_NOT_SET}'], env: { OUT_FILE: out } });
    expect(trial.state).toBe('FAIL');
    expect(trial.error).toMatch(/\$\{envvar:SCALETUNE_TEST_NOT_SET\}, but SCALETUNE_TEST_NOT_SET is not set/);
    expect(existsSync(out)).toBe(false);
  });

  it('${envvar:NAME} reads the study env: and the trainer environment', async () => {
    const dir = tmpDir();
    const program = writeFile(dir, 'echo.mjs', ECHO);
    const out = path.join(dir, 'out.json');
    const { trial } = await runOne({}, { program, command: ['${env}', '${interpreter}', '${program}', '--data=${envvar:DATA}', '--trial=${envvar:SCALETUNE_TRIAL_NUMBER}', '--out=${run_dir}'], env: { OUT_FILE: out, DATA: '/d' } });
    expect(trial.state).toBe('COMPLETE');
    const got = JSON.parse(readFileSync(out, 'utf8'));
    expect(got.argv).toEqual(['--data=/d', '--trial=0', `--out=${got.env.SCALETUNE_RUN_DIR}`]);
  });

  it('chooses the interpreter from the extension and drops it for other programs', () => {
    expect(buildArgv({ command: ['${env}', '${interpreter}', '${program}', '${args}'], program: '/x/train.py' }, { a: 1 }, 'f')).toEqual(['/usr/bin/env', 'python3', '/x/train.py', '--a=1']);
    expect(buildArgv({ command: ['${interpreter}', '${program}'], program: '/x/t.mjs' }, {}, 'f')).toEqual([process.execPath, '/x/t.mjs']);
    expect(buildArgv({ command: ['${interpreter}', '${program}'], program: '/x/train.sh' }, {}, 'f')).toEqual(['/x/train.sh']);
  });

  it('an injection attempt reaches the trainer as one literal argument', async () => {
    const dir = tmpDir();
    const program = writeFile(dir, 'echo.mjs', ECHO);
    const out = path.join(dir, 'out.json');
    const pwned = path.join(dir, 'pwned');
    const evil = `; touch ${pwned} && echo $(touch ${pwned}) \`touch ${pwned}\` | rm -rf ~`;
    const { trial } = await runOne({ cmd: evil }, { program, env: { OUT_FILE: out } });
    expect(trial.state).toBe('COMPLETE');
    expect(JSON.parse(readFileSync(out, 'utf8')).argv).toEqual([`--cmd=${evil}`]);
    expect(existsSync(pwned)).toBe(false);
  });

  it('a timeout kills the whole process group and fails the trial', async () => {
    // a trainer that ignores SIGTERM still ends (SIGKILL after the grace)
    const leaves = groupTrainer("process.on('SIGTERM', () => {}); setInterval(() => {}, 1000);");
    try {
      const { trial, elapsed } = await runOne({}, { program: leaves.program, timeout: 1 });
      expect(trial.state).toBe('FAIL');
      expect(trial.error).toMatch(/timed out after 1\.0s/);
      expect(elapsed).toBeLessThan(6000);
      expect(leaves.children().filter(processAlive)).toEqual([]);
    } finally {
      leaves.cleanUp();
    }
  });

  it.each([
    ['exits 0', 'setTimeout(() => process.exit(0), 300);', 'COMPLETE'],
    ['exits 3', 'setTimeout(() => process.exit(3), 300);', 'FAIL'],
    ['is killed', "setTimeout(() => process.kill(process.pid, 'SIGKILL'), 300);", 'FAIL'],
  ])('a trainer that %s takes down what it started in its group, even what ignores SIGTERM', async (_, ending, state) => {
    const leaves = groupTrainer(ending);
    try {
      const { trial, elapsed } = await runOne({}, { program: leaves.program });
      expect(trial.state).toBe(state);
      // killed at the end of the grace period (500 ms here), then reaped by init within a second or two
      await until(() => leaves.children().every((c) => !processAlive(c)), 5000);
      expect(elapsed).toBeLessThan(5000);
    } finally {
      leaves.cleanUp();
    }
  });

  it('a crash fails the trial with the exit code and the end of stderr', async () => {
    const { trial, metrics } = await runOne({ mode: 'crash', steps: 6, fail_at: 4 });
    expect(trial.state).toBe('FAIL');
    expect(trial.error).toContain('exited with code 3');
    expect(trial.error).toContain('CUDA error: an illegal memory access');
    expect(metrics.filter((m) => m.name === 'loss').map((m) => m.step)).toEqual([1, 2, 3]);
  });

  it('NaN ends the run at once and fails it, keeping what came before', async () => {
    const { trial, metrics, elapsed } = await runOne({ mode: 'nan', steps: 200, step_ms: 20, fail_at: 3 });
    expect(trial.state).toBe('FAIL');
    expect(trial.error).toContain("metric 'loss' was NaN at step 3");
    expect(elapsed).toBeLessThan(3000);
    const loss = metrics.filter((m) => m.name === 'loss');
    expect(loss.slice(0, 3).map((m) => m.value)).toEqual([expect.any(Number), expect.any(Number), null]);
  });

  it('Infinity in the metric is a divergence too', () => {
    expect(parseReportLine('{"step": 2, "loss": Infinity, "note": "NaN in a string"}')).toEqual({ step: 2, tokens: null, metrics: { loss: Infinity }, checkpoint: null, totalSteps: null, nonNumeric: { note: 'NaN in a string' } });
  });

  it('booleans and strings are passed on as printed (booleans also as 1/0); a step that is not a whole number is not used', () => {
    expect(parseReportLine('{"step": "abc", "ok": true, "eval": {"loss": "2.5"}, "loss": 1}')).toEqual({ step: null, tokens: null, metrics: { ok: 1, loss: 1 }, checkpoint: null, totalSteps: null, nonNumeric: { ok: true, 'eval/loss': '2.5' }, badStep: 'step "abc" is not a whole number from 0 to 2147483647' });
    expect(parseReportLine('{"step": 100.0, "loss": 1}')).toMatchObject({ step: 100 });
    for (const bad of ['-1', '2.5', 'NaN', '3e9', 'true']) expect(parseReportLine(`{"step": ${bad}, "loss": 1}`)).toMatchObject({ step: null, badStep: `step ${bad === '3e9' ? '3000000000' : bad} is not a whole number from 0 to 2147483647` });
    expect(parseReportLine('{"step": null, "loss": 1}')).not.toHaveProperty('badStep');
  });

  it('huge output: logs are capped, a huge line is cut, the result still counts', async () => {
    const { trial, logs } = await runOne({ mode: 'huge', steps: 3, fail_at: 2 });
    expect(trial.state).toBe('COMPLETE');
    expect(trial.value).toBeCloseTo(2 + 3 * Math.exp(-5), 6);
    expect(logs.length).toBeLessThanOrEqual(10_000 + 1 + 200);
    expect(logs.some((l) => l.stream === 'scaletune' && /log lines not stored/.test(l.line))).toBe(true);
    const cut = logs.find((l) => l.line.startsWith('yyyy'));
    expect(cut?.line).toMatch(/line cut: \d+ more characters/);
    expect(cut!.line.length).toBeLessThan(1.1 * (1 << 20));
    expect(logs.at(-1)?.line).toBe('done');
  });

  it('a trainer that never prints the metric fails, saying what it did print', async () => {
    const { trial } = await runOne({ mode: 'nofinal', steps: 3 });
    expect(trial.state).toBe('FAIL');
    expect(trial.error).toBe("the trainer exited without reporting metric 'loss' (it reported: accuracy)");
  });

  it('a program that cannot start fails the trial, not the study', async () => {
    const dir = tmpDir();
    const program = writeFile(dir, 'x.sh', 'not executable');
    chmodSync(program, 0o755);
    const config = trainerConfig({ program, command: ['${program}'] });
    // the config check found it executable; it lost its execute bit before the trial started
    chmodSync(program, 0o644);
    const { trial } = await runOne({}, {}, undefined, config);
    expect(trial.state).toBe('FAIL');
    expect(trial.error).toMatch(/cannot start .*x\.sh.*EACCES/);
  });

  it('stores every report, other lines as logs, checkpoints, and resumes from SCALETUNE_RESUME_FROM', async () => {
    const { trial, metrics, logs, storage, study } = await runOne({ steps: 10, checkpoint_every: 4 });
    expect(trial.state).toBe('COMPLETE');
    expect(metrics.filter((m) => m.name === 'loss').map((m) => m.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(metrics.find((m) => m.name === 'loss' && m.step === 2)?.tokens).toBe(2 * 64 * 256);
    expect(logs.map((l) => l.line)).toContain('done');
    expect(trial.checkpoint).toMatch(/checkpoints\/step-8\.json$/);
    // a re-queued copy starts from that checkpoint
    const copy = await storage.enqueue(study.id, { params: { steps: 10 }, resumeFrom: trial.checkpoint });
    const claimed = (await storage.claimWaiting(study.id, 'test'))!;
    expect(claimed.id).toBe(copy.id);
    const res = await startTrial({ storage, study, trial: claimed, backend: new CommandBackend() }).result;
    expect(res.kind === 'finished' && res.trial.state).toBe('COMPLETE');
    // the trainer re-evaluates the checkpoint it loaded (step 8), then trains steps 9 and 10
    expect((await storage.getMetrics(study.id, claimed.id)).filter((m) => m.name === 'loss').map((m) => m.step)).toEqual([8, 9, 10]);
  });

  it('a copy resumed after its last step takes the value reported before the restart', async () => {
    const { trial, storage, study } = await runOne({ steps: 4, checkpoint_every: 4 });
    // as if scaletune had died between the trainer's last report and recording the result
    const again = (await storage.createRunning(study.id, { params: trial.params, worker: 'w' }))!;
    await storage.addMetrics(again.id, [{ step: 4, name: 'loss', value: 2.25 }]);
    await storage.setCheckpoint(again.id, trial.checkpoint!);
    const copy = await storage.requeue(again.id, 'runner died');
    await storage.claimWaiting(study.id, 'w');
    const claimed = { ...copy, params: { ...trial.params, mode: 'silentresume' } };
    const res = await startTrial({ storage, study, trial: claimed, backend: new CommandBackend() }).result;
    expect(res.kind === 'finished' && res.trial).toMatchObject({ state: 'COMPLETE', value: 2.25 });
    expect((await storage.getLogs(copy.id)).map((l) => l.line)).toContain(`no new 'loss' after resuming from ${trial.checkpoint}; using 2.25 reported by trial 1 at step 4`);
  });

  it('runs a Python trainer through ${interpreter} and reads the bare NaN that json.dumps writes', async () => {
    const dir = tmpDir();
    const program = writeFile(
      dir,
      'train.py',
      [
        'import argparse, json, math, sys',
        'p = argparse.ArgumentParser(); p.add_argument("--lr", type=float); p.add_argument("--amp", type=str)',
        'a = p.parse_args()',
        'print("epoch 0", flush=True)',
        'print(json.dumps({"step": 1, "loss": 2.0 + a.lr, "amp": a.amp == "True"}), flush=True)',
        'print(json.dumps({"step": 2, "loss": float("nan") if a.lr > 1 else 1.5}), flush=True)',
      ].join('\n'),
    );
    const ok = await runOne({ lr: 0.5, amp: true }, { program });
    expect(ok.trial).toMatchObject({ state: 'COMPLETE', value: 1.5 });
    expect(ok.metrics.find((m) => m.name === 'amp')?.value).toBe(1);
    expect(ok.logs.map((l) => l.line)).toContain('epoch 0');
    const diverged = await runOne({ lr: 5, amp: false }, { program });
    expect(diverged.trial.state).toBe('FAIL');
    expect(diverged.trial.error).toContain("metric 'loss' was NaN at step 2");
  });
});

describe('command backend: metrics read from log lines', () => {
  // a tqdm-like bar on stderr, redrawn with \r and coloured, one redraw split across two writes
  const BARS = `
const later = () => new Promise((r) => setTimeout(r, 30));
process.stdout.write('starting\\n');
process.stderr.write('\\r 10%|█         | 1/10 [\\x1b[32mloss=2.500\\x1b[0m]');
process.stderr.write('\\r 50%|█████     | 5/');
await later();
process.stderr.write('10 [\\x1b[32mloss=1.500\\x1b[0m]\\r100%|██████████| 10/10 [\\x1b[32mloss=nan\\x1b[0m]\\n');
await later();
process.stdout.write('{"step": 20, "acc": 0.5}\\n');
process.stdout.write('\\x1b[1mstep 30: val loss 1.5E+00\\x1b[0m\\r\\n');
`;
  const metrics = { patterns: [String.raw`(?<step>\d+)/10 \[loss=(?<loss>\S+)\]`, String.raw`step (?<step>\d+): val loss (?<val_loss>\S+)`] };

  it('patterns read stdout and stderr through redraws and colours; the log keeps a redrawn line once, readable', async () => {
    const program = writeFile(tmpDir(), 'bars.mjs', BARS);
    const { trial, metrics: ms, logs } = await runOne({}, { program, metrics, metric: { name: 'val_loss', goal: 'minimize' } });
    expect(trial.error).toBeNull();
    expect(trial.state).toBe('COMPLETE');
    expect(trial.value).toBe(1.5);
    // NaN is stored as null
    expect(ms.map((m) => [m.step, m.name, m.value]).sort((a, b) => (a[0] as number) - (b[0] as number))).toEqual([
      [1, 'loss', 2.5],
      [5, 'loss', 1.5],
      [10, 'loss', null],
      [20, 'acc', 0.5],
      [30, 'val_loss', 1.5],
    ]);
    expect(logs.filter((l) => l.stream === 'stderr').map((l) => l.line)).toEqual(['100%|██████████| 10/10 [loss=nan]']);
    expect(logs.filter((l) => l.stream === 'stdout').map((l) => l.line)).toEqual(['starting', 'step 30: val loss 1.5E+00']);
  });

  it('without metrics: only stdout JSON is read, and the log still gets redrawn lines once, without escapes', async () => {
    const program = writeFile(tmpDir(), 'bars.mjs', BARS);
    const { trial, metrics: ms, logs } = await runOne({}, { program, metric: { name: 'acc', goal: 'maximize' } });
    expect(trial.state).toBe('COMPLETE');
    expect(ms.map((m) => [m.step, m.name, m.value])).toEqual([[20, 'acc', 0.5]]);
    expect(logs.map((l) => l.line)).toEqual(expect.arrayContaining(['100%|██████████| 10/10 [loss=nan]', 'step 30: val loss 1.5E+00']));
  });

  it('a refused match is noted in the trial log', async () => {
    const program = writeFile(tmpDir(), 'odd.mjs', `console.log('step 1: val loss 2.0'); console.log('step 2: val loss n/a');`);
    const { trial, logs } = await runOne({}, { program, metrics, metric: { name: 'val_loss', goal: 'minimize' } });
    expect(trial.value).toBe(2);
    expect(logs.filter((l) => l.stream === 'scaletune').map((l) => l.line)).toEqual([`line not read as a report: pattern 2 (${JSON.stringify(metrics.patterns[1])}): group val_loss is "n/a", not a number: step 2: val loss n/a`]);
  });
});
