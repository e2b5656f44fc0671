/**
 * `npm run bundle`: the one folder that runs scaletune where there is no npm. Built into a temporary
 * folder with no node_modules anywhere above it, then run from there: a study of the example trainer
 * (better-sqlite3's addon from the folder), a tfjs study (its worker file and the WASM binaries from
 * the folder), a report, the dashboard (its page and vega from the folder), the version.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, tmpDir, writeFile } from '../helpers/fixtures.js';

function noNodeModulesAbove(dir: string): boolean {
  for (let d = dir; ; d = path.dirname(d)) {
    if (existsSync(path.join(d, 'node_modules'))) return false;
    if (path.dirname(d) === d) return true;
  }
}

describe('npm run bundle', () => {
  it('makes a folder that, copied where no node_modules is, runs studies, the tfjs backend, reports and the dashboard', async () => {
    const dir = tmpDir('scaletune-bundle-');
    expect(noNodeModulesAbove(dir)).toBe(true);
    const out = path.join(dir, 'scaletune');
    execFileSync(process.execPath, [path.join(ROOT, 'scripts/bundle.mjs'), '--out', out], { stdio: 'pipe' });
    for (const f of ['scaletune.mjs', 'tfjs-worker.mjs', 'native/better_sqlite3.node', 'wasm/tfjs-backend-wasm.wasm', 'package.json', 'bin/scaletune.js', 'searchers/llambo/templates/system.txt', 'fixtures/studies/demo.yaml', 'fixtures/trainers/torch_lm.py', 'fixtures/trainers/scaletune_report.py', 'python/wandb/__init__.py', 'web/dashboard/app.js', 'web/vendor/vega-embed.min.js']) {
      expect(existsSync(path.join(out, f)), f).toBe(true);
    }
    // nothing but Node: no NODE_PATH, a working folder outside the checkout
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', CI: 'true', HOME: dir };
    const run = (args: string[]) => spawnSync(process.execPath, [path.join(out, 'scaletune.mjs'), ...args], { cwd: dir, env, encoding: 'utf8', timeout: 120_000 });

    const version = run(['--version']);
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version);

    const db = path.join(dir, 'st.db');
    const quick = run(['--db', db, 'run', path.join(out, 'fixtures/studies/quickstart.yaml'), '--run-cap', '4', '--no-live']);
    expect(quick.status, quick.stderr).toBe(0);
    expect(quick.stdout).toMatch(/^best: trial \d+ {2}val_loss=/m);

    const tf = writeFile(
      dir,
      'tf.yaml',
      `name: tiny\nmethod: grid\nmetric: {name: val_loss, goal: minimize}\nparameters:\n  lr: {values: [0.003, 0.03]}\nbackend:\n  type: tfjs\n  data: {vocab: 16, order: 2, branching: 3, seed: 2}\n  model: {arch: mlp, width: 16, depth: 1, window: 3, seq_len: 16}\n  train: {steps: 40, batch_size: 8, eval_every: 20}\n`,
    );
    const t = run(['--db', db, 'run', tf, '--no-live']);
    expect(t.status, t.stderr).toBe(0);
    const logs = run(['--db', db, 'logs', 'tiny', '0']);
    expect(logs.stdout).toMatch(/tfjs runtime: wasm/);

    const report = run(['--db', db, 'report', 'quickstart', '--format', 'html', '--out', path.join(dir, 'r.html')]);
    expect(report.status, report.stderr).toBe(0);
    expect(readFileSync(path.join(dir, 'r.html'), 'utf8')).toContain('<svg');

    // the dashboard serves its page and vega from the folder
    const dash = spawn(process.execPath, [path.join(out, 'scaletune.mjs'), '--db', db, 'dashboard', '--port', '0'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let printed = '';
      dash.stdout.on('data', (c: Buffer) => (printed += c.toString()));
      for (let i = 0; i < 100 && !/http:\/\/\S+/.test(printed); i++) await new Promise((r) => setTimeout(r, 100));
      const url = /(http:\/\/\S+)/.exec(printed)?.[1];
      expect(url, printed).toBeTruthy();
      for (const p of ['', 'assets/app.js', 'assets/vega.min.js', 'assets/vega-lite.min.js', 'assets/vega-embed.min.js']) expect((await fetch(`${url}${p}`)).status, p).toBe(200);
      expect(((await (await fetch(`${url}api/studies`)).json()) as { studies: { name: string }[] }).studies.map((s) => s.name)).toEqual(['quickstart', 'tiny']);
    } finally {
      dash.kill('SIGTERM');
    }
  }, 180_000);
});
