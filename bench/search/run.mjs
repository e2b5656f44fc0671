#!/usr/bin/env node
// Search benchmark: scaletune's searchers and Optuna's samplers — Debian's python3-optuna 3.1 (TPE) and
// Optuna 4.7 from ../shared/peers (GPSampler, multivariate TPE; functions only) — on the same problems,
// budgets and seeds, in one run. Prints mean/median simple regret at 25, 50 and 100 trials and
// the median time per suggestion; on the 17 Step Law cells, the trials needed to reach a configuration
// within 0.25% of the cell's best loss.
// Method llm (LLAMBO) joins when an endpoint is given: SCALETUNE_BENCH_LLM_URL (an OpenAI-compatible
// …/v1), SCALETUNE_BENCH_LLM_MODEL, and SCALETUNE_BENCH_LLM_KEY_ENV naming the variable that holds the
// key (for a hosted API); it runs the paper's protocol (25 trials, 5 of them zero-shot) on 3 seeds.
// Usage: npm run build && node bench/search/run.mjs [--trials 100] [--seeds 10] [--write] [--llm-only]
//        [--quick] (one seed, 50 trials, no Step Law cells: for iterating) [--problems a,b]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROBLEMS as ALL_PROBLEMS } from './problems.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const arg = (k, d) => {
  const i = process.argv.indexOf(k);
  return i >= 0 ? Number(process.argv[i + 1]) : d;
};
const QUICK = process.argv.includes('--quick');
const TRIALS = arg('--trials', QUICK ? 50 : 100);
const SEEDS = arg('--seeds', QUICK ? 1 : 10);
const ONLY = (() => {
  const i = process.argv.indexOf('--problems');
  return i >= 0 ? process.argv[i + 1].split(',') : null;
})();
const PEER47 = path.resolve(here, '../../../shared/peers/optuna-4.7.0');
const PY = '/usr/bin/python3';
const { SEARCHERS } = await import('../../dist/searchers/index.js');
const PROBLEMS = ONLY ? Object.fromEntries(Object.entries(ALL_PROBLEMS).filter(([k]) => ONLY.includes(k))) : ALL_PROBLEMS;
const OURS = ['random', 'sobol', 'bayes'];

function optimise(method, space, seed, f, trials, stop) {
  const s = SEARCHERS[method]({ space, seed, goal: 'minimize' });
  const history = [];
  const times = [];
  for (let i = 0; i < trials; i++) {
    const t0 = performance.now();
    const [p] = s.suggest(history, 1);
    times.push((performance.now() - t0) / 1000);
    const v = f(p.params);
    history.push({ number: i, state: 'COMPLETE', params: p.params, value: v });
    if (stop?.(v)) return { history, times, hit: i + 1 };
  }
  return { history, times, hit: null };
}

const uniformSpace = (sp) => Object.fromEntries(Object.entries(sp).map(([k, [lo, hi]]) => [k, { type: 'uniform', min: lo, max: hi }]));

// Step Law cells: runs (lr, bs, smooth loss) per (N, D)
const data = path.resolve(here, '../../../shared/data/scaling/steplaw_dense_lr_bs_loss.csv');
const [head, ...lines] = readFileSync(data, 'utf8').trim().split('\n');
const cols = head.split(',');
const cells = {};
for (const l of lines) {
  const c = l.split(',');
  const g = (k) => Number(c[cols.indexOf(k)]);
  (cells[`N=${g('N').toPrecision(3)} D=${g('D').toPrecision(3)}`] ??= []).push([g('lr'), g('bs'), g('smooth loss')]);
}

const results = { functions: {}, cells: {} };
const LLM_ONLY = process.argv.includes('--llm-only');

// method llm: asynchronous (it asks an endpoint), every call kept in an in-memory store
async function optimiseLlm(space, seed, f, trials) {
  const { MemoryStorage } = await import('../../dist/src/storage/memory.js');
  const { validateStudyConfig } = await import('../../dist/src/config/index.js');
  const { LlmSearcher } = await import('../../dist/src/llm/searcher.js');
  const storage = new MemoryStorage();
  const keyEnv = process.env.SCALETUNE_BENCH_LLM_KEY_ENV;
  const config = validateStudyConfig({ method: 'llm', metric: { name: 'value', goal: 'minimize' }, parameters: Object.fromEntries(Object.entries(space).map(([k, d]) => [k, { distribution: 'uniform', min: d.min, max: d.max }])), llm: { base_url: process.env.SCALETUNE_BENCH_LLM_URL, model: process.env.SCALETUNE_BENCH_LLM_MODEL ?? 'default', ...(keyEnv ? { api_key_env: keyEnv } : {}), initial: 5, candidates: 10, prompts: 3 } }, { forRun: false });
  const study = await storage.createStudy({ name: 'bench', config, seed, cwd: '/', artifactsDir: '/' });
  const s = new LlmSearcher(storage, study, process.env);
  const history = [];
  for (let i = 0; i < trials; i++) {
    const [p] = await s.suggest(history, 1);
    history.push({ number: i, state: 'COMPLETE', params: p.params, value: f(p.params) });
  }
  const calls = await storage.getLlmCalls(study.id);
  const fallbacks = (await storage.getEvents(study.id)).filter((e) => e.kind === 'llm_fallback').length;
  return { history, calls: calls.length, fallbacks };
}

