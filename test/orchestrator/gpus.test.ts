import { chmodSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CommandBackend } from '../../src/backends/command.js';
import { validateStudyConfig } from '../../src/config/index.js';
import { ConfigError } from '../../src/core/errors.js';
import { autoDevices, findDevices, GpuPool, parseNvidiaSmiList, planSlots } from '../../src/orchestrator/gpus.js';
import { runStudy } from '../../src/orchestrator/run-study.js';
import { silentReporter, type Reporter } from '../../src/report/reporter.js';
import { MemoryStorage } from '../../src/storage/memory.js';
import { runCli } from '../helpers/cli.js';
import { makeStudy, tmpDir, writeFile } from '../helpers/fixtures.js';

const LIST_4 = [
  'GPU 0: NVIDIA H200 (UUID: GPU-0a1b2c3d-0000-0000-0000-000000000000)',
  'GPU 1: NVIDIA H200 (UUID: GPU-0a1b2c3d-1111-1111-1111-111111111111)',
  'GPU 2: NVIDIA H200 (UUID: GPU-0a1b2c3d-2222-2222-2222-222222222222)',
  'GPU 3: NVIDIA H200 (UUID: GPU-0a1b2c3d-3333-3333-3333-333333333333)',
].join('\n');

// GPU 1 partitioned into two MIG instances, as `nvidia-smi -L` lists them under their GPU
const LIST_MIG = [
  'GPU 0: NVIDIA A100-SXM4-80GB (UUID: GPU-aaaaaaaa-0000-0000-0000-000000000000)',
  'GPU 1: NVIDIA A100-SXM4-80GB (UUID: GPU-bbbbbbbb-1111-1111-1111-111111111111)',
  '  MIG 3g.40gb     Device  0: (UUID: MIG-cccccccc-0000-0000-0000-000000000000)',
  '  MIG 3g.40gb     Device  1: (UUID: MIG-dddddddd-1111-1111-1111-111111111111)',
].join('\n');

/** A folder with a stand-in `nvidia-smi` that prints `list` for -L, to put first on PATH. */
function standInNvidiaSmi(list: string): string {
  const dir = tmpDir('scaletune-nvsmi-');
  const p = writeFile(dir, 'nvidia-smi', `#!/bin/sh\n[ "$1" = "-L" ] || exit 9\ncat <<'EOF'\n${list}\nEOF\n`);
  chmodSync(p, 0o755);
  return dir;
}

/**
 * A trainer that says which devices it got, and logs when it held them to a shared file (so the test
 * can count how many trials held each device at once). Fails with a CUDA error on `bad_device`.
 */
const TRAINER = `
import { appendFileSync } from 'node:fs';
const dev = process.env.CUDA_VISIBLE_DEVICES ?? '(unset)';
const log = process.env.GPU_LOG;
const arg = (k) => (process.argv.find((a) => a.startsWith('--' + k + '=')) ?? '').split('=')[1];
appendFileSync(log, JSON.stringify({ dev, at: 'start', t: Date.now() }) + '\\n');
console.log('CUDA_VISIBLE_DEVICES=' + dev);
await new Promise((r) => setTimeout(r, Number(arg('hold_ms') ?? 150)));
appendFileSync(log, JSON.stringify({ dev, at: 'end', t: Date.now() }) + '\\n');
if (dev === process.env.BAD_DEVICE) {
  console.error('RuntimeError: CUDA error: an illegal memory access was encountered');
  process.exit(1);
}
console.log(JSON.stringify({ step: 1, loss: Number(arg('x')) }));
`;

function setup(resources: Record<string, unknown>, extra: Record<string, unknown> = {}, trainerEnv: Record<string, string> = {}) {
  const dir = tmpDir('scaletune-gpus-');
  const program = writeFile(dir, 'train.mjs', TRAINER);
  const gpuLog = path.join(dir, 'gpu.log');
  const config = validateStudyConfig(
    { program, method: 'random', metric: { name: 'loss', goal: 'minimize' }, parameters: { x: { min: 0, max: 1 }, hold_ms: { value: 150 } }, run_cap: 8, parallel: 8, seed: 3, resources, env: { GPU_LOG: gpuLog, ...trainerEnv }, ...extra },
    { configDir: dir },
  );
  return { dir, config, gpuLog };
}

/** The most trials that held each device at one time, from the trainers' start/end lines. */
function heldAtOnce(gpuLog: string): Map<string, number> {
  const events = readFileSync(gpuLog, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { dev: string; at: string; t: number });
  events.sort((a, b) => a.t - b.t || (a.at === 'end' ? -1 : 1));
  const now = new Map<string, number>();
  const most = new Map<string, number>();
  for (const e of events) {
    for (const d of e.dev.split(',')) {
      const n = (now.get(d) ?? 0) + (e.at === 'start' ? 1 : -1);
      now.set(d, n);
      most.set(d, Math.max(most.get(d) ?? 0, n));
    }
  }
  return most;
}

