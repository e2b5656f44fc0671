// Training throughput: the tfjs backend (the runtime `scaletune doctor` picks; WASM here) against the
// PyTorch reference trainer on CPU (Debian's python3-torch), same model, batch and data, in one run.
// Both count FLOPs the same way (model-spec.ts: 6·(matmul weights) + attention per token), so achieved
// GFLOP/s compare directly. Usage: npm run build && node bench/train/run.mjs [--python /usr/bin/python3]
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runInProcess } from '../../dist/src/backends/tfjs/run.js';
import { writeSyntheticTokens } from '../../dist/src/backends/tfjs/token-file.js';
import { writeResultsSection } from '../results.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const pyArg = process.argv.indexOf('--python');
const python = pyArg > 0 ? process.argv[pyArg + 1] : '/usr/bin/python3';
const data = { vocab: 32, order: 2, branching: 4, mix: 0.02, seed: 0 };
const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-train-'));
const tokensFile = path.join(dir, 'syn.bin');
writeSyntheticTokens(tokensFile, data, 2_000_000);

// the demo's four MLPs, a small transformer, and the reference MLP (width 256, 3 layers)
const models = [
  { name: 'demo MLP w16', s: { arch: 'mlp', width: 16, depth: 2, window: 4, seq_len: 32, batch_size: 32 }, steps: 200 },
  { name: 'demo MLP w32', s: { arch: 'mlp', width: 32, depth: 2, window: 4, seq_len: 32, batch_size: 32 }, steps: 150 },
  { name: 'demo MLP w64', s: { arch: 'mlp', width: 64, depth: 2, window: 4, seq_len: 32, batch_size: 32 }, steps: 100 },
  { name: 'demo MLP w128', s: { arch: 'mlp', width: 128, depth: 2, window: 4, seq_len: 32, batch_size: 32 }, steps: 60 },
  { name: 'MLP w256 3 layers', s: { arch: 'mlp', width: 256, depth: 3, window: 4, seq_len: 32, batch_size: 32 }, steps: 30 },
  { name: 'transformer w64 d2', s: { arch: 'transformer', width: 64, depth: 2, heads: 4, seq_len: 64, batch_size: 16 }, steps: 60 },
];

async function tfjs(m) {
  let last;
  let runtime = '';
  await runInProcess(
    { backend: { type: 'tfjs', task: 'synthetic-lm', runtime: 'auto', data, settings: { ...m.s, steps: m.steps, eval_every: m.steps, eval_batches: 1, lr: 0.01 } }, params: {}, checkpointDir: path.join(dir, 'ck'), resumeFrom: null },
    (msg) => {
      if (msg.type === 'report') last = msg.report.metrics;
      if (msg.type === 'log' && msg.line.startsWith('tfjs runtime:')) runtime = msg.line.split(/[ ;]/)[2];
    },
  );
  return { gflops: last.gflops_per_s, tps: last.tokens_per_s, runtime };
}

function torch(m, threads) {
  const args = [path.join(root, 'fixtures/trainers/torch_lm.py'), `--tokens_file=${tokensFile}`, '--bench=True', `--threads=${threads}`, `--steps=${m.steps}`, '--lr=0.01'];
  for (const [k, v] of Object.entries(m.s)) args.push(`--${k}=${v}`);
  const r = spawnSync(python, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`torch_lm.py failed: ${r.stderr}`);
  const last = JSON.parse(r.stdout.trim().split('\n').at(-1));
  return { gflops: last.gflops_per_s, tps: last.tokens_per_s };
}

// the ceiling: one plain matrix product of a hidden layer's shape (forward), tfjs against torch, 1 thread
async function tfjsMatmul(M, K, N) {
  const { loadRuntime } = await import('../../dist/src/backends/tfjs/runtime.js');
  const { tf } = await loadRuntime('auto');
  const a = tf.randomNormal([M, K]);
  const b = tf.randomNormal([K, N]);
  // (tidy must not return the data: it would walk every element looking for tensors)
  for (let i = 0; i < 5; i++) tf.tidy(() => void tf.matMul(a, b).dataSync());
  const n = 50;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) tf.tidy(() => void tf.matMul(a, b).dataSync());
  return (2 * M * K * N * n) / ((performance.now() - t0) / 1000) / 1e9;
}
function torchMatmul(M, K, N) {
  const code = `import torch,time\ntorch.set_num_threads(1)\na=torch.randn(${M},${K});b=torch.randn(${K},${N})\nfor _ in range(5): a@b\nt=time.perf_counter()\nfor _ in range(50): a@b\nprint(2*${M}*${K}*${N}*50/(time.perf_counter()-t)/1e9)`;
  return Number(spawnSync(python, ['-c', code], { encoding: 'utf8' }).stdout.trim());
}

const ver = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' }).stdout.trim();
const rows = [];
for (const m of models) {
  const t = await tfjs(m);
  const p1 = torch(m, 1);
  const p2 = torch(m, os.cpus().length);
  rows.push({ m, t, p1, p2 });
  console.log(`${m.name}: tfjs-${t.runtime} ${t.gflops.toFixed(2)} GFLOP/s, torch 1 thread ${p1.gflops.toFixed(2)}, torch ${os.cpus().length} threads ${p2.gflops.toFixed(2)}`);
}
const shapes = [[1024, 256, 64], [1024, 512, 128], [1024, 256, 256]];
const mm = [];
for (const [M, K, N] of shapes) mm.push({ shape: `${M}×${K} · ${K}×${N}`, t: await tfjsMatmul(M, K, N), p: torchMatmul(M, K, N) });
const f = (x) => x.toFixed(2);
const k = (x) => `${(x / 1000).toFixed(1)}k`;
const lines = [
  `Training throughput (${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores ${os.cpus()[0].model}, Node ${process.version}, torch ${ver} CPU fp32). One tfjs run uses one core (runs go to worker threads, \`parallel: 2\` fills both); torch is shown on 1 thread (the same footing) and on all cores. Achieved GFLOP/s with the same FLOP count on both sides; tokens/s in parentheses.`,
  '',
  `| model | tfjs-${rows[0].t.runtime} GFLOP/s | PyTorch 1 thread | PyTorch ${os.cpus().length} threads | tfjs ÷ PyTorch (1 thread) |`,
  '| --- | ---: | ---: | ---: | ---: |',
  ...rows.map(({ m, t, p1, p2 }) => `| ${m.name} | ${f(t.gflops)} (${k(t.tps)}) | ${f(p1.gflops)} (${k(p1.tps)}) | ${f(p2.gflops)} (${k(p2.tps)}) | ${(t.gflops / p1.gflops).toFixed(2)}× |`),
  '',
  'What limits it: one plain matrix product (the forward of a hidden layer), 1 thread each, GFLOP/s.',
  '',
  `| product | tfjs-${rows[0].t.runtime} | PyTorch | ratio |`,
  '| --- | ---: | ---: | ---: |',
  ...mm.map((x) => `| ${x.shape} | ${f(x.t)} | ${f(x.p)} | ${(x.t / x.p).toFixed(2)}× |`),
];
console.log(lines.join('\n'));
writeResultsSection('train', lines.join('\n'));
