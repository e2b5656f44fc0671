/** Inputs every command must refuse with exit 2, naming the path or flag, and leaving the database as it was. */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { TRAINER, tmpDir, writeFile } from '../helpers/fixtures.js';

const study = (dir: string) => writeFile(dir, 's.yaml', `name: s\nprogram: ${TRAINER}\nmethod: grid\nmetric: {name: loss}\nparameters:\n  lr: {values: [0.001, 0.003]}\n  steps: {value: 3}\n  step_ms: {value: 1}\n`);

/** One line of every command that opens the database. */
const EVERY_COMMAND = [
  ['studies'],
  ['trials', 's'],
  ['best', 's'],
  ['logs', 's', '0'],
  ['export', 's', '--format', 'csv'],
  ['run', 's.yaml'],
  ['create', 's.yaml'],
  ['resume', 's'],
  ['worker', 's'],
  ['ask', 's'],
  ['tell', 's', '0', '--value', '1'],
  ['fits'],
  ['predict', 'chinchilla', '--N', '1e9', '--D', '2e10'],
  ['fit', 'chinchilla', '--csv', 'points.csv'],
  ['schedule', '--batch', '1', '--tokens', '1000', '--tokens-per-step', '10', '--lr-max', '0.1'],
  ['report', 's', '--format', 'md'],
  ['check', 's', '--against', 's'],
  ['verify', 's'],
  ['lineage', 's'],
  ['replay', 's'],
  ['llm-log', 's'],
];

describe('--db that cannot be a database', () => {
  it('a text file or a folder: every command exits 2 naming the path and what is wrong; the file is untouched', async () => {
    const dir = tmpDir();
    study(dir);
    writeFile(dir, 'points.csv', 'N,D,loss\n1e8,2e9,3.1\n2e8,4e9,2.9\n4e8,8e9,2.7\n8e8,1.6e10,2.55\n1.6e9,3.2e10,2.45\n');
    const text = writeFile(dir, 'notes.txt', 'not a database\n');
    const folder = path.join(dir, 'folder.db');
    mkdirSync(folder);
    for (const args of EVERY_COMMAND) {
      const t = await runCli([...args, '--db', text], { cwd: dir });
      expect(t.code, `${args.join(' ')}: ${t.stderr}`).toBe(2);
      expect(t.stderr, args.join(' ')).toContain(`database ${text}: is not a SQLite database`);
      const f = await runCli([...args, '--db', folder], { cwd: dir });
      expect(f.code, `${args.join(' ')}: ${f.stderr}`).toBe(2);
      expect(f.stderr, args.join(' ')).toContain(`database ${folder}: is a folder`);
    }
    expect(readFileSync(text, 'utf8')).toBe('not a database\n');
    expect(existsSync(path.join(dir, 'scaletune-runs'))).toBe(false);
  });

  it("--db '' and an empty SCALETUNE_DB are refused, not taken as the working directory", async () => {
    const dir = tmpDir();
    study(dir);
    for (const args of [['studies'], ['run', 's.yaml']]) {
      const r = await runCli([...args, '--db', ''], { cwd: dir });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("--db '': empty path; allowed: a SQLite file path");
      expect(r.stderr).not.toContain(dir);
      const e = await runCli(args, { cwd: dir, env: { SCALETUNE_DB: '' } });
      expect(e.code).toBe(2);
      expect(e.stderr).toContain('SCALETUNE_DB is set but empty');
    }
    expect(existsSync(path.join(dir, 'scaletune.db'))).toBe(false);
  });
});

describe('paths that are folders where a file belongs', () => {
  it('fit --csv <a folder> and export --out <a folder> exit 2 naming the path', async () => {
    const dir = tmpDir();
    mkdirSync(path.join(dir, 'points'));
    const fit = await runCli(['fit', 'chinchilla', '--csv', 'points'], { cwd: dir });
    expect(fit.code).toBe(2);
    expect(fit.stderr).toContain('--csv points: is a folder, not a file; allowed: a CSV file');
    expect((await runCli(['run', study(dir), '--quiet'], { cwd: dir })).code).toBe(0);
    mkdirSync(path.join(dir, 'out'));
    for (const format of ['csv', 'json']) {
      const r = await runCli(['export', 's', '--format', format, '--out', 'out'], { cwd: dir });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('--out out: is a folder; allowed: a file to write');
    }
  });
});