function warnings(): { reporter: Reporter; lines: string[] } {
  const lines: string[] = [];
  return { reporter: { ...silentReporter, warn: (m: string) => lines.push(m) }, lines };
}

describe('nvidia-smi -L and auto', () => {
  it('lists GPUs by index, and a partitioned GPU by its MIG instances', () => {
    expect(autoDevices(parseNvidiaSmiList(LIST_4), undefined)).toEqual(['0', '1', '2', '3']);
    expect(autoDevices(parseNvidiaSmiList(LIST_MIG), undefined)).toEqual(['0', 'MIG-cccccccc-0000-0000-0000-000000000000', 'MIG-dddddddd-1111-1111-1111-111111111111']);
  });

  it('an inherited CUDA_VISIBLE_DEVICES bounds auto, in index, UUID or MIG form', () => {
    const listed = parseNvidiaSmiList(LIST_4);
    expect(autoDevices(listed, '1,3')).toEqual(['1', '3']);
    expect(autoDevices(listed, 'GPU-0a1b2c3d-2222-2222-2222-222222222222')).toEqual(['GPU-0a1b2c3d-2222-2222-2222-222222222222']);
    expect(autoDevices(listed, 'MIG-cccccccc-0000-0000-0000-000000000000,MIG-dddddddd-1111-1111-1111-111111111111')).toHaveLength(2);
    expect(() => findDevices({ gpus: 'auto', perTrial: 1 }, { CUDA_VISIBLE_DEVICES: '-1' })).toThrow(/allows no GPU/);
  });

  it('says why auto found nothing when nvidia-smi is missing', () => {
    expect(() => findDevices({ gpus: 'auto', perTrial: 1 }, { PATH: tmpDir() })).toThrow(/nvidia-smi is not on PATH/);
  });
});

describe('slots', () => {
  it('a fraction packs trials on each GPU, spreading before packing; a whole number groups GPUs', () => {
    expect(planSlots(['0', '1'], 0.5).slots.map((s) => s.devices.join())).toEqual(['0', '1', '0', '1']);
    expect(planSlots(['0', '1'], 1 / 3).slots).toHaveLength(6);
    const two = planSlots(['0', '1', '2', '3', '4'], 2);
    expect(two.slots.map((s) => s.devices.join())).toEqual(['0,1', '2,3']);
    expect(two.unused).toEqual(['4']);
  });

  it('a device failing with CUDA errors twice in a row is reported once and left out while another is left', () => {
    const pool = new GpuPool(planSlots(['0', '1'], 1).slots);
    const a = pool.acquire(1)!;
    const b = pool.acquire(2)!;
    expect(pool.acquire(3)).toBeNull();
    expect(pool.release(a.id === 0 ? 1 : 2, true)).toEqual([]);
    const onZero = a.id === 0 ? 1 : 2;
    expect(pool.acquire(onZero)!.devices).toEqual(['0']);
    expect(pool.release(onZero, true)).toEqual(['0']);
    expect(pool.leftOut('0')).toBe(true);
    expect(pool.release(a.id === 0 ? 2 : 1, false)).toEqual([]);
    expect(pool.acquire(9)!.devices).toEqual(['1']);
    expect(pool.hasFree()).toBe(false);
    void b;
  });
});

describe('resources: in a config', () => {
  it('refuses what CUDA_VISIBLE_DEVICES cannot take, with the field', () => {
    const bad = (resources: unknown, backend?: unknown) => {
      try {
        validateStudyConfig({ method: 'random', parameters: { x: { min: 0, max: 1 } }, resources, ...(backend ? { backend } : {}) }, { forRun: false });
      } catch (e) {
        return (e as ConfigError).issues.map((i) => `${i.path}: ${i.message}`).join('\n');
      }
      return '';
    };
    expect(bad({ gpus: [0, 0] })).toMatch(/resources.gpus\[1\].*listed twice/);
    expect(bad({ gpus: ['gpu0'] })).toMatch(/resources.gpus\[0\]: found "gpu0"/);
    expect(bad({ gpus: 'auto', per_trial: 1.5 })).toMatch(/resources.per_trial: found 1.5/);
    expect(bad({ gpus: [0, 1], per_trial: 4 })).toMatch(/at most the 2 GPU/);
    expect(bad({ gpu: 'auto' })).toMatch(/resources.gpu: unknown key/);
    expect(bad({ gpus: 'auto' }, { type: 'sim', law: 'chinchilla' })).toMatch(/^resources: not used by backend sim/m);
  });
});

