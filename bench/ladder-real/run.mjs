// A ladder benchmark whose target is actually trained (issue 18): real training with the PyTorch
// reference trainer on CPU (backend: torch, one thread per run, parallel 2), a windowed-MLP language
// model of the synthetic language at five widths (16 to 256: 250x in compute) on one token budget, and a
// target 4x the largest proxy's compute (width 512), predicted — then the target itself trained:
//   - over a grid fixed in advance: six learning rates a factor 2 apart (0.00125 to 0.04, this model
//     family's range: its optima run from 0.06 at width 16 to 0.007 at width 256), and two more seeds at
//     the best two grid points, so that the target's seed-to-seed spread is known;
//   - at each row's predicted learning rate.
// Rows: scaletune with harvesting and transfer (random search, 8 runs per scale); scaletune without
// either (the same search); the smallest scale's best lr used as is; that lr scaled by muP's 1/width rule.
// Columns: predicted vs measured target loss (measured at the predicted lr), predicted vs swept lr*, the
// loss at the predicted lr against the target's best run, the proxies' compute, wall time.
// Goals: loss at the predicted lr within 0.5% of the target's best run; predicted loss within 1% of the
// measured one, or within the target's seed-to-seed spread where that is larger.
// Usage: npm run build && node bench/ladder-real/run.mjs [--write]   (Debian python3-torch; about 10 min on 2 cores)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeResultsSection } from '../results.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(ROOT, 'bin/scaletune.js');
const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-ladder-real-'));
const WIDTHS = [16, 32, 64, 128, 256];
// non-embedding parameters of these widths (depth 2, window 4, vocab 32), as the trainer reports them:
// declared, so that transfer can evaluate the laws at a scale before it has run
const N_OF = { 16: 1328, 32: 5216, 64: 20672, 128: 82304, 256: 328448, 512: 1312256 };
const TARGET_WIDTH = 512;
const TOKENS = 400_000;
const GRID = [0.00125, 0.0025, 0.005, 0.01, 0.02, 0.04];
const BACKEND = `backend:
  type: torch
  threads: 1
  task: synthetic-lm
  data: {vocab: 32, order: 2, branching: 4, mix: 0.02, seed: 0}
  model: {arch: mlp, depth: 2, window: 4, seq_len: 32}
  # WSD whose decay is a sixth of the run: what a harvesting ladder trains every run and its points with
  train: {batch_size: 32, schedule: wsd, decay: 0.16667, warmup: 0.05, eval_batches: 16}
`;

function cli(args) {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, CI: 'true' }, maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`scaletune ${args.join(' ')} exited ${r.status}: ${r.stderr.slice(-2000)}`);
  return { stdout: r.stdout, seconds: (Date.now() - t0) / 1000 };
}

function ladder(name, { harvest }) {
  const scales = WIDTHS.map((w) => `  - {name: w${w}, params: ${N_OF[w]}, tokens: ${TOKENS}, model: {width: ${w}}}`).join('\n');
  const text = `name: ${name}
method: random
metric: {name: val_loss, goal: minimize}
seed: 1
run_cap: 8
parallel: 2
transfer: ${harvest ? 'auto' : 'none'}
parameters:
  lr: {distribution: log_uniform_values, min: 0.001, max: 0.3}
${BACKEND}scales:
${scales}
target: {name: w${TARGET_WIDTH}, tokens: ${TOKENS}, model: {width: ${TARGET_WIDTH}}, params: 1}
${harvest ? 'harvest: {design: cooldown}\n' : ''}`;
  return text;
}

/** The target's N, read from a run of it (the trainer reports its non-embedding count). */
let targetN = null;

