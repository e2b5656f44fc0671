#!/usr/bin/env node
// Fitter speed and quality against the same procedures in Python with scipy's L-BFGS-B:
// Chinchilla on Epoch's 240 points from the full 4,500-start grid, and Step Law with 1,000 bootstrap
// resamples on the released dense grid. Prints seconds and objective values side by side.
// Usage: npm run build && node bench/fitters/run.mjs [--write]   (needs Debian's python3-scipy)
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeResultsSection } from '../results.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const data = path.resolve(here, '../../../shared/data/scaling');
const PY = '/usr/bin/python3';
const { fitChinchilla } = await import('../../dist/fitters/chinchilla.js');
const { fitStepLaw } = await import('../../dist/fitters/steplaw.js');

function csv(name) {
  const [h, ...rows] = readFileSync(path.join(data, name), 'utf8').trim().split('\n');
  const cols = h.split(',');
  return rows.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i], v])));
}

const epoch = csv('epoch_chinchilla_svg_extracted_data.csv')
  .map((r) => ({ N: +r['Model Size'], C: +r['Training FLOP'], loss: +r.loss }))
  .sort((a, b) => b.loss - a.loss)
  .slice(5)
  .map((r) => ({ N: r.N, D: r.C / (6 * r.N), loss: r.loss }));
const runs = csv('steplaw_dense_lr_bs_loss.csv').map((r) => ({ N: +r.N, D: +r.D, lr: +r.lr, batch: +r.bs * 2048, loss: +r['smooth loss'] }));

const time = (fn) => {
  const t0 = performance.now();
  const out = fn();
  return { out, seconds: (performance.now() - t0) / 1000 };
};
const ours = {
  chinchilla: time(() => fitChinchilla(epoch, { bootstrap: { count: 0 }, holdOut: null })),
  steplaw: time(() => fitStepLaw(runs, { bootstrap: { count: 1000, seed: 1 }, holdOutN: null })),
};
// the figures above are first calls in a fresh process (compilation included); a second call shows steady state
const warm = { chinchilla: time(() => fitChinchilla(epoch, { bootstrap: { count: 0 }, holdOut: null })), steplaw: time(() => fitStepLaw(runs, { bootstrap: { count: 1000, seed: 2 }, holdOutN: null })) };
let theirs = null;
let scipyVersion = 'n/a';
try {
  scipyVersion = execFileSync(PY, ['-c', 'import scipy; print(scipy.__version__)']).toString().trim();
  theirs = JSON.parse(execFileSync(PY, [path.join(here, 'scipy_fits.py'), data], { maxBuffer: 1 << 24 }).toString());
} catch (e) {
  console.error(`scipy side not run (${e.message.split('\n')[0]}); install Debian's python3-scipy`);
}

const f = (x, d = 2) => (x === undefined ? 'n/a' : x.toFixed(d));
const e = (x) => (x === undefined ? 'n/a' : x.toPrecision(10));
const date = new Date().toISOString().slice(0, 10);
const row = (name, o, t, what) =>
  `| ${name} | ${what} | ${f(o.seconds)} | ${f(t?.seconds)} | ${t ? `${f(t.seconds / o.seconds, 1)}×` : 'n/a'} | ${e(o.out.objective)} | ${e(t?.objective)} |`;
const table = [
  `Fitters, ${date}, ${os.cpus().length} cores, Node ${process.version}, scipy ${scipyVersion}. Goal: each fit under 2 s, no slower than scipy, objective the same or lower.`,
  '',
  '| fit | work | scaletune s | scipy s | scipy/scaletune | scaletune objective | scipy objective |',
  '| --- | --- | --- | --- | --- | --- | --- |',
  row('Chinchilla (Epoch, 240 points)', ours.chinchilla, theirs?.chinchilla, '4,500 L-BFGS starts'),
  row('Step Law (dense grid)', ours.steplaw, theirs?.steplaw, 'band + OLS + 1,000 bootstrap'),
  '',
  `scaletune Chinchilla: E=${ours.chinchilla.out.params.E.toFixed(4)} A=${ours.chinchilla.out.params.A.toFixed(1)} B=${ours.chinchilla.out.params.B.toFixed(0)} alpha=${ours.chinchilla.out.params.alpha.toFixed(4)} beta=${ours.chinchilla.out.params.beta.toFixed(4)}` +
    (theirs ? `; scipy: E=${theirs.chinchilla.params.E.toFixed(4)} A=${theirs.chinchilla.params.A.toFixed(1)} B=${theirs.chinchilla.params.B.toFixed(0)} alpha=${theirs.chinchilla.params.alpha.toFixed(4)} beta=${theirs.chinchilla.params.beta.toFixed(4)}` : ''),
  'scaletune runs every start to a loose tolerance and polishes the ten best; scipy runs every start to its default tolerance.',
  `scaletune figures are first calls in a fresh process; a second call in the same process takes ${f(warm.chinchilla.seconds)} s (Chinchilla) and ${f(warm.steplaw.seconds, 3)} s (Step Law).`,
].join('\n');
console.log(table);

if (process.argv.includes('--write')) writeResultsSection('fitters', table);