describe('GPUs per trial, with a stand-in nvidia-smi', () => {
  it('gives each trial its share: two trials per GPU at most, parallel capped by the slots, each trial recorded with its GPU', async () => {
    const { dir, config, gpuLog } = setup({ gpus: 'auto', per_trial: 0.5 });
    const storage = new MemoryStorage();
    const study = await makeStudy(storage, config, 'gpus', dir);
    const w = warnings();
    const env = { PATH: `${standInNvidiaSmi(LIST_4.split('\n').slice(0, 2).join('\n'))}:${process.env.PATH}` };
    const end = await runStudy({ storage, study, backend: new CommandBackend(), reporter: w.reporter, env });
    expect(end.trials.filter((t) => t.state === 'COMPLETE')).toHaveLength(8);
    expect(w.lines.join('\n')).toMatch(/parallel 8 is capped at 4: resources gives 4 GPU slot\(s\) \(2 GPU\(s\): 0, 1; 2 trials per GPU\)/);
    const most = heldAtOnce(gpuLog);
    expect([...most.keys()].sort()).toEqual(['0', '1']);
    for (const n of most.values()) expect(n).toBeLessThanOrEqual(2);
    expect(Math.max(...most.values())).toBe(2);
    for (const t of end.trials) {
      const got = (await storage.getLogs(t.id)).find((l) => l.line.startsWith('CUDA_VISIBLE_DEVICES='))!.line.split('=')[1];
      expect((await storage.getTrialAttrs(t.id)).gpus).toEqual([got]);
    }
  });

  it('an inherited CUDA_VISIBLE_DEVICES (a Slurm allocation) bounds what auto uses; trials --json shows each trial\'s GPUs', async () => {
    const { dir, gpuLog } = setup({ gpus: 'auto' });
    writeFile(dir, 'study.yaml', `program: train.mjs\nmethod: random\nmetric: {name: loss}\nparameters:\n  x: {min: 0.0, max: 1.0}\n  hold_ms: {value: 100}\nrun_cap: 4\nparallel: 4\nresources: {gpus: auto}\nenv: {GPU_LOG: ${JSON.stringify(gpuLog)}}\n`);
    const env = { PATH: `${standInNvidiaSmi(LIST_4)}:${process.env.PATH}`, CUDA_VISIBLE_DEVICES: '1,3' };
    const db = path.join(dir, 'st.db');
    const run = await runCli(['--db', db, 'run', 'study.yaml'], { cwd: dir, env });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout + run.stderr).toMatch(/parallel 4 is capped at 2/);
    const listed = await runCli(['--db', db, 'trials', 'study', '--json'], { cwd: dir, env });
    const trials = JSON.parse(listed.stdout) as { gpus: string[] }[];
    expect(new Set(trials.map((t) => t.gpus.join()))).toEqual(new Set(['1', '3']));
    expect([...heldAtOnce(gpuLog).keys()].sort()).toEqual(['1', '3']);
  });

  it('MIG instances are slots of their own; per_trial 2 gives a trial two GPUs', async () => {
    const mig = setup({ gpus: 'auto' }, { run_cap: 3 });
    const storage = new MemoryStorage();
    const env = { PATH: `${standInNvidiaSmi(LIST_MIG)}:${process.env.PATH}` };
    const end = await runStudy({ storage, study: await makeStudy(storage, mig.config, 'mig', mig.dir), backend: new CommandBackend(), reporter: silentReporter, env });
    const got = new Set(await Promise.all(end.trials.map(async (t) => ((await storage.getTrialAttrs(t.id)).gpus as string[]).join())));
    expect(got).toEqual(new Set(['0', 'MIG-cccccccc-0000-0000-0000-000000000000', 'MIG-dddddddd-1111-1111-1111-111111111111']));

    const pair = setup({ gpus: [0, 1, 2, 3], per_trial: 2 }, { run_cap: 4 });
    const s2 = new MemoryStorage();
    const end2 = await runStudy({ storage: s2, study: await makeStudy(s2, pair.config, 'pair', pair.dir), backend: new CommandBackend(), reporter: silentReporter });
    const logs = await Promise.all(end2.trials.map(async (t) => (await s2.getLogs(t.id)).find((l) => l.line.startsWith('CUDA_VISIBLE_DEVICES='))!.line));
    expect(new Set(logs)).toEqual(new Set(['CUDA_VISIBLE_DEVICES=0,1', 'CUDA_VISIBLE_DEVICES=2,3']));
  });

  it('a GPU whose trials keep failing with CUDA errors is reported and gets no more trials', async () => {
    const { dir, config } = setup({ gpus: [0, 1] }, { run_cap: 8, parallel: 2 }, { BAD_DEVICE: '1' });
    {
      const storage = new MemoryStorage();
      const w = warnings();
      const end = await runStudy({ storage, study: await makeStudy(storage, config, 'bad', dir), backend: new CommandBackend(), reporter: w.reporter });
      const note = w.lines.find((l) => l.startsWith('GPU 1:'));
      expect(note).toMatch(/GPU 1: its trials failed with CUDA errors 2 times in a row \(last, trial \d+: .*CUDA error: an illegal memory access.*\); it gets no more trials in this run/);
      const failed = end.trials.filter((t) => t.state === 'FAIL');
      expect(failed).toHaveLength(2);
      expect(end.trials.filter((t) => t.state === 'COMPLETE')).toHaveLength(6);
      const events = (await storage.getEvents(end.study.id)).filter((e) => e.kind === 'gpu_failing');
      expect(events.map((e) => e.detail?.device)).toEqual(['1']);
    }
  });
});
