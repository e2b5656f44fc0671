// PBT against random search on the tfjs backend's synthetic-lm task: learning rate and weight decay,
// the same total training steps (population × max_steps = trials × steps), 5 seeds. Reports the best
// final held-out loss of each method per seed and their medians.
// Usage: npm run build && node bench/pbt/run.mjs [--write]
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync } from 'node:fs';
import { validateStudyConfig } from '../../dist/src/config/index.js';
import { MemoryStorage } from '../../dist/src/storage/memory.js';
import { runStudy } from '../../dist/src/orchestrator/run-study.js';
import { silentReporter } from '../../dist/src/report/reporter.js';
import { TfjsBackend } from '../../dist/src/backends/tfjs/backend.js';
import { writeResultsSection } from '../results.mjs';

const POP = 8;
const STEPS = 400;
const INTERVAL = 50;
const SEEDS = [1, 2, 3, 4, 5];

function config(method, seed) {
  return validateStudyConfig({
    method,
    metric: { name: 'val_loss', goal: 'minimize' },
    parallel: 2,
    seed,
    parameters: {
      lr: { distribution: 'log_uniform_values', min: 1e-3, max: 0.3 },
      weight_decay: { distribution: 'log_uniform_values', min: 1e-4, max: 0.3 },
    },
    backend: {
      type: 'tfjs',
      task: 'synthetic-lm',
      data: { vocab: 32, order: 2, branching: 4, seed: 0 },
      model: { arch: 'mlp', width: 32, depth: 2, window: 4, seq_len: 32 },
      train: { steps: STEPS, batch_size: 16, schedule: 'constant', warmup: 0, eval_batches: 8, eval_every: INTERVAL },
    },
    ...(method === 'pbt' ? { pbt: { population: POP, perturbation_interval: INTERVAL, max_steps: STEPS } } : { run_cap: POP }),
  });
}

async function best(method, seed) {
  const storage = new MemoryStorage();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-pbt-'));
  const study = await storage.createStudy({ name: `${method}-${seed}`, config: config(method, seed), seed, cwd: dir, artifactsDir: path.join(dir, 'runs') });
  const t0 = Date.now();
  await runStudy({ storage, study, backend: new TfjsBackend(), reporter: silentReporter });
  const trials = (await storage.getTrials(study.id)).filter((t) => t.state === 'COMPLETE' && (t.stopAt ?? STEPS) === STEPS);
  const steps = (await storage.getMetrics(study.id)).filter((m) => m.name === 'train_loss').length;
  return { loss: Math.min(...trials.map((t) => t.value)), seconds: (Date.now() - t0) / 1000, reports: steps };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rows = [];
for (const seed of SEEDS) {
  const p = await best('pbt', seed);
  const r = await best('random', seed);
  rows.push({ seed, p, r });
  console.log(`seed ${seed}: pbt ${p.loss.toFixed(4)} (${p.seconds.toFixed(0)} s), random ${r.loss.toFixed(4)} (${r.seconds.toFixed(0)} s)`);
}
const mp = median(rows.map((x) => x.p.loss));
const mr = median(rows.map((x) => x.r.loss));
const lines = [
  `PBT against random search (${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores): tfjs synthetic-lm (vocab 32, order 2), MLP width 32, batch 16 × 32 tokens; lr and weight decay log-uniform; population ${POP} × ${STEPS} steps (interval ${INTERVAL}) against ${POP} random trials × ${STEPS} steps — the same training steps. Best final val_loss per seed (lower is better).`,
  '',
  '| seed | PBT | random search | PBT wall time | random wall time |',
  '| ---: | ---: | ---: | ---: | ---: |',
  ...rows.map(({ seed, p, r }) => `| ${seed} | ${p.loss.toFixed(4)} | ${r.loss.toFixed(4)} | ${p.seconds.toFixed(0)} s | ${r.seconds.toFixed(0)} s |`),
  `| **median** | **${mp.toFixed(4)}** | **${mr.toFixed(4)}** | ${median(rows.map((x) => x.p.seconds)).toFixed(0)} s | ${median(rows.map((x) => x.r.seconds)).toFixed(0)} s |`,
  '',
  `Goal (PBT's median below random search's): ${mp < mr ? 'met' : 'missed'}. PBT's wall time is longer for the same steps: each of its ${POP * (STEPS / INTERVAL)} segments restores a checkpoint, saves one, is judged and waits for its decision (training threads are reused).`,
];
console.log(lines.join('\n'));
if (process.argv.includes('--write')) writeResultsSection('pbt', lines.join('\n'));