const llmRows = [];
if (!process.env.SCALETUNE_BENCH_LLM_URL) {
  console.error('method llm not run: set SCALETUNE_BENCH_LLM_URL (an OpenAI-compatible /v1 endpoint) and SCALETUNE_BENCH_LLM_MODEL (and SCALETUNE_BENCH_LLM_KEY_ENV, the name of the variable holding the key) to include it');
} else {
  const K = Math.min(25, TRIALS);
  for (const [name, prob] of Object.entries(PROBLEMS)) {
    const regrets = { llm: [], bayes: [] };
    let calls = 0;
    let fallbacks = 0;
    for (let seed = 0; seed < Math.min(3, SEEDS); seed++) {
      const r = await optimiseLlm(uniformSpace(prob.space), seed, prob.f, K);
      regrets.llm.push(Math.min(...r.history.map((t) => t.value)) - prob.min);
      calls += r.calls;
      fallbacks += r.fallbacks;
      const b = optimise('bayes', uniformSpace(prob.space), seed, prob.f, K);
      regrets.bayes.push(Math.min(...b.history.map((t) => t.value)) - prob.min);
    }
    llmRows.push({ name, ...regrets, calls, fallbacks });
    process.stderr.write(`${name} llm done\n`);
  }
}

for (const [name, prob] of Object.entries(LLM_ONLY ? {} : PROBLEMS)) {
  for (const m of OURS) {
    const runs = [];
    for (let seed = 0; seed < SEEDS; seed++) {
      const { history, times } = optimise(m, uniformSpace(prob.space), seed, prob.f, TRIALS);
      let best = Infinity;
      runs.push({ curve: history.map((t) => (best = Math.min(best, t.value)) - prob.min), times });
    }
    (results.functions[name] ??= {})[m] = runs;
    process.stderr.write(`${name} ${m} done\n`);
  }
}
for (const [key, runs] of Object.entries(LLM_ONLY || QUICK ? {} : cells)) {
  const lrs = runs.map((r) => r[0]);
  const bss = runs.map((r) => r[1]);
  const best = Math.min(...runs.map((r) => r[2]));
  const space = { lr: { type: 'log_uniform_values', min: Math.min(...lrs), max: Math.max(...lrs) }, bs: { type: 'log_uniform_values', min: Math.min(...bss), max: Math.max(...bss) } };
  const snap = (p) => runs.reduce((a, r) => ((Math.log(r[0]) - Math.log(p.lr)) ** 2 + (Math.log(r[1]) - Math.log(p.bs)) ** 2 < (Math.log(a[0]) - Math.log(p.lr)) ** 2 + (Math.log(a[1]) - Math.log(p.bs)) ** 2 ? r : a))[2];
  for (const m of OURS) {
    const counts = [];
    for (let seed = 0; seed < SEEDS; seed++) counts.push(optimise(m, space, seed, snap, TRIALS, (v) => v <= best * 1.0025).hit ?? TRIALS + 1);
    (results.cells[key] ??= {})[m] = counts;
  }
}
if (!LLM_ONLY) process.stderr.write('scaletune side done; running Optuna\n');

