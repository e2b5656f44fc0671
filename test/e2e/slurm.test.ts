/**
 * The Slurm executor against a real single-node cluster (started by the test): a study of 20 trials
 * through sbatch with 2 concurrent worker jobs, one job cancelled from outside mid-run — its trial is
 * re-queued, a replacement job is submitted, every trial completes — and an interrupt cancels the jobs.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStorage } from '../../src/storage/index.js';
import { startBin } from '../helpers/bin.js';
import { tmpDir, TRAINER, writeFile } from '../helpers/fixtures.js';
import { HAVE_SLURM, startCluster, type Cluster } from '../helpers/slurm.js';
import { until } from '../helpers/wait.js';
import { execFileSync } from 'node:child_process';

const STUDY = (name: string, cap: number) => `name: ${name}
program: ${TRAINER}
method: random
metric: {name: loss, goal: minimize}
run_cap: ${cap}
parallel: 2
seed: 3
parameters:
  lr: {distribution: log_uniform_values, min: 0.0001, max: 0.1}
  steps: {value: 10}
  step_ms: {value: 100}
  checkpoint_every: {value: 2}
executor: {type: slurm, stale_after: 3}
`;

describe.skipIf(!HAVE_SLURM && !process.env.CI)('executor slurm on a real cluster', () => {
  let cluster: Cluster;
  beforeAll(async () => {
    expect(HAVE_SLURM, 'Slurm (slurm-wlm, munge) and root are needed: .ci/run installs them').toBe(true);
    cluster = await startCluster();
  }, 60_000);
  afterAll(() => cluster?.stop());

  const squeue = (): string[] => execFileSync('squeue', ['-h', '-r', '-o', '%i'], { env: { ...process.env, ...cluster.env }, encoding: 'utf8' }).split('\n').filter(Boolean);

  it('20 trials through sbatch with 2 worker jobs; a job cancelled from outside is replaced and its trial recovered', async () => {
    const dir = tmpDir('scaletune-slurm-run-');
    const db = path.join(dir, 's.db');
    const run = startBin(['run', writeFile(dir, 'study.yaml', STUDY('slurmy', 20)), '--db', db], { cwd: dir, env: cluster.env });
    // wait for both workers to be running trials, then cancel one job as an administrator would
    await until(() => squeue().length === 2, 30_000);
    const s = openStorage(db);
    await until(async () => {
      const st = await s.getStudy('slurmy');
      return Boolean(st && (await s.getTrials(st.id)).filter((t) => t.state === 'RUNNING').length === 2);
    }, 30_000);
    const victim = squeue()[0]!;
    execFileSync('scancel', [victim], { env: { ...process.env, ...cluster.env } });
    const r = await run.done;
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toMatch(/submitted 2 worker jobs: \d+_0 \d+_1/);
    expect(r.stdout).toContain(`job ${victim} ended CANCELLED`);
    expect(r.stdout).toMatch(/submitted 1 replacement worker job/);
    expect(r.stdout).toMatch(/study slurmy finished: 20 complete, 0 failed; 3 worker jobs \(1 replacing lost ones\)/);
    const st = (await s.getStudy('slurmy'))!;
    const trials = await s.getTrials(st.id);
    await s.close();
    expect(trials.filter((t) => t.state === 'COMPLETE')).toHaveLength(20);
    const stale = trials.filter((t) => t.state === 'STALE');
    expect(stale.length).toBeGreaterThanOrEqual(1);
    for (const t of stale) expect(trials.find((x) => x.retryOf === t.id)?.state).toBe('COMPLETE');
    const logs = readdirSync(path.join(dir, 'scaletune-runs', 'slurmy', 'slurm'));
    expect(logs.filter((f) => f.endsWith('.out')).length).toBe(3);
  }, 120_000);

  it('an interrupt cancels the worker jobs with scancel; resume submits new ones and finishes', async () => {
    const dir = tmpDir('scaletune-slurm-int-');
    const db = path.join(dir, 's.db');
    const run = startBin(['run', writeFile(dir, 'study.yaml', STUDY('stopped', 8)), '--db', db], { cwd: dir, env: cluster.env });
    await until(() => squeue().length === 2, 30_000);
    run.child.kill('SIGINT');
    const r = await run.done;
    expect(r.code).toBe(130);
    expect(r.stdout).toMatch(/cancelled 2 worker jobs/);
    await until(() => squeue().length === 0, 30_000);
    const again = startBin(['resume', 'stopped', '--db', db], { cwd: dir, env: cluster.env });
    const r2 = await again.done;
    expect(r2.code, r2.stderr + r2.stdout).toBe(0);
    const s = openStorage(db);
    const st = (await s.getStudy('stopped'))!;
    expect((await s.getTrials(st.id)).filter((t) => t.state === 'COMPLETE')).toHaveLength(8);
    await s.close();
    expect(existsSync(path.join(dir, 'scaletune-runs', 'stopped', 'slurm'))).toBe(true);
  }, 120_000);
});
