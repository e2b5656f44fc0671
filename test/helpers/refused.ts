import { existsSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { runCli } from './cli.js';
import { tmpDir, writeFile } from './fixtures.js';

/**
 * `scaletune run` on this config text must exit 2, name the file and say each expected thing, and
 * leave nothing behind: no database, no runs folder.
 */
export async function expectConfigRefused(text: string, expected: readonly string[]): Promise<void> {
  const dir = tmpDir();
  writeFile(dir, 'train.mjs', '');
  const file = writeFile(dir, 'study.yaml', text);
  const db = path.join(dir, 'scaletune.db');
  const r = await runCli(['run', file, '--db', db], { cwd: dir });
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).toContain(file);
  for (const e of expected) expect(r.stderr).toContain(e);
  expect(existsSync(db)).toBe(false);
  expect(existsSync(path.join(dir, 'scaletune-runs'))).toBe(false);
}