let optunaVersion = 'n/a';
try {
  if (LLM_ONLY) throw new Error('--llm-only');
  optunaVersion = execFileSync(PY, ['-c', 'import optuna; print(optuna.__version__)']).toString().trim();
  const tmp = path.join(mkdtempSync(path.join(os.tmpdir(), 'bench-search-')), 'cells.json');
  writeFileSync(tmp, JSON.stringify(cells));
  const theirs = JSON.parse(execFileSync(PY, [path.join(here, 'optuna_search.py'), String(TRIALS), String(SEEDS), QUICK ? '-' : tmp, Object.keys(PROBLEMS).join(',')], { maxBuffer: 1 << 28 }).toString());
  for (const [p, bySampler] of Object.entries(theirs.functions)) Object.assign(results.functions[p], bySampler);
  for (const [c, bySampler] of Object.entries(theirs.cells)) Object.assign(results.cells[c], bySampler);
} catch (e) {
  if (!LLM_ONLY) console.error(`Optuna side not run (${String(e.message).split('\n')[0]}); install Debian's python3-optuna`);
}
// Optuna 4.7's GPSampler and TPE, on the functions (its GP on the 17 cells would take longer than all else)
let optuna47 = 'n/a';
try {
  if (LLM_ONLY) throw new Error('--llm-only');
  const env = { ...process.env, PYTHONPATH: PEER47 };
  optuna47 = execFileSync(PY, ['-c', 'import optuna; print(optuna.__version__)'], { env }).toString().trim();
  const theirs = JSON.parse(execFileSync(PY, [path.join(here, 'optuna_search.py'), String(TRIALS), String(SEEDS), '-', Object.keys(PROBLEMS).join(',')], { env, maxBuffer: 1 << 28 }).toString());
  for (const [p, bySampler] of Object.entries(theirs.functions)) Object.assign(results.functions[p], bySampler);
} catch (e) {
  if (!LLM_ONLY) console.error(`Optuna 4.7 side not run (${String(e.message).split('\n')[0]}); it needs ${PEER47} and Debian's python3-torch, python3-scipy (../shared/peers/README.md)`);
}

const mean = (xs) => xs.reduce((s, x) => s + x, 0) / xs.length;
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (x) => (x === undefined ? '-' : x < 0.001 ? x.toExponential(1) : x < 100 ? x.toPrecision(3) : x.toFixed(0));
const at = (runs, k) => runs.map((r) => r.curve[Math.min(k, r.curve.length) - 1]);
const marks = [25, 50, 100].filter((k) => k <= TRIALS);
const lines1 = [
  `| problem | searcher | ${marks.map((k) => `mean regret @${k}`).join(' | ')} | median regret @${TRIALS} | median ms / suggestion |`,
  `| --- | --- | ${marks.map(() => '---').join(' | ')} | --- | --- |`,
];
for (const [p, bySearcher] of Object.entries(results.functions)) {
  for (const [s, runs] of Object.entries(bySearcher)) {
    lines1.push(`| ${p} | ${s} | ${marks.map((k) => fmt(mean(at(runs, k)))).join(' | ')} | ${fmt(median(at(runs, TRIALS)))} | ${fmt(1000 * median(runs.flatMap((r) => r.times)))} |`);
  }
}
const searchers = [...new Set(Object.values(results.cells).flatMap((c) => Object.keys(c)))];
const lines2 = ['| searcher | mean trials to the 0.25% band (17 cells) | cells × seeds not reached in budget |', '| --- | --- | --- |'];
for (const s of searchers) {
  const all = Object.values(results.cells).flatMap((c) => c[s] ?? []);
  lines2.push(`| ${s} | ${fmt(mean(all))} | ${all.filter((n) => n > TRIALS).length} of ${all.length} |`);
}
const date = new Date().toISOString().slice(0, 10);
const llmText = llmRows.length
  ? [
      '',
      `Method llm (LLAMBO through ${process.env.SCALETUNE_BENCH_LLM_MODEL ?? 'the endpoint'}), the paper's protocol: 25 trials (5 zero-shot), 10 candidates from 3 prompts per step, ranked by the GP; 3 seeds, mean simple regret at 25 beside the Bayesian searcher's on the same seeds:`,
      '',
      '| problem | llm regret @25 | bayes regret @25 | LLM calls | fallbacks |',
      '| --- | --- | --- | --- | --- |',
      ...llmRows.map((r) => `| ${r.name} | ${fmt(mean(r.llm))} | ${fmt(mean(r.bayes))} | ${r.calls} | ${r.fallbacks} |`),
    ].join('\n')
  : '';
if (LLM_ONLY) {
  console.log(llmText || 'nothing to report');
  process.exit(0);
}
const text = [
  `Search benchmark, ${date}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown CPU'}), Node ${process.version}, Optuna ${optunaVersion} and ${optuna47}; ${TRIALS} trials, ${SEEDS} seed${SEEDS === 1 ? '' : 's'} each${QUICK ? ' (--quick)' : ''}.`,
  '',
  lines1.join('\n'),
  ...(QUICK ? [] : ['', 'Step Law cells (lr and batch searched on a log scale, snapped to the nearest released run; a cell not reached counts as budget + 1):', '', lines2.join('\n')]),
  llmText,
].join('\n');
console.log(text);
if (process.argv.includes('--write')) {
  writeFileSync(path.join(here, 'RESULTS.md'), `# Search benchmark results\n\n\`node bench/search/run.mjs --write\` (on demand, not a test).\n\n${text}\n`);
  console.log('wrote bench/search/RESULTS.md');
}
