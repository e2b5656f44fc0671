#!/usr/bin/env node
// Importance benchmark: how close fANOVA and PED-ANOVA — scaletune's and Optuna 4.7's (../shared/peers;
// its fANOVA needs Debian's python3-sklearn) — rank parameters to their true importance, on the same
// trials, in one run. The truth is each parameter's first-order Sobol index over the search space as
// scaletune samples it (uniform in the unit cube, log-scaled parameters by decade), estimated from
// 200,000 noise-free evaluations (the G-function's is also known exactly: printed as a check).
// Trials come from random search (30, 100, 300) and from scaletune's bayes (100: a real study's
// crowding near the optimum). Figures per method, mean over seeds:
//   pairs: of the parameter pairs whose true indices differ by at least 0.02, the share put in the
//          right order; top-1: how often the most important parameter is ranked first;
//   split: how often every parameter with an index of at least 0.05 ranks above every one under 0.005.
// Usage: npm run build && node bench/importance/run.mjs [--seeds 10] [--problems a,b] [--write]
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeResultsSection } from '../results.mjs';
import { PROBLEMS as SEARCH_PROBLEMS } from '../search/problems.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const arg = (k, d) => {
  const i = process.argv.indexOf(k);
  return i >= 0 ? process.argv[i + 1] : d;
};
const SEEDS = Number(arg('--seeds', 10));
const ONLY = arg('--problems', null)?.split(',');
const PEER47 = path.resolve(here, '../../../shared/peers/optuna-4.7.0');
const { SEARCHERS } = await import('../../dist/searchers/index.js');
const { fromUnit } = await import('../../dist/src/core/distributions.js');
const { Rng } = await import('../../dist/src/core/rng.js');
const { parameterImportance } = await import('../../dist/src/report/importance.js');

const uniform = (min, max) => ({ type: 'uniform', min, max });
const logUniform = (min, max) => ({ type: 'log_uniform_values', min, max });
const G_A = [0, 1, 4.5, 9, 99, 99, 99, 99];

const ALL = {
  // additive: a, then b by decade, then a category that matters most among the best trials; d and e do
  // nothing (the unit test's function)
  separable5: {
    space: { a: uniform(0, 1), b: logUniform(1e-4, 1e-1), c: { type: 'categorical', values: ['x', 'y', 'z'] }, d: uniform(0, 1), e: uniform(0, 1) },
    f: (p) => 10 * (p.a - 0.3) ** 2 + 0.5 * (Math.log10(p.b) + 2.5) ** 2 + (p.c === 'z' ? 0 : 0.45),
  },
  // Sobol's G-function: a product, so with interactions; first-order indices known in closed form
  'sobol-g8': {
    space: Object.fromEntries(G_A.map((_, i) => [`x${i}`, uniform(0, 1)])),
    f: (p) => G_A.reduce((prod, a, i) => prod * (Math.abs(4 * p[`x${i}`] - 2) + a) / (1 + a), 1),
    exact: (() => {
      const v = G_A.map((a) => 1 / (3 * (1 + a) ** 2));
      const total = v.reduce((s, x) => s * (1 + x), 1) - 1;
      return Object.fromEntries(v.map((x, i) => [`x${i}`, x / total]));
    })(),
  },
  // a language-model-like loss: the best lr moves with batch size, too high an lr diverges (a loss of 7,
  // as a trainer that does not crash reports it), weight decay, dropout and the optimizer matter a little,
  // beta2 and a seed-like parameter not at all
  lm8: {
    space: { lr: logUniform(1e-4, 1e-1), batch: logUniform(16, 1024), warmup: uniform(0, 0.3), weight_decay: logUniform(1e-5, 1e-1), dropout: uniform(0, 0.3), beta2: uniform(0.9, 0.999), optimizer: { type: 'categorical', values: ['adamw', 'lion', 'sgd'] }, data_seed: uniform(0, 1) },
    f: (p) => {
      const best = -2.8 + 0.4 * Math.log10(p.batch / 64);
      if (Math.log10(p.lr) > best + 1.1) return 7;
      return 3 + 0.5 * (Math.log10(p.lr) - best) ** 2 + 0.03 * (Math.log10(p.weight_decay) + 2) ** 2 + 0.4 * p.dropout + 0.2 * (p.warmup - 0.05) ** 2 + (p.optimizer === 'sgd' ? 0.3 : p.optimizer === 'lion' ? 0.05 : 0);
    },
  },
  // every dimension matters, unequally
  hartmann6: { space: Object.fromEntries(Object.keys(SEARCH_PROBLEMS.hartmann6.space).map((k) => [k, uniform(0, 1)])), f: SEARCH_PROBLEMS.hartmann6.f },
};
const PROBLEMS = ONLY ? Object.fromEntries(Object.entries(ALL).filter(([k]) => ONLY.includes(k))) : ALL;

