/**
 * The bin's stdout read by a pipe that closes early (`| head`): the command carries on with its output
 * dropped, so a closed stdout costs the output, never the work.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { withDb } from '../helpers/db.js';
import { BIN, TRAINER, tmpDir, writeFile } from '../helpers/fixtures.js';

describe('stdout closed early', () => {
  it('`run | head -n 2`: the run finishes every trial with its output dropped and exits 0', async () => {
    const cwd = tmpDir('scaletune-pipe-');
    writeFile(cwd, 'study.yaml', `name: piped\nprogram: ${TRAINER}\nmethod: random\nmetric: {name: loss}\nrun_cap: 4\nparallel: 2\nseed: 1\nparameters:\n  lr: {distribution: log_uniform_values, min: 0.0001, max: 0.1}\n  steps: {value: 10}\n  step_ms: {value: 50}\n`);
    const r = spawnSync('bash', ['-c', `node ${JSON.stringify(BIN)} run study.yaml | head -n 2; echo "run exited \${PIPESTATUS[0]}" >&2`], { cwd, env: { ...process.env, CI: '1' }, timeout: 60_000 });
    const stdout = r.stdout.toString();
    const stderr = r.stderr.toString();
    expect(stdout.trim().split('\n'), stderr).toHaveLength(2);
    expect(stderr).toContain('run exited 0');
    const states = await withDb(path.join(cwd, 'scaletune.db'), async (s) => (await s.getTrials((await s.getStudy('piped'))!.id)).map((t) => t.state));
    expect(states).toEqual(['COMPLETE', 'COMPLETE', 'COMPLETE', 'COMPLETE']);
  }, 90_000);
});
