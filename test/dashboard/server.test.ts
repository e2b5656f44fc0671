/**
 * The dashboard's server without a browser: its JSON over a real SQLite file opened read-only, who
 * it admits (loopback names, the token from another address of this machine), and the CLI's refusals.
 */
import { statSync } from 'node:fs';
import http from 'node:http';
import { networkInterfaces } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redact } from '../../src/dashboard/pages.js';
import { startDashboard, type Dashboard } from '../../src/dashboard/server.js';
import { SqliteStorage } from '../../src/storage/sqlite.js';
import { openStorage } from '../../src/storage/index.js';
import { runCli } from '../helpers/cli.js';
import { PG_MISSING, PG_URL, pgUrl } from '../helpers/postgres.js';
import { tmpDir, writeFile } from '../helpers/fixtures.js';

const STUDY = `name: sim-search
method: random
metric: {name: loss}
run_cap: 12
seed: 4
backend: {type: sim, params: 1.0e8, tokens: 2.0e9}
parameters:
  lr: {distribution: log_uniform_values, min: 0.0001, max: 0.03}
  batch_size: {distribution: q_log_uniform_values, min: 32, max: 512, q: 32}
`;

/** An address of this machine other than loopback: requests from it are not from loopback. */
const OUTSIDE = Object.values(networkInterfaces()).flat().find((a) => a && a.family === 'IPv4' && !a.internal)?.address;

let dir: string;
let db: string;

beforeAll(async () => {
  dir = tmpDir('scaletune-dash-');
  db = path.join(dir, 'd.db');
  const r = await runCli(['run', writeFile(dir, 'study.yaml', STUDY), '--db', db, '--quiet'], { cwd: dir });
  expect(r.code, r.stderr).toBe(0);
  expect((await runCli(['note', 'sim-search', 'a first look', '--db', db], { cwd: dir })).code).toBe(0);
}, 60_000);

async function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: Headers }> {
  const r = await fetch(url, { headers, redirect: 'manual' });
  return { status: r.status, body: await r.text(), headers: r.headers };
}

describe('the dashboard server', () => {
  let dash: Dashboard;
  let storage: SqliteStorage;
  beforeAll(async () => {
    storage = new SqliteStorage(db, { readOnly: true });
    dash = await startDashboard({ storage, host: '127.0.0.1', port: 0, token: null });
  });
  afterAll(async () => {
    await dash.close();
    await storage.close();
  });

  it('serves the studies, a study page built from the report model, a trial and its assets', async () => {
    const base = `http://127.0.0.1:${dash.port}`;
    const studies = JSON.parse((await get(`${base}/api/studies`)).body);
    expect(studies.studies).toHaveLength(1);
    expect(studies.studies[0]).toMatchObject({ name: 'sim-search', kind: 'search', metric: 'loss', note: 'a first look' });
    // the simulator fails a diverging run, as a trainer would
    expect(Object.values(studies.studies[0].counts as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(12);
    const page = JSON.parse((await get(`${base}/api/study?name=sim-search`)).body);
    expect(page.trials).toHaveLength(12);
    const ids = page.blocks.filter((b: { kind: string }) => b.kind === 'chart').map((b: { chart: { id: string } }) => b.chart.id);
    expect(ids).toEqual(expect.arrayContaining(['importance', 'history', 'learning-curves', 'slice', 'parallel', 'contour']));
    // Vega-Lite keys as Vega-Lite spells them (the CLI's snake_case would break the specs)
    expect(JSON.stringify(page.blocks)).toContain('"labelExpr"');
    const trial = JSON.parse((await get(`${base}/api/trial?study=sim-search&number=3`)).body);
    expect(trial.trial.number).toBe(3);
    expect(trial.metrics.loss.length).toBeGreaterThan(1);
    expect(trial.chart.id).toBe('trial-metrics');
    for (const a of ['/', '/assets/app.js', '/assets/app.css', '/assets/vega.min.js', '/assets/vega-lite.min.js', '/assets/vega-embed.min.js']) expect((await get(`${base}${a}`)).status, a).toBe(200);
    expect((await get(`${base}/api/study?name=nope`)).status).toBe(404);
    expect(JSON.parse((await get(`${base}/api/study?name=nope`)).body).error).toMatch(/no study named nope/);
    expect((await get(`${base}/api/trial?study=sim-search&number=99`)).status).toBe(404);
    expect((await fetch(`${base}/api/studies`, { method: 'POST' })).status).toBe(405);
  });

  it('refuses a page asked for by a name other than loopback (DNS rebinding), and writes nothing to the database', async () => {
    const before = statSync(db).mtimeMs;
    // fetch will not send another Host header; node:http will, as a browser does after DNS rebinding
    const r = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port: dash.port, path: '/api/studies', headers: { host: 'attacker.example:80' } }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      }).on('error', reject);
    });
    expect(r.status).toBe(403);
    expect(r.body).toMatch(/not this machine's loopback name/);
    expect(statSync(db).mtimeMs).toBe(before);
  });

  it('the read-only connection cannot write', async () => {
    const study = (await storage.getStudy('sim-search'))!;
    await expect(storage.setStudyAttr(study.id, 'x', 1)).rejects.toThrow(/readonly/);
  });
});