/** First-order Sobol indices by binning 200,000 uniform draws on each parameter, less the bins' sampling noise. */
function sobolFirstOrder(space, f, n = 200_000, bins = 100) {
  const names = Object.keys(space);
  const rng = new Rng(12345);
  const U = [];
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const u = names.map(() => rng.next());
    U.push(u);
    y[i] = f(Object.fromEntries(names.map((k, j) => [k, fromUnit(space[k], u[j])])));
  }
  const mean = y.reduce((a, b) => a + b, 0) / n;
  const total = y.reduce((a, b) => a + (b - mean) ** 2, 0) / n;
  return Object.fromEntries(
    names.map((k, j) => {
      const d = space[k];
      const nb = d.type === 'categorical' ? d.values.length : bins;
      const bin = (u) => (d.type === 'categorical' ? d.values.indexOf(fromUnit(d, u)) : Math.min(nb - 1, Math.floor(u * nb)));
      const s = new Float64Array(nb);
      const s2 = new Float64Array(nb);
      const c = new Float64Array(nb);
      for (let i = 0; i < n; i++) {
        const b = bin(U[i][j]);
        s[b] += y[i];
        s2[b] += y[i] * y[i];
        c[b] += 1;
      }
      let between = 0;
      let noise = 0;
      for (let b = 0; b < nb; b++) {
        if (!c[b]) continue;
        const m = s[b] / c[b];
        between += (c[b] / n) * (m - mean) ** 2;
        noise += (c[b] / n) * (s2[b] / c[b] - m * m) / c[b];
      }
      return [k, Math.max(0, between - noise) / total];
    }),
  );
}

function trialsFrom(space, f, source, n, seed) {
  const rng = new Rng(seed, 77);
  const names = Object.keys(space);
  const history = [];
  const searcher = source === 'bayes' ? SEARCHERS.bayes({ space, seed, goal: 'minimize' }) : null;
  for (let i = 0; i < n; i++) {
    const params = searcher ? searcher.suggest(history, 1)[0].params : Object.fromEntries(names.map((k) => [k, fromUnit(space[k], rng.next())]));
    history.push({ number: i, state: 'COMPLETE', params, value: f(params), scale: null, infeasible: null });
  }
  return history;
}

/** pairs, top-1 and split of one ranking against the truth (see the header). */
function agreement(truth, scores) {
  const names = Object.keys(truth);
  let pairs = 0;
  let right = 0;
  for (let i = 0; i < names.length; i++)
    for (let j = i + 1; j < names.length; j++) {
      const [a, b] = [names[i], names[j]];
      if (Math.abs(truth[a] - truth[b]) < 0.02) continue;
      pairs++;
      if (Math.sign(truth[a] - truth[b]) === Math.sign((scores[a] ?? 0) - (scores[b] ?? 0))) right++;
    }
  const first = (o) => Object.entries(o).sort((x, y) => y[1] - x[1])[0][0];
  const big = names.filter((k) => truth[k] >= 0.05);
  const small = names.filter((k) => truth[k] < 0.005);
  const split = small.length ? big.every((b) => small.every((s) => (scores[b] ?? 0) > (scores[s] ?? 0))) : null;
  return { pairs: pairs ? right / pairs : null, top1: first(truth) === first(scores) ? 1 : 0, split: split === null ? null : split ? 1 : 0 };
}