function runLadder(name, opts) {
  const file = path.join(dir, `${name}.yaml`);
  // the target's N is a placeholder until the first target run has reported it
  writeFileSync(file, ladder(name, opts).replace('params: 1}', `params: ${targetN}}`));
  const db = path.join(dir, `${name}.db`);
  const run = cli(['--db', db, 'run', file, '--no-live']);
  const report = JSON.parse(cli(['--db', db, 'report', name, '--format', 'json']).stdout).ladder;
  const compute = report.scales.reduce((s, x) => s + (x.compute ?? 0), 0);
  return { name, seconds: run.seconds, compute, lr: report.prediction?.lr ?? null, loss: report.prediction?.loss ?? null, smallestBest: report.scales[0].best, report };
}

/** Target runs at these (lr, seed) pairs: one study, a grid over the listed pairs. */
function trainTarget(name, pairs) {
  const lrs = [...new Set(pairs.map((p) => p.lr))];
  const seeds = [...new Set(pairs.map((p) => p.seed))];
  const file = path.join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    `name: ${name}\nmethod: grid\nmetric: {name: val_loss, goal: minimize}\nparallel: 2\nparameters:\n  lr: {values: [${lrs.join(', ')}]}\n  init_seed: {values: [${seeds.join(', ')}]}\n${BACKEND.replace('seq_len: 32}', `seq_len: 32, width: ${TARGET_WIDTH}}`).replace('eval_batches: 16}', `eval_batches: 16, tokens: ${TOKENS}}`)}`,
  );
  const db = path.join(dir, `${name}.db`);
  const run = cli(['--db', db, 'run', file, '--no-live']);
  const trials = JSON.parse(cli(['--db', db, 'trials', name, '--json']).stdout);
  const metrics = JSON.parse(cli(['--db', db, 'export', name, '--format', 'json', '--what', 'metrics']).stdout);
  const N = metrics.find((m) => m.name === 'params')?.value ?? null;
  const out = trials.filter((t) => t.state === 'complete').map((t) => ({ lr: t.params.lr, seed: t.params.init_seed, loss: t.value }));
  return { runs: out.filter((r) => pairs.some((p) => p.lr === r.lr && p.seed === r.seed)), seconds: run.seconds, N };
}

const t0 = Date.now();
console.log(`working in ${dir}`);
// 1. the target over the fixed grid, seed 0 (its N comes from these runs)
const grid = trainTarget('target-grid', GRID.map((lr) => ({ lr, seed: 0 })));
targetN = grid.N;
const byLoss = [...grid.runs].sort((a, b) => a.loss - b.loss);
const [b1, b2] = byLoss;
console.log(`target grid (${grid.seconds.toFixed(0)} s): ${grid.runs.map((r) => `${r.lr}: ${r.loss.toFixed(4)}`).join(', ')}`);
// 2. two more seeds at the best two grid points
const seeds = trainTarget('target-seeds', [b1, b2].flatMap((b) => [1, 2].map((seed) => ({ lr: b.lr, seed }))));
const atBest = [b1.loss, ...seeds.runs.filter((r) => r.lr === b1.lr).map((r) => r.loss)];
const mean = atBest.reduce((a, b) => a + b, 0) / atBest.length;
const spread = Math.sqrt(atBest.reduce((a, b) => a + (b - mean) ** 2, 0) / (atBest.length - 1)) / mean;
const best = Math.min(...grid.runs.map((r) => r.loss), ...seeds.runs.map((r) => r.loss));
// swept lr*: the vertex of a quadratic in log lr through the best grid point and its neighbours
const i = GRID.indexOf(b1.lr);
const neighbours = [GRID[i - 1], GRID[i], GRID[i + 1]].filter((x) => x !== undefined).map((lr) => grid.runs.find((r) => r.lr === lr));
let sweptLr = b1.lr;
if (neighbours.length === 3) {
  const [x0, x1, x2] = neighbours.map((r) => Math.log(r.lr));
  const [y0, y1, y2] = neighbours.map((r) => r.loss);
  const denom = (x0 - x1) * (x0 - x2) * (x1 - x2);
  const A = (x2 * (y1 - y0) + x1 * (y0 - y2) + x0 * (y2 - y1)) / denom;
  const B = (x2 * x2 * (y0 - y1) + x1 * x1 * (y2 - y0) + x0 * x0 * (y1 - y2)) / denom;
  if (A > 0) sweptLr = Math.exp(-B / (2 * A));
}
console.log(`target best ${best.toFixed(4)}; seed-to-seed spread at lr ${b1.lr}: ${(100 * spread).toFixed(2)}% (${atBest.map((x) => x.toFixed(4)).join(', ')}); swept lr* ${sweptLr.toPrecision(3)}`);

