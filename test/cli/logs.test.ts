/** `scaletune logs`: a trial's recorded output, its tail, and following it until the trial ends. */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { TRAINER, tmpDir, writeFile } from '../helpers/fixtures.js';
import { untilRow } from '../helpers/wait.js';

const config = (dir: string, params: string) => writeFile(dir, 's.yaml', `name: s\nprogram: ${TRAINER}\nmethod: grid\nmetric: {name: loss}\nparameters:\n${params}`);

describe('scaletune logs', () => {
  it("prints a trial's stdout and stderr as recorded, --tail the last lines; an unknown study or trial is exit 2", async () => {
    const dir = tmpDir();
    config(dir, '  lr: {values: [0.001, 0.003]}\n  steps: {value: 2}\n  step_ms: {value: 1}\n  mode: {values: [normal, crash]}\n  fail_at: {value: 1}\n');
    await runCli(['run', 's.yaml', '--quiet'], { cwd: dir });
    const trials = JSON.parse((await runCli(['trials', 's', '--json'], { cwd: dir })).stdout) as { number: number; params: { mode: string } }[];
    const ok = trials.find((t) => t.params.mode === 'normal')!.number;
    const crashed = trials.find((t) => t.params.mode === 'crash')!.number;
    const r = await runCli(['logs', 's', String(ok)], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^training lr=0\.001 batch_size=64 steps=2 mode=normal\n(.*\n)*done\n$/);
    const c = await runCli(['logs', 's', String(crashed)], { cwd: dir });
    expect(c.stderr).toContain('Traceback (most recent call last):\nRuntimeError: CUDA error: an illegal memory access was encountered\n');
    expect(c.stdout).not.toContain('Traceback');
    const tail = await runCli(['logs', 's', String(ok), '--tail', '1'], { cwd: dir });
    expect(tail.stdout).toBe('done\n');
    const noTrial = await runCli(['logs', 's', '99'], { cwd: dir });
    expect(noTrial.code).toBe(2);
    expect(noTrial.stderr).toContain(`study s has no trial 99; its trials are 0 to ${trials.length - 1}`);
    const noStudy = await runCli(['logs', 'nope', '0'], { cwd: dir });
    expect(noStudy.code).toBe(2);
    expect(noStudy.stderr).toContain("no study named 'nope'");
    expect((await runCli(['logs', 's', 'first'], { cwd: dir })).code).toBe(2);
  });

  it('--follow prints lines as the trial records them and returns once it finishes', async () => {
    const dir = tmpDir();
    config(dir, '  lr: {value: 0.003}\n  steps: {value: 12}\n  step_ms: {value: 100}\n');
    const run = runCli(['run', 's.yaml', '--quiet'], { cwd: dir });
    await untilRow(path.join(dir, 'scaletune.db'), "SELECT 1 FROM trials WHERE state = 'RUNNING'");
    const follow = await runCli(['logs', 's', '0', '--follow'], { cwd: dir });
    expect(follow.code).toBe(0);
    expect(follow.stdout).toMatch(/^training lr=0\.003 batch_size=64 steps=12 mode=normal\n(.*\n)*done\n$/);
    expect((await run).code).toBe(0);
    expect(JSON.parse((await runCli(['trials', 's', '--json'], { cwd: dir })).stdout)[0].state).toBe('complete');
  });
});
