/** `delete`, `rename`, `note` through the CLI, on a real SQLite file and real run folders. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tmpDir, TRAINER, writeFile } from '../helpers/fixtures.js';

const study = (name: string): string => `name: ${name}\nprogram: ${TRAINER}\nmethod: random\nmetric: {name: val_loss, goal: minimize}\nrun_cap: 2\nparameters:\n  lr: {distribution: log_uniform_values, min: 0.001, max: 0.01}\n  steps: {value: 3}\n  step_ms: {value: 1}\n`;

async function setup(): Promise<{ dir: string; db: string; cli: (args: string[], answer?: string) => ReturnType<typeof runCli> }> {
  const dir = tmpDir();
  const db = path.join(dir, 'm.db');
  const cli = (args: string[], answer?: string) => runCli(['--db', db, ...args], { cwd: dir, ...(answer !== undefined ? { answer } : {}) });
  for (const n of ['one', 'two']) expect((await cli(['run', writeFile(dir, `${n}.yaml`, study(n))])).code).toBe(0);
  return { dir, db, cli };
}

describe('study management', () => {
  it('delete asks (and does nothing on no), refuses without a terminal unless --yes, keeps the run folder unless --files', async () => {
    const { dir, cli } = await setup();
    const runs = path.join(dir, 'scaletune-runs');
    const no = await cli(['delete', 'one'], 'n');
    expect(no.code).toBe(0);
    expect(no.stderr).toContain('delete study one and its 2 trials from');
    expect(no.stdout).toBe('not deleted\n');
    const blind = await cli(['delete', 'one']);
    expect(blind.code).toBe(2);
    expect(blind.stderr).toContain('not asked for confirmation (no terminal); allowed: --yes');
    const yes = await cli(['delete', 'one'], 'y');
    expect(yes.code, yes.stderr).toBe(0);
    expect(yes.stdout).toMatch(/^deleted study one; its run folder .*one stays/);
    expect(existsSync(path.join(runs, 'one'))).toBe(true);
    const studies = await cli(['studies', '--json']);
    expect(JSON.parse(studies.stdout).map((s: { name: string }) => s.name)).toEqual(['two']);
    const gone = await cli(['delete', 'two', '--yes', '--files']);
    expect(gone.code).toBe(0);
    expect(existsSync(path.join(runs, 'two'))).toBe(false);
    expect((await cli(['trials', 'two'])).code).toBe(2);
  });

  it('delete refuses while a trial has a live runner (an asked trial counts), and works once it is told', async () => {
    const { dir, cli } = await setup();
    expect((await cli(['create', writeFile(dir, 'three.yaml', study('three'))])).code).toBe(0);
    const asked = JSON.parse((await cli(['ask', 'three', '--json'])).stdout) as { number: number };
    const refused = await cli(['delete', 'three', '--yes']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`study three has 1 running trial (#${asked.number}) with a live runner`);
    expect((await cli(['tell', 'three', String(asked.number), '--value', '1.5'])).code).toBe(0);
    expect((await cli(['delete', 'three', '--yes'])).code).toBe(0);
  });

  it('rename follows the name rules and refuses a taken name; the renamed study keeps its folders and runs on', async () => {
    const { dir, cli } = await setup();
    expect((await cli(['rename', 'one', 'two'])).stderr).toContain("a study named 'two' already exists");
    const bad = await cli(['rename', 'one', '../x']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('new name: found "../x" (a string); allowed: letters, digits');
    const ok = await cli(['rename', 'one', 'first']);
    expect(ok.code, ok.stderr).toBe(0);
    const more = await cli(['resume', 'first', '--run-cap', '3']);
    expect(more.code, more.stderr).toBe(0);
    const trials = JSON.parse((await cli(['trials', 'first', '--json'])).stdout) as { dir: string; state: string }[];
    expect(trials.filter((t) => t.state === 'complete')).toHaveLength(3);
    // the folders were made under the old name, and the new run's as well: nothing moved
    for (const t of trials) expect(t.dir.startsWith(path.join(dir, 'scaletune-runs', 'one'))).toBe(true);
    expect((await cli(['logs', 'first', '2'])).code).toBe(0);
  });

  it('note is kept with a study and shown by studies, report and note itself; "" clears it', async () => {
    const { cli } = await setup();
    expect((await cli(['note', 'one', 'baseline before the optimizer change'])).code).toBe(0);
    expect((await cli(['note', 'one'])).stdout).toBe('baseline before the optimizer change\n');
    expect((await cli(['studies'])).stdout).toMatch(/one .*baseline before the optimizer change/);
    expect(JSON.parse((await cli(['studies', '--json'])).stdout)[0].note).toBe('baseline before the optimizer change');
    const report = JSON.parse((await cli(['report', 'one', '--format', 'json'])).stdout);
    expect(report.study.note).toBe('baseline before the optimizer change');
    expect((await cli(['note', 'one', ''])).stdout).toBe('cleared the note of study one\n');
    expect((await cli(['note', 'one'])).stdout).toBe('study one has no note\n');
  });
});
