#!/usr/bin/env node
// Cost-aware search benchmark: Hartmann-6 where a run's cost grows 10x along x0 (cost = 10^x0, so the
// optimum at x0 = 0.20 is cheap) and where it falls 10x along x0 (cost = 10^(1 − x0): the optimum costs
// 6.3x the cheapest run). bayes with cost: (cooled, as Lee et al. 2020, and EI per unit cost
// throughout), bayes without it, random, and Optuna 4.7's GPSampler (which does not model cost), the
// same seeds in one run. Prints the mean simple regret once the runs so far have cost 25, 50, 100 and
// 200 (the cheapest run costs 1).
// Usage: npm run build && node bench/search-cost/run.mjs [--trials 60] [--seeds 10] [--write]
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeResultsSection } from '../results.mjs';
import { PROBLEMS } from '../search/problems.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const arg = (k, d) => {
  const i = process.argv.indexOf(k);
  return i >= 0 ? Number(process.argv[i + 1]) : d;
};
const TRIALS = arg('--trials', 60);
const SEEDS = arg('--seeds', 10);
const PEER47 = path.resolve(here, '../../../shared/peers/optuna-4.7.0');
const { SEARCHERS } = await import('../../dist/searchers/index.js');
const h6 = PROBLEMS.hartmann6;
const space = Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`x${i}`, { type: 'uniform', min: 0, max: 1 }]));
const COSTS = { 'cost 10^x0 (cheap optimum)': (x0) => 10 ** x0, 'cost 10^(1-x0) (costly optimum)': (x0) => 10 ** (1 - x0) };
const cost = { kind: 'metric', name: 'cost' };
const OURS = {
  'bayes, cost-aware (cooled)': (seed) => SEARCHERS.bayes({ space, seed, goal: 'minimize', cost, runCap: TRIALS, bayes: {} }),
  'bayes, EI per unit cost': (seed) => SEARCHERS.bayes({ space, seed, goal: 'minimize', cost, runCap: TRIALS, bayes: { costCooling: false } }),
  'bayes, cost ignored': (seed) => SEARCHERS.bayes({ space, seed, goal: 'minimize', bayes: {} }),
  random: (seed) => SEARCHERS.random({ space, seed }),
};

// each run as [x0, value] per trial, so that any cost model can be applied afterwards
const runs = {};
for (const [name, costOf] of Object.entries(COSTS)) {
  for (const [label, make] of Object.entries(OURS)) {
    for (let seed = 0; seed < SEEDS; seed++) {
      const s = make(seed);
      const history = [];
      for (let i = 0; i < TRIALS; i++) {
        const [q] = s.suggest(history, 1);
        const v = h6.f(q.params);
        history.push({ number: i, state: 'COMPLETE', params: q.params, value: v, values: { cost: costOf(q.params.x0) } });
      }
      ((runs[name] ??= {})[label] ??= []).push(history.map((t) => [t.params.x0, t.value]));
    }
    process.stderr.write(`${name}: ${label} done\n`);
  }
}
let optuna47 = 'n/a';
try {
  const env = { ...process.env, PYTHONPATH: PEER47 };
  optuna47 = execFileSync('/usr/bin/python3', ['-c', 'import optuna; print(optuna.__version__)'], { env }).toString().trim();
  const theirs = JSON.parse(execFileSync('/usr/bin/python3', [path.join(here, 'optuna_cost.py'), String(TRIALS), String(SEEDS)], { env, maxBuffer: 1 << 26 }).toString());
  // GPSampler ignores cost, so one set of runs serves both cost models
  for (const name of Object.keys(COSTS)) runs[name][`optuna ${optuna47} GPSampler (cost ignored)`] = theirs;
} catch (e) {
  console.error(`Optuna 4.7 side not run (${String(e.message).split('\n')[0]})`);
}

const BUDGETS = [25, 50, 100, 200];
const mean = (xs) => xs.reduce((s, x) => s + x, 0) / xs.length;
const fmt = (x) => (x < 0.001 ? x.toExponential(1) : x.toPrecision(3));
/** Simple regret among the trials that fit in `budget` (cumulative cost); a budget no run fits counts as the worst regret, 3.32. */
function regretAt(run, costOf, budget) {
  let spent = 0;
  let best = Infinity;
  for (const [x0, v] of run) {
    spent += costOf(x0);
    if (spent > budget) break;
    best = Math.min(best, v);
  }
  return Number.isFinite(best) ? best - h6.min : -h6.min;
}
const lines = [`| cost | searcher | ${BUDGETS.map((b) => `regret at cost ${b}`).join(' | ')} | runs within cost 100 |`, `| --- | --- | ${BUDGETS.map(() => '---').join(' | ')} | --- |`];
for (const [name, byLabel] of Object.entries(runs)) {
  const costOf = COSTS[name];
  for (const [label, rs] of Object.entries(byLabel)) {
    const within = rs.map((r) => {
      let spent = 0;
      return r.filter(([x0]) => (spent += costOf(x0)) <= 100).length;
    });
    lines.push(`| ${name} | ${label} | ${BUDGETS.map((b) => fmt(mean(rs.map((r) => regretAt(r, costOf, b))))).join(' | ')} | ${mean(within).toFixed(1)} |`);
  }
}
const date = new Date().toISOString().slice(0, 10);
const text = [
  `Cost-aware search benchmark, ${date}, ${os.cpus().length} cores, Node ${process.version}, Optuna ${optuna47}; Hartmann-6, at most ${TRIALS} trials, ${SEEDS} seeds; mean simple regret once the runs so far cost the budget (the cheapest run costs 1, the dearest 10).`,
  '',
  lines.join('\n'),
].join('\n');
console.log(text);
if (process.argv.includes('--write')) writeResultsSection('search-cost', text, path.join(here, 'RESULTS.md'));