describe.skipIf(!OUTSIDE && !process.env.CI)('from another address of this machine', () => {
  it('without --token, another address is refused; with one, a request without the token is refused and one with it admitted', async () => {
    expect(OUTSIDE, 'this machine has no address other than loopback').toBeTruthy();
    const storage = new SqliteStorage(db, { readOnly: true });
    const open = await startDashboard({ storage, host: '0.0.0.0', port: 0, token: null });
    try {
      const r = await get(`http://${OUTSIDE}:${open.port}/api/studies`);
      expect(r.status).toBe(403);
      expect(r.body).toMatch(/refused: this dashboard runs without --token/);
    } finally {
      await open.close();
    }
    const token = 'x'.repeat(8) + 'secret-token-1234';
    const locked = await startDashboard({ storage, host: '0.0.0.0', port: 0, token });
    try {
      const base = `http://${OUTSIDE}:${locked.port}`;
      for (const p of ['/', '/api/studies', '/api/study?name=sim-search', '/assets/app.js', '/api/events']) {
        const r = await get(`${base}${p}`);
        expect(r.status, p).toBe(401);
        expect(r.body).not.toContain('sim-search');
      }
      expect((await get(`${base}/api/studies`, { authorization: 'Bearer wrong-token-wrong-token' })).status).toBe(401);
      expect((await get(`${base}/api/studies`, { authorization: `Bearer ${token}` })).status).toBe(200);
      // the printed address: the token is swapped for a cookie and taken out of the address
      const first = await get(`${base}/?token=${token}`);
      expect(first.status).toBe(303);
      expect(first.headers.get('location')).toBe('/');
      const cookie = first.headers.get('set-cookie')!;
      expect(cookie).toMatch(/HttpOnly/);
      expect((await get(`${base}/api/studies`, { cookie: cookie.split(';')[0]! })).status).toBe(200);
      expect(locked.url).toContain(`?token=${token}`);
    } finally {
      await locked.close();
      await storage.close();
    }
  });
});

describe.skipIf(!PG_URL && !process.env.CI)('over PostgreSQL', () => {
  it('reads a study through read-only transactions, hides the password, and cannot write', async () => {
    expect(PG_URL, PG_MISSING).toBeTruthy();
    const url = pgUrl('dash');
    const r = await runCli(['run', writeFile(dir, 'pg.yaml', STUDY.replace('run_cap: 12', 'run_cap: 4')), '--db', url, '--quiet'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const storage = openStorage(url, { readOnly: true });
    const dash = await startDashboard({ storage, host: '127.0.0.1', port: 0, token: null });
    try {
      const base = `http://127.0.0.1:${dash.port}`;
      const studies = JSON.parse((await get(`${base}/api/studies`)).body);
      expect(studies.studies.map((x: { name: string }) => x.name)).toEqual(['sim-search']);
      expect(studies.location).not.toContain(`:${new URL(PG_URL!).password}@`);
      expect(studies.location).toContain(":***@");
      const page = JSON.parse((await get(`${base}/api/study?name=sim-search`)).body);
      expect(page.trials).toHaveLength(4);
      const study = (await storage.getStudy('sim-search'))!;
      await expect(storage.setStudyAttr(study.id, 'x', 1)).rejects.toThrow(/read-only transaction/);
    } finally {
      await dash.close();
      await storage.close();
    }
  });
});

describe('scaletune dashboard refuses', () => {
  it('another host without a token, a short token, a missing database, and :memory:', async () => {
    const host = await runCli(['dashboard', '--db', db, '--host', '0.0.0.0'], { cwd: dir });
    expect(host.code).toBe(2);
    expect(host.stderr).toMatch(/--host 0\.0\.0\.0: not a loopback address.*--token/);
    const short = await runCli(['dashboard', '--db', db, '--host', '0.0.0.0', '--token', 'abc'], { cwd: dir });
    expect(short.code).toBe(2);
    expect(short.stderr).toMatch(/--token: 3 characters; allowed: at least 16/);
    const missing = await runCli(['dashboard', '--db', path.join(dir, 'none.db')], { cwd: dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/none\.db/);
    const memory = await runCli(['dashboard', '--db', ':memory:'], { cwd: dir });
    expect(memory.code).toBe(2);
    const envShort = await runCli(['dashboard', '--db', db], { cwd: dir, env: { SCALETUNE_DASHBOARD_TOKEN: 'abc' } });
    expect(envShort.code).toBe(2);
    expect(envShort.stderr).toMatch(/SCALETUNE_DASHBOARD_TOKEN: 3 characters/);
    const port = await runCli(['dashboard', '--db', db, '--port', '70000'], { cwd: dir });
    expect(port.code).toBe(2);
    expect(port.stderr).toMatch(/from 0 to 65535/);
  });
});

describe.skipIf(!OUTSIDE && !process.env.CI)('scaletune dashboard on every address', () => {
  it('prints the addresses another machine can open, with the token, and closes on a signal', async () => {
    const ac = new AbortController();
    const running = runCli(['dashboard', '--db', db, '--host', '0.0.0.0', '--port', '0', '--token', 'a-token-of-twenty-chars'], { cwd: dir, signal: ac.signal });
    await new Promise((r) => setTimeout(r, 1000));
    ac.abort();
    const r = await running;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`from another machine: http://${OUTSIDE!.replace(/\./g, '\\.')}:\\d+/\\?token=a-token-of-twenty-chars`));
  });
});

describe('what a page shows of a config', () => {
  it('hides secrets and passwords in URLs, keeps the names of the variables that hold keys', () => {
    const shown = redact({ llm: { api_key_env: 'OPENAI_API_KEY', api_key: 'sk-123' }, backend: { env: { WANDB_API_KEY: 'abc', HF_TOKEN: 'hf_x', LR: '1' } }, storage: 'postgres://me:hunter2@db:5432/x', password: 'p' }) as Record<string, Record<string, unknown>>;
    const text = JSON.stringify(shown);
    for (const secret of ['sk-123', 'abc', 'hf_x', 'hunter2', '"p"']) expect(text).not.toContain(secret);
    expect(text).toContain('OPENAI_API_KEY');
    expect(text).toContain('"LR":"1"');
  });
});
