#!/usr/bin/env node
// Workers sharing one study: trials recorded per second with 1, 4 and 8 worker processes, on PostgreSQL
// and on SQLite, side by side with Optuna 3.1 on the same PostgreSQL server (SQLAlchemy + psycopg2).
// One trial = claim, 10 intermediate metrics (one transaction each), complete — as a trainer's reports
// arrive. Every run also counts lost and duplicated trials: the study's complete trials against the
// trials the workers say they finished, and trial numbers that appear twice.
// Usage: npm run build && SCALETUNE_BENCH_PG=postgres://user:pass@127.0.0.1:5432/db node bench/workers/run.mjs [--write]
// Needs Debian's postgresql (a running server), python3-optuna and python3-psycopg2 for the peer.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeResultsSection } from '../results.mjs';
import { measure, runJson } from '../procs.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const PG = process.env.SCALETUNE_BENCH_PG ?? process.env.SCALETUNE_TEST_PG;
if (!PG) {
  console.error('set SCALETUNE_BENCH_PG=postgres://user:pass@host:5432/db (a running PostgreSQL server)');
  process.exit(2);
}
const PY = '/usr/bin/python3';
const OURS = 300; // trials per worker
const THEIRS = 60;
const { openStorage } = await import('../../dist/src/storage/index.js');
const { validateStudyConfig } = await import('../../dist/src/config/index.js');


async function ours(location, procs) {
  const s = openStorage(location, { create: true });
  const config = validateStudyConfig({ method: 'random', metric: { name: 'loss' }, parameters: { lr: { min: 1e-4, max: 0.1 } } }, { forRun: false });
  const study = await s.createStudy({ name: 'bench', config, seed: 0, cwd: '/', artifactsDir: '/' });
  const m = await measure(procs, (startAt) => runJson(process.execPath, [path.join(here, '../storage/scaletune_worker.mjs'), location, 'bench', String(OURS), String(startAt)]));
  const trials = await s.getTrials(study.id);
  await s.close();
  const complete = trials.filter((t) => t.state === 'COMPLETE').length;
  return { ...m, lost: m.done - complete, duplicated: trials.length - new Set(trials.map((t) => t.number)).size };
}

async function theirs(procs) {
  const schema = `optuna_${randomBytes(4).toString('hex')}`;
  const base = new URL(PG);
  const sa = `postgresql+psycopg2://${base.username}:${base.password}@${base.host}${base.pathname}`;
  // a schema of its own per measurement, through libpq's options
  const url = `${sa}?options=-csearch_path%3D${schema}`;
  execFileSync('psql', [PG.replace(/\?.*$/, ''), '-qc', `CREATE SCHEMA ${schema}`]);
  execFileSync(PY, ['-c', `import optuna; optuna.logging.set_verbosity(optuna.logging.ERROR); optuna.create_study(study_name="bench", storage="${url}")`]);
  const m = await measure(procs, (startAt) => runJson(PY, [path.join(here, '../storage/optuna_worker.py'), url, 'bench', String(THEIRS), String(startAt)]));
  const n = Number(execFileSync(PY, ['-c', `import optuna; optuna.logging.set_verbosity(optuna.logging.ERROR); s = optuna.load_study(study_name="bench", storage="${url}"); print(len([t for t in s.trials if t.state.name == "COMPLETE"]))`]).toString());
  return { ...m, lost: m.done - n, duplicated: 0 };
}

let optunaVersion = null;
try {
  optunaVersion = execFileSync(PY, ['-c', 'import optuna, psycopg2; print(optuna.__version__)']).toString().trim();
} catch {
  console.error('Optuna or psycopg2 not found; install Debian\'s python3-optuna and python3-psycopg2. Measuring scaletune only.');
}

const rows = [];
for (const procs of [1, 4, 8]) {
  const u = new URL(PG);
  u.searchParams.set('schema', `bench_${randomBytes(4).toString('hex')}`);
  const pg = await ours(u.toString(), procs);
  const lite = await ours(path.join(mkdtempSync(path.join(os.tmpdir(), 'bench-w-')), 'bench.db'), procs);
  const op = optunaVersion ? await theirs(procs) : null;
  rows.push({ procs, pg, lite, op });
  console.error(`${procs} workers: postgres ${pg.perSec.toFixed(1)}/s, sqlite ${lite.perSec.toFixed(1)}/s${op ? `, optuna postgres ${op.perSec.toFixed(1)}/s` : ''}`);
}
const f = (x) => x.toFixed(1);
const at8 = rows.find((r) => r.procs === 8);
const table = [
  `Workers sharing one study, ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores, Node ${process.version}, PostgreSQL ${execFileSync('psql', [PG.replace(/\?.*$/, ''), '-qtAc', 'SHOW server_version']).toString().trim()} on loopback, Optuna ${optunaVersion ?? 'n/a'}.`,
  `One trial = claim, 10 intermediate metrics (one transaction each), complete; worker processes started together. scaletune: ${OURS} trials per worker; Optuna: ${THEIRS}. Lost = finished by a worker but not complete in the study; duplicated = a trial number twice.`,
  '',
  '| workers | scaletune PostgreSQL trials/s | scaletune SQLite trials/s | Optuna PostgreSQL trials/s | PostgreSQL ratio | lost / duplicated (scaletune PG, SQLite, Optuna) |',
  '| --- | --- | --- | --- | --- | --- |',
  ...rows.map((r) => `| ${r.procs} | ${f(r.pg.perSec)} | ${f(r.lite.perSec)} | ${r.op ? f(r.op.perSec) : '-'} | ${r.op ? `${(r.pg.perSec / r.op.perSec).toFixed(1)}×` : '-'} | ${r.pg.lost}/${r.pg.duplicated}, ${r.lite.lost}/${r.lite.duplicated}, ${r.op ? `${r.op.lost}/-` : '-'} |`),
  '',
  at8?.op ? `Goal (≥ 5× Optuna at 8 workers on PostgreSQL, nothing lost or duplicated): ${at8.pg.perSec >= 5 * at8.op.perSec && rows.every((r) => r.pg.lost === 0 && r.pg.duplicated === 0) ? 'met' : 'missed'} (${(at8.pg.perSec / at8.op.perSec).toFixed(1)}×).` : '',
].join('\n');
console.log(table);
if (process.argv.includes('--write')) writeResultsSection('workers', table);
