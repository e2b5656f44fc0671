/** The shared flags hold a value to the rule its config key has, and a refused flag records nothing. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { TRAINER, tmpDir, writeFile } from '../helpers/fixtures.js';

const config = (dir: string): string => writeFile(dir, 's.yaml', `program: ${TRAINER}\nmethod: grid\nparameters:\n  lr: {values: [0.001]}\n  steps: {value: 1}\n  step_ms: {value: 1}\n`);

/** [flags, substrings stderr must contain] */
const REFUSED: [string[], string[]][] = [
  [['--name', '../../../tmp/x'], ["option '--name <name>' argument '../../../tmp/x' is invalid", 'allowed: letters, digits, `_`, `.` and `-`, starting with a letter or digit']],
  [['--name', ''], ["option '--name <name>' argument '' is invalid"]],
  [['--name', `it's "mine"`], ['--name', 'allowed: letters, digits']],
  [['--name', '.hidden'], ['--name', 'starting with a letter or digit']],
  [['--name', 'a'.repeat(129)], ['--name', 'at most 128 characters']],
  [['--parallel', '100000'], ["option '--parallel <n>' argument '100000' is invalid", 'allowed: a whole number from 1 to 256']],
  [['--parallel', '0'], ['--parallel', 'from 1 to 256']],
  [['--parallel', '2.5'], ['--parallel', 'from 1 to 256']],
];

describe('shared flags follow the config rules', () => {
  for (const command of ['run', 'create']) {
    it.each(REFUSED)(`${command} %j exits 2, naming the flag, and records nothing`, async (flags, expected) => {
      const dir = tmpDir();
      const db = path.join(dir, 'scaletune.db');
      const r = await runCli([command, config(dir), '--db', db, ...flags], { cwd: dir });
      expect(r.code, r.stderr).toBe(2);
      for (const e of expected) expect(r.stderr).toContain(e);
      expect(existsSync(db)).toBe(false);
      expect(existsSync(path.join(dir, 'scaletune-runs'))).toBe(false);
    });
  }

  it('resume --parallel has the same range', async () => {
    const r = await runCli(['resume', 'anything', '--parallel', '257', '--db', path.join(tmpDir(), 'none.db')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('allowed: a whole number from 1 to 256');
  });

  it('a name and a parallel that the config accepts are accepted on the command line', async () => {
    const dir = tmpDir();
    const r = await runCli(['run', config(dir), '--name', 'Run_1.b-2', '--parallel', '256', '--quiet'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(path.join(dir, 'scaletune-runs', 'Run_1.b-2'))).toBe(true);
  });
});