// 3. the ladders
const withBoth = runLadder('ladder-harvest-transfer', { harvest: true });
const plain = runLadder('ladder-plain', { harvest: false });
console.log(`ladders: harvest+transfer ${withBoth.seconds.toFixed(0)} s, plain ${plain.seconds.toFixed(0)} s`);
const small = plain.smallestBest.lr;
const rows = [
  { label: 'scaletune, harvest + transfer', lr: withBoth.lr.value, predicted: withBoth.loss, compute: withBoth.compute, seconds: withBoth.seconds },
  { label: 'scaletune, neither', lr: plain.lr.value, predicted: plain.loss, compute: plain.compute, seconds: plain.seconds },
  { label: "smallest scale's best lr as is", lr: small, predicted: null, compute: null, seconds: null },
  { label: 'muP 1/width from the smallest', lr: (small * WIDTHS[0]) / TARGET_WIDTH, predicted: null, compute: null, seconds: null },
];
// 4. the target at each row's learning rate
const at = trainTarget('target-predicted', rows.map((r) => ({ lr: Number(r.lr.toPrecision(4)), seed: 0 })));
for (const r of rows) r.measured = at.runs.find((x) => x.lr === Number(r.lr.toPrecision(4)))?.loss ?? null;

const pct = (x) => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(2)}%`;
const date = new Date().toISOString().slice(0, 10);
const lines = [
  `Measured ${date}: ${os.cpus()[0].model.trim()}, ${os.cpus().length} cores, backend torch (${process.env.SCALETUNE_PYTHON ?? 'python with torch'}), one thread per run, parallel 2; windowed MLP widths ${WIDTHS.join(', ')} on ${TOKENS} tokens, target width ${TARGET_WIDTH} (N ${targetN}); ${((Date.now() - t0) / 60000).toFixed(0)} min in all.`,
  `Target: best ${best.toFixed(4)} over lr ${GRID.join(', ')} (+ seeds 1, 2 at ${b1.lr} and ${b2.lr}); seed-to-seed spread at its best point ${(100 * spread).toFixed(2)}%; swept lr* ${sweptLr.toPrecision(3)}.`,
  '',
  '| recipe | predicted lr* | lr* over swept | predicted loss | measured at predicted lr | predicted vs measured | vs target best | proxy compute | wall |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ...rows.map((r) => {
    const p = r.predicted ? `${r.predicted.value.toFixed(4)}${r.predicted.interval ? ` [${r.predicted.interval.map((x) => x.toFixed(3)).join(', ')}]` : ''}` : '-';
    const pm = r.predicted && r.measured !== null ? pct(r.predicted.value / r.measured - 1) : '-';
    return `| ${r.label} | ${r.lr.toPrecision(3)} | ${(r.lr / sweptLr).toFixed(2)}x | ${p} | ${r.measured?.toFixed(4) ?? 'failed'} | ${pm} | ${r.measured !== null ? pct(r.measured / best - 1) : '-'} | ${r.compute ? r.compute.toExponential(2) : '-'} | ${r.seconds ? `${r.seconds.toFixed(0)} s` : '-'} |`;
  }),
];
const table = lines.join('\n');
console.log(`\n${table}`);
if (process.argv.includes('--write')) writeResultsSection('ladder-real', table);
