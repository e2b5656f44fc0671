#!/usr/bin/env node
// Storage throughput, scaletune (better-sqlite3) against Optuna 3.1 (SQLAlchemy) on one SQLite file:
// trials per second recorded (claim, 10 intermediate metrics, complete) with 1 and 4 processes.
// Usage: npm run build && node bench/storage/run.mjs [--trials N] [--optuna-trials N] [--write]
// Needs Debian's python3-optuna for the peer column (apt-get install python3-optuna).
import { execFileSync } from 'node:child_process';
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
const OURS = Number(arg('--trials', 1000));
const THEIRS = Number(arg('--optuna-trials', 100));
const PY = arg('--python', '/usr/bin/python3');

const { SqliteStorage } = await import('../../dist/src/storage/sqlite.js');
const { validateStudyConfig } = await import('../../dist/src/config/index.js');


async function ours(procs) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-st-'));
  const file = path.join(dir, 'bench.db');
  const s = new SqliteStorage(file);
  const config = validateStudyConfig({ method: 'random', metric: { name: 'loss' }, parameters: { lr: { min: 1e-4, max: 0.1 } } }, { forRun: false });
  await s.createStudy({ name: 'bench', config, seed: 0, cwd: dir, artifactsDir: dir });
  await s.close();
  return measure(procs, (startAt) => runJson(process.execPath, [path.join(here, 'scaletune_worker.mjs'), file, 'bench', String(OURS), String(startAt)]));
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
  const a = await ours(procs);
  const b = optunaVersion ? await theirs(procs) : null;
  rows.push({ procs, a, b });
}
const date = new Date().toISOString().slice(0, 10);
const f = (x) => x.toFixed(1);
const table = [
  `Storage throughput, ${date}, ${os.cpus().length} cores, Node ${process.version}, Optuna ${optunaVersion ?? 'n/a'}.`,
  `One trial = claim, 10 intermediate metrics (one transaction each), complete. scaletune: ${OURS} trials per process; Optuna: ${THEIRS}.`,
  '',
  '| processes | scaletune trials/s | Optuna trials/s | ratio | scaletune "locked" failures | Optuna "locked" failures |',
  '| --- | --- | --- | --- | --- | --- |',
  ...rows.map(({ procs, a, b }) => `| ${procs} | ${f(a.perSec)} | ${b ? f(b.perSec) : 'n/a'} | ${b ? `${f(a.perSec / b.perSec)}×` : 'n/a'} | ${a.locked} | ${b ? b.locked : 'n/a'} |`),
].join('\n');
console.log(table);

if (process.argv.includes('--write')) writeResultsSection('storage', table);