const SOURCES = [['random', 30], ['random', 100], ['random', 300], ['bayes', 100]];
const METHODS = ['scaletune fanova', 'scaletune ped-anova', 'optuna fanova', 'optuna ped-anova'];
const peer = existsSync(PEER47);
const rows = [];
const truths = {};
for (const [pname, p] of Object.entries(PROBLEMS)) {
  const truth = sobolFirstOrder(p.space, p.f);
  truths[pname] = truth;
  const fmt = (o) => Object.entries(o).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(', ');
  console.log(`${pname}: true first-order indices ${fmt(truth)}${p.exact ? `\n  exact: ${fmt(p.exact)}` : ''}`);
  for (const [source, n] of SOURCES) {
    const sets = [];
    for (let seed = 0; seed < SEEDS; seed++) sets.push(trialsFrom(p.space, p.f, source, n, seed));
    const scores = { 'scaletune fanova': [], 'scaletune ped-anova': [] };
    const ms = { 'scaletune fanova': [], 'scaletune ped-anova': [], 'optuna fanova': [], 'optuna ped-anova': [] };
    for (const ts of sets)
      for (const method of ['fanova', 'ped-anova']) {
        const t0 = performance.now();
        const r = parameterImportance(ts, p.space, 'minimize', { method, seed: 0 });
        ms[`scaletune ${method}`].push(performance.now() - t0);
        scores[`scaletune ${method}`].push(Object.fromEntries(r.importances.map((x) => [x.param, x.share])));
      }
    if (peer) {
      const input = JSON.stringify(sets.map((ts) => ({ space: p.space, trials: ts.map((t) => ({ params: t.params, value: t.value })) })));
      const out = JSON.parse(execFileSync('/usr/bin/python3', [path.join(here, 'optuna_importance.py')], { input, env: { ...process.env, PYTHONPATH: PEER47 }, maxBuffer: 1 << 26 }).toString());
      for (const m of ['fanova', 'ped-anova']) {
        scores[`optuna ${m}`] = out.sets.map((s) => s[m].importances);
        ms[`optuna ${m}`] = out.sets.map((s) => s[m].ms);
      }
    }
    const cell = {};
    for (const m of METHODS) {
      if (!scores[m]) continue;
      const a = scores[m].map((s) => agreement(truth, s));
      const mean = (k) => {
        const xs = a.map((x) => x[k]).filter((x) => x !== null);
        return xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : null;
      };
      const sorted = [...ms[m]].sort((x, y) => x - y);
      cell[m] = { pairs: mean('pairs'), top1: mean('top1'), split: mean('split'), ms: sorted[Math.floor(sorted.length / 2)] };
    }
    rows.push({ problem: pname, source: `${source} ${n}`, cell });
    console.log(`  ${source} ${n}: ${METHODS.filter((m) => cell[m]).map((m) => `${m} pairs ${cell[m].pairs?.toFixed(2)} top-1 ${cell[m].top1.toFixed(1)} split ${cell[m].split?.toFixed(1) ?? '–'} (${cell[m].ms.toFixed(0)} ms)`).join('; ')}`);
  }
}

const pct = (x) => (x === null || x === undefined ? '–' : `${Math.round(100 * x)}%`);
const shown = METHODS.filter((m) => rows.some((r) => r.cell[m]));
const head = `| problem | trials | ${shown.map((m) => `${m}: pairs · top-1 · split`).join(' | ')} |\n|---|---|${shown.map(() => '---').join('|')}|`;
const body = rows.map((r) => `| ${r.problem} | ${r.source} | ${shown.map((m) => (r.cell[m] ? `${pct(r.cell[m].pairs)} · ${pct(r.cell[m].top1)} · ${pct(r.cell[m].split)}` : '–')).join(' | ')} |`).join('\n');
const avg = (m, k) => {
  const xs = rows.map((r) => r.cell[m]?.[k]).filter((x) => x !== null && x !== undefined);
  return xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : null;
};
const mean = `| **mean** | | ${shown.map((m) => `**${pct(avg(m, 'pairs'))} · ${pct(avg(m, 'top1'))} · ${pct(avg(m, 'split'))}**`).join(' | ')} |`;
const times = `| median time, 300 random trials | | ${shown.map((m) => `${rows.filter((r) => r.source === 'random 300').map((r) => r.cell[m]?.ms ?? 0).sort((x, y) => x - y)[0]?.toFixed(0) ?? '–'}–${rows.filter((r) => r.source === 'random 300').map((r) => r.cell[m]?.ms ?? 0).sort((x, y) => y - x)[0]?.toFixed(0) ?? '–'} ms`).join(' | ')} |`;
const table = `${head}\n${body}\n${mean}\n${times}`;
console.log(`\n${table}`);
if (process.argv.includes('--write')) writeResultsSection('importance', `${new Date().toISOString().slice(0, 10)}, ${SEEDS} seeds; Optuna ${peer ? '4.7.0' : 'absent'} in the same run.\n\n${table}`);
