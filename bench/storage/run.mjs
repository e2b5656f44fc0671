#!/usr/bin/env node
// Storage throughput, scaletune (better-sqlite3) against Optuna 3.1 (SQLAlchemy) on one SQLite file:
// trials per second recorded (claim, 10 intermediate metrics, complete) with 1 and 4 processes; and
// scaletune again with `scaletune dashboard` open on the file and a page of the study following its
// events (each change: the study's page read again, as the browser does).
// Usage: npm run build && node bench/storage/run.mjs [--trials N] [--optuna-trials N] [--write]
// Needs Debian's python3-optuna for the peer column (apt-get install python3-optuna).
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeResultsSection } from '../results.mjs';
import { measure, runJson } from '../procs.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const arg = (k, d) => {
  const i = process.argv.indexOf(k);
  return i >= 0 ? process.argv[i + 1] : d;
};
const OURS = Number(arg('--trials', 4000));
// with and without the dashboard alternate, and the median of each is shown: the two differ by less than run-to-run noise on a busy machine
const REPEATS = Number(arg('--repeats', 3));
const median = (v) => [...v].sort((x, y) => x - y)[Math.floor(v.length / 2)];
const THEIRS = Number(arg('--optuna-trials', 100));
const PY = arg('--python', '/usr/bin/python3');

const { SqliteStorage } = await import('../../dist/src/storage/sqlite.js');
const { validateStudyConfig } = await import('../../dist/src/config/index.js');


/** The dashboard as a user starts it, and one open study page: returns how many pages were read, and a stop. */
async function openDashboard(file) {
  const child = spawn(process.execPath, [path.join(here, '../../bin/scaletune.js'), 'dashboard', '--db', file, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let printed = '';
  child.stdout.on('data', (c) => (printed += c));
  for (let i = 0; i < 200 && !/http:\/\/\S+/.test(printed); i++) await new Promise((r) => setTimeout(r, 50));
  const url = /(http:\/\/\S+)/.exec(printed)?.[1];
  if (!url) throw new Error(`the dashboard printed no address: ${printed}`);
  const ac = new AbortController();
  let pages = 0;
  let reading = false;
  const read = async () => {
    if (reading) return;
    reading = true;
    try {
      await (await fetch(`${url}api/study?name=bench`, { signal: ac.signal })).text();
      pages++;
    } catch {
      // aborted at the end
    } finally {
      reading = false;
    }
  };
  const events = fetch(`${url}api/events`, { signal: ac.signal }).then(async (r) => {
    const decoder = new TextDecoder();
    for await (const chunk of r.body) if (decoder.decode(chunk).includes('event: change')) void read();
  }).catch(() => undefined);
  await read();
  return {
    pages: () => pages,
    stop: async () => {
      ac.abort();
      await events;
      child.kill('SIGTERM');
    },
  };
}

async function ours(procs, withDashboard = false) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-st-'));
  const file = path.join(dir, 'bench.db');
  const s = new SqliteStorage(file);
  const config = validateStudyConfig({ method: 'random', metric: { name: 'loss' }, parameters: { lr: { min: 1e-4, max: 0.1 } } }, { forRun: false });
  await s.createStudy({ name: 'bench', config, seed: 0, cwd: dir, artifactsDir: dir });
  await s.close();
  const dash = withDashboard ? await openDashboard(file) : null;
  try {
    const r = await measure(procs, (startAt) => runJson(process.execPath, [path.join(here, 'scaletune_worker.mjs'), file, 'bench', String(OURS), String(startAt)]));
    return { ...r, pages: dash?.pages() ?? 0 };
  } finally {
    await dash?.stop();
  }
}

async function theirs(procs) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-op-'));
  const url = `sqlite:///${path.join(dir, 'bench.db')}`;
  execFileSync(PY, ['-c', `import optuna; optuna.logging.set_verbosity(optuna.logging.ERROR); optuna.create_study(study_name="bench", storage="${url}")`]);
  return measure(procs, (startAt) => runJson(PY, [path.join(here, 'optuna_worker.py'), url, 'bench', String(THEIRS), String(startAt)]));
}

let optunaVersion = null;
try {
  optunaVersion = execFileSync(PY, ['-c', 'import optuna; print(optuna.__version__)']).toString().trim();
} catch {
  console.error(`Optuna not found for ${PY}; install Debian's python3-optuna. Measuring scaletune only.`);
}

const rows = [];
for (const procs of [1, 4]) {
  const plain = [];
  const open = [];
  for (let i = 0; i < REPEATS; i++) {
    plain.push(await ours(procs));
    open.push(await ours(procs, true));
  }
  const pick = (runs) => {
    const m = median(runs.map((r) => r.perSec));
    return { ...runs.find((r) => r.perSec === m), all: runs.map((r) => r.perSec) };
  };
  const a = pick(plain);
  const d = pick(open);
  const b = optunaVersion ? await theirs(procs) : null;
  rows.push({ procs, a, d, b });
}
const date = new Date().toISOString().slice(0, 10);
const f = (x) => x.toFixed(1);
const table = [
  `Storage throughput, ${date}, ${os.cpus().length} cores, Node ${process.version}, Optuna ${optunaVersion ?? 'n/a'}.`,
  `One trial = claim, 10 intermediate metrics (one transaction each), complete. scaletune: ${OURS} trials per process; Optuna: ${THEIRS}.`,
  '',
  `With the dashboard: \`scaletune dashboard\` on the same file, with one study page open that is read again at every change event (about one a second); pages read in the run in brackets. scaletune's figures: the median of ${REPEATS} runs each way, taken in turn (all runs in the last column).`,
  '',
  '| processes | scaletune trials/s | Optuna trials/s | ratio | scaletune "locked" failures | Optuna "locked" failures | scaletune with the dashboard open (pages read) | its loss | every run without / with |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ...rows.map(({ procs, a, d, b }) => `| ${procs} | ${f(a.perSec)} | ${b ? f(b.perSec) : 'n/a'} | ${b ? `${f(a.perSec / b.perSec)}×` : 'n/a'} | ${a.locked} | ${b ? b.locked : 'n/a'} | ${f(d.perSec)} (${d.pages}), ${d.locked} locked | ${(100 * (1 - d.perSec / a.perSec)).toFixed(1)}% | ${a.all.map(f).join(', ')} / ${d.all.map(f).join(', ')} |`),
].join('\n');
console.log(table);

if (process.argv.includes('--write')) writeResultsSection('storage', table);
