#!/usr/bin/env node
// Multi-objective search benchmark: scaletune's bayes (expected hypervolume improvement, and ParEGO's
// scalarisations), sobol and random beside Optuna 4.7's GPSampler, TPE and NSGA-II (from ../shared/peers)
// on ZDT1/2/3 and DTLZ2, the same budgets and seeds, in one run. Prints the mean hypervolume gap to the
// true front (its hypervolume minus the trials'; lower is better) at 25, 50 and 100 trials, and the
// median time per suggestion.
// Usage: npm run build && node bench/search-mo/run.mjs [--trials 100] [--seeds 10] [--problems zdt1,dtlz2] [--write]
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeResultsSection } from '../results.mjs';
import { D, PROBLEMS as ALL } from './problems.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const arg = (k, d) => {
  const i = process.argv.indexOf(k);
  return i >= 0 ? process.argv[i + 1] : d;
};
const TRIALS = Number(arg('--trials', 100));
const SEEDS = Number(arg('--seeds', 10));
const ONLY = arg('--problems', null)?.split(',');
const PROBLEMS = ONLY ? Object.fromEntries(Object.entries(ALL).filter(([k]) => ONLY.includes(k))) : ALL;
const PEER47 = path.resolve(here, '../../../shared/peers/optuna-4.7.0');
const { SEARCHERS } = await import('../../dist/searchers/index.js');
const { hypervolume } = await import('../../dist/src/core/pareto.js');

const space = Object.fromEntries(Array.from({ length: D }, (_, i) => [`x${i}`, { type: 'uniform', min: 0, max: 1 }]));
const OURS = {
  'bayes (ehvi)': (seed, m) => SEARCHERS.bayes({ space, seed, goal: 'minimize', objectives: objectives(m), bayes: { multiObjective: 'ehvi' } }),
  'bayes (parego)': (seed, m) => SEARCHERS.bayes({ space, seed, goal: 'minimize', objectives: objectives(m), bayes: { multiObjective: 'parego' } }),
  sobol: (seed) => SEARCHERS.sobol({ space, seed }),
  random: (seed) => SEARCHERS.random({ space, seed }),
};
function objectives(m) {
  return Array.from({ length: m }, (_, i) => ({ name: `f${i}`, goal: 'minimize' }));
}

const results = {};
for (const [name, p] of Object.entries(PROBLEMS)) {
  for (const [label, make] of Object.entries(OURS)) {
    const runs = [];
    for (let seed = 0; seed < SEEDS; seed++) {
      const s = make(seed, p.m);
      const history = [];
      const ys = [];
      const times = [];
      for (let i = 0; i < TRIALS; i++) {
        const t0 = performance.now();
        const [q] = s.suggest(history, 1);
        times.push((performance.now() - t0) / 1000);
        const y = p.f(Array.from({ length: D }, (_, j) => q.params[`x${j}`]));
        ys.push(y);
        history.push({ number: i, state: 'COMPLETE', params: q.params, value: y[0], values: Object.fromEntries(y.map((v, j) => [`f${j}`, v])) });
      }
      runs.push({ ys, times });
    }
    (results[name] ??= {})[label] = runs;
    process.stderr.write(`${name} ${label} done\n`);
  }
}

let optuna47 = 'n/a';
try {
  const env = { ...process.env, PYTHONPATH: PEER47 };
  optuna47 = execFileSync('/usr/bin/python3', ['-c', 'import optuna; print(optuna.__version__)'], { env }).toString().trim();
  const theirs = JSON.parse(execFileSync('/usr/bin/python3', [path.join(here, 'optuna_mo.py'), String(TRIALS), String(SEEDS), Object.keys(PROBLEMS).join(',')], { env, maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'inherit'] }).toString());
  for (const [p, bySampler] of Object.entries(theirs)) Object.assign(results[p], Object.fromEntries(Object.entries(bySampler).map(([k, v]) => [k.replace('optuna-', `optuna ${optuna47} `), v])));
} catch (e) {
  console.error(`Optuna 4.7 side not run (${String(e.message).split('\n')[0]}); it needs ${PEER47} and Debian's python3-torch, python3-scipy (../shared/peers/README.md)`);
}

const mean = (xs) => xs.reduce((s, x) => s + x, 0) / xs.length;
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (x) => (x < 0.001 ? x.toExponential(2) : x < 100 ? x.toPrecision(3) : x.toFixed(0));
const marks = [25, 50, 100].filter((k) => k <= TRIALS);
const gap = (p, run, k) => p.best - hypervolume(run.ys.slice(0, k), p.ref);
const lines = [`| problem | searcher | ${marks.map((k) => `mean HV gap @${k}`).join(' | ')} | median ms / suggestion |`, `| --- | --- | ${marks.map(() => '---').join(' | ')} | --- |`];
for (const [name, bySearcher] of Object.entries(results)) {
  const p = PROBLEMS[name];
  for (const [label, runs] of Object.entries(bySearcher)) lines.push(`| ${name} | ${label} | ${marks.map((k) => fmt(mean(runs.map((r) => gap(p, r, k))))).join(' | ')} | ${fmt(1000 * median(runs.flatMap((r) => r.times)))} |`);
}
const date = new Date().toISOString().slice(0, 10);
const text = [
  `Multi-objective search benchmark, ${date}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown CPU'}), Node ${process.version}, Optuna ${optuna47}; ${TRIALS} trials, ${SEEDS} seed${SEEDS === 1 ? '' : 's'} each; ${D} dimensions.`,
  `Hypervolume gap: the true front's hypervolume minus that of the trials so far, up to the reference points ${Object.entries(PROBLEMS).map(([k, p]) => `${k} (${p.ref.join(', ')})`).join(', ')}; lower is better, 0 is the whole front.`,
  '',
  lines.join('\n'),
].join('\n');
console.log(text);
if (process.argv.includes('--write')) writeResultsSection('search-mo', text, path.join(here, 'RESULTS.md'));
