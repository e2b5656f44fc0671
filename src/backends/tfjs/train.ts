/**
 * The training loop of the in-process backend: AdamW with per-weight learning-rate multipliers (muP),
 * gradient clipping by global norm, the schedules of schedule.ts, held-out evaluation, checkpoints of
 * the weights and optimizer state, divergence detection, and the accounting of parameters, tokens and
 * FLOPs. It reports through callbacks, so it runs the same in a worker thread and in a test.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { modelSpec, type ModelSpec } from './model-spec.js';
import { activationRms, createWeights, crossEntropy, forward, type Weights } from './model.js';
import type { TF } from './runtime.js';
import { learningRate } from './schedule.js';
import type { RunSettings } from './settings.js';
import type { Task } from './tasks.js';

type Tensor = import('@tensorflow/tfjs').Tensor;

export interface TrainReport {
  step: number;
  tokens: number;
  metrics: Record<string, number>;
  checkpoint?: string;
  totalSteps: number;
}

export interface TrainOptions {
  tf: TF;
  settings: RunSettings;
  task: Task;
  /** where checkpoints go; none are written when null */
  checkpointDir: string | null;
  resumeFrom: string | null;
  report(r: TrainReport): void;
  log?(line: string): void;
  /** stop after this step, with an evaluation and a checkpoint there (a PBT segment) */
  stopAfter?: number;
  /** likewise, once this many tokens have been seen (PBT intervals in tokens) */
  stopAtTokens?: number;
  /** add the activations' sizes (`rms/<layer>`, muP's coordinate check) to the final report */
  coordinateCheck?: boolean;
  /** harvesting: steps to save a checkpoint at that later branches start from (kept, whatever keep_checkpoints says) */
  harvestCheckpoints?: ReadonlySet<number>;
  /** harvesting (WSD-S): steps at the bottom of a decay, each evaluated and reported with `harvest`: its tokens */
  harvestPoints?: ReadonlySet<number>;
}

export interface TrainSummary {
  steps: number;
  tokens: number;
  finalTrainLoss: number;
  finalValLoss: number;
  spec: ModelSpec;
}

/** A run that diverged; the message says when and how. */
export class DivergedError extends Error {
  override name = 'DivergedError';
}

const CHECKPOINT_FORMAT = 'scaletune-tfjs-1';

/**
 * AdamW's state in plain arrays: the master weights, and the first and second moments. The update runs
 * in JavaScript over them (one pass per weight) and the model's variables are assigned from the master
 * weights; on WASM this is several times faster than the dozen tensor ops per weight it replaces.
 */
interface OptimizerState {
  p: Map<string, Float32Array>;
  m: Map<string, Float32Array>;
  v: Map<string, Float32Array>;
}

/** The shape-defining settings a checkpoint must match to be restored. */
function architectureOf(s: RunSettings, vocab: number): Record<string, unknown> {
  return { arch: s.arch, width: s.width, depth: s.depth, heads: s.heads, seq_len: s.seqLen, mlp_ratio: s.mlpRatio, window: s.window, vocab };
}

export async function train(o: TrainOptions): Promise<TrainSummary> {
  const { tf, settings: s, task } = o;
  const V = task.vocab;
  const spec = modelSpec(s, V);
  const rows = s.batchSize;
  const T = s.seqLen;
  const tokensPerStep = rows * T;
  if ('checkWindow' in task && typeof task.checkWindow === 'function') (task.checkWindow as (n: number) => void)(T);

  const weights = createWeights(tf, spec, s.initSeed);
  const state: OptimizerState = { p: new Map(), m: new Map(), v: new Map() };
  for (const ws of spec.weights) {
    const p = Float32Array.from(weights.get(ws.name)!.dataSync() as Float32Array);
    state.p.set(ws.name, p);
    state.m.set(ws.name, new Float32Array(p.length));
    state.v.set(ws.name, new Float32Array(p.length));
  }
  try {
    return await trainWith(o, spec, weights, state);
  } finally {
    for (const x of weights.values()) x.dispose();
  }
}

async function trainWith(o: TrainOptions, spec: ModelSpec, weights: Weights, state: OptimizerState): Promise<TrainSummary> {
  const { tf, settings: s, task } = o;
  const V = task.vocab;
  const rows = s.batchSize;
  const T = s.seqLen;
  const tokensPerStep = rows * T;
  let startStep = 0;
  // tokens are counted, not derived from the step: PBT may change the batch size between segments
  let tokens = 0;
  if (o.resumeFrom) {
    const at = loadCheckpoint(tf, o.resumeFrom, spec, weights, state, architectureOf(s, V));
    startStep = at.step;
    tokens = at.tokens ?? startStep * tokensPerStep;
    o.log?.(`resumed from ${o.resumeFrom} at step ${startStep}`);
  }
  const startTokens = tokens;

  const varList = spec.weights.map((ws) => weights.get(ws.name)!);
  const lossFn = (batch: Int32Array): Tensor => crossEntropy(tf, forward(tf, s, spec, weights, batch, rows, T, V), batch, rows, T, V);

  const evaluate = (): number => {
    let sum = 0;
    for (let i = 0; i < s.evalBatches; i++) {
      const batch = task.batch('val', i, rows, T);
      sum += tf.tidy(() => lossFn(batch).dataSync()[0]!);
    }
    return sum / s.evalBatches;
  };

  const schedule = { ...s, totalSteps: s.steps, tokensPerStep };
  let windowLoss = 0;
  let windowSteps = 0;
  let lastTrain = NaN;
  let lastVal = NaN;
  let trainMs = 0;
  const saved: string[] = [];
  const floor = task.lossFloor(T);

  for (let step = startStep; step < s.steps; step++) {
    const t0 = performance.now();
    const batch = task.batch('train', step, rows, T);
    const lr = learningRate(schedule, step);
    let normValue = 0;
    const loss = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => lossFn(batch) as import('@tensorflow/tfjs').Scalar, varList);
      normValue = adamw(tf, s, spec, weights, state, grads, lr, step + 1);
      return value;
    });
    const lossValue = loss.dataSync()[0]!;
    loss.dispose();
    trainMs += performance.now() - t0;

    const done = step + 1;
    tokens += tokensPerStep;
    if (!Number.isFinite(lossValue)) throw new DivergedError(`diverged: train_loss was ${lossValue} at step ${done} (lr ${lr.toPrecision(3)})`);
    if (s.divergeLoss !== null && lossValue > s.divergeLoss) {
      throw new DivergedError(`diverged: train_loss ${lossValue.toFixed(3)} at step ${done} is above diverge_loss ${s.divergeLoss.toFixed(3)} (lr ${lr.toPrecision(3)})`);
    }
    windowLoss += lossValue;
    windowSteps++;

    const last = done === s.steps;
    // the end of a segment (PBT) is judged on a fresh evaluation and continued from a checkpoint there
    const segmentEnd = (o.stopAfter !== undefined && done === o.stopAfter) || (o.stopAtTokens !== undefined && tokens >= o.stopAtTokens && tokens - tokensPerStep < o.stopAtTokens);
    const harvested = o.harvestPoints?.has(done) ?? false;
    const branchFrom = o.harvestCheckpoints?.has(done) ?? false;
    const atEval = done % s.evalEvery === 0 || last || segmentEnd || harvested || branchFrom;
    const atLog = done % s.logEvery === 0 || last || atEval;
    const atCheckpoint = o.checkpointDir !== null && ((s.checkpointEvery > 0 && done % s.checkpointEvery === 0) || last || segmentEnd || branchFrom);
    if (!atLog) continue;

    lastTrain = windowLoss / windowSteps;
    windowLoss = 0;
    windowSteps = 0;
    const metrics: Record<string, number> = { train_loss: lastTrain, lr, grad_norm: normValue };
    if (atEval) metrics.val_loss = lastVal = evaluate();
    if (harvested) metrics.harvest = tokens;
    if (last) {
      const seconds = trainMs / 1000;
      const trainedTokens = tokens - startTokens;
      metrics.params = spec.nonEmbedding;
      metrics.params_total = spec.total;
      metrics.flops = spec.flopsPerToken * tokens;
      metrics.tokens_per_s = trainedTokens / seconds;
      metrics.gflops_per_s = (spec.flopsPerToken * trainedTokens) / seconds / 1e9;
      if (floor !== null) metrics.loss_floor = floor;
      if (o.coordinateCheck) {
        for (const [k, v] of Object.entries(activationRms(tf, s, spec, weights, task.batch('val', 0, rows, T), rows, T, V))) metrics[`rms/${k}`] = v;
      }
    }
    const r: TrainReport = { step: done, tokens, metrics, totalSteps: s.steps };
    if (atCheckpoint) {
      r.checkpoint = saveCheckpoint(tf, o.checkpointDir!, done, tokens, spec, weights, state, architectureOf(s, V));
      // a branch starts from it after this run ends: out of the rotation
      if (!branchFrom) saved.push(r.checkpoint);
      while (saved.length > s.keepCheckpoints) rmSync(saved.shift()!, { recursive: true, force: true });
    }
    o.report(r);
    if ((o.stopAfter !== undefined && done >= o.stopAfter) || segmentEnd) break;
  }

  return { steps: s.steps, tokens, finalTrainLoss: lastTrain, finalValLoss: lastVal, spec };
}

/**
 * One AdamW step in PyTorch's form — decoupled decay p ← p·(1 − lr·wd), then
 * p ← p − lr/bc1 · m / (√v/√bc2 + ε) — with each weight's learning rate multiplied by its muP factor and
 * the gradients clipped to a global norm. Returns that norm (before clipping).
 */
function adamw(tf: TF, s: RunSettings, spec: ModelSpec, weights: Weights, state: OptimizerState, grads: Record<string, Tensor>, lr: number, t: number): number {
  const gs = spec.weights.map((ws) => grads[weights.get(ws.name)!.name]!.dataSync() as Float32Array);
  let sq = 0;
  for (const g of gs) for (let i = 0; i < g.length; i++) sq += g[i]! * g[i]!;
  const norm = Math.sqrt(sq);
  const f = s.clip > 0 ? Math.min(1, s.clip / (norm + 1e-6)) : 1;
  const { beta1: b1, beta2: b2, eps } = s;
  const bc1 = 1 - b1 ** t;
  const sqrtBc2 = Math.sqrt(1 - b2 ** t);
  spec.weights.forEach((ws, k) => {
    const g = gs[k]!;
    const p = state.p.get(ws.name)!;
    const m = state.m.get(ws.name)!;
    const v = state.v.get(ws.name)!;
    const lrW = lr * ws.lrMult;
    const keep = ws.decay ? 1 - lrW * s.weightDecay : 1;
    const stepSize = lrW / bc1;
    for (let i = 0; i < p.length; i++) {
      const gi = g[i]! * f;
      const mi = (m[i] = b1 * m[i]! + (1 - b1) * gi);
      const vi = (v[i] = b2 * v[i]! + (1 - b2) * gi * gi);
      p[i] = p[i]! * keep - (stepSize * mi!) / (Math.sqrt(vi!) / sqrtBc2 + eps);
    }
    weights.get(ws.name)!.assign(tf.tensor(p, ws.shape, 'float32'));
  });
  return norm;
}

/**
 * Write weights and optimizer state to `<dir>/step-NNNNNN/` (written to a temporary folder, then renamed,
 * so a checkpoint is either whole or absent). Returns its path.
 */
export function saveCheckpoint(tf: TF, dir: string, step: number, tokens: number, spec: ModelSpec, weights: Weights, state: OptimizerState, architecture: Record<string, unknown>): string {
  mkdirSync(dir, { recursive: true });
  const final = path.join(dir, `step-${String(step).padStart(7, '0')}`);
  const tmp = `${final}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  const entries: { name: string; shape: number[]; offset: number }[] = [];
  const parts: Float32Array[] = [];
  let offset = 0;
  for (const ws of spec.weights) {
    for (const [suffix, data] of [['', state.p.get(ws.name)!], ['/m', state.m.get(ws.name)!], ['/v', state.v.get(ws.name)!]] as const) {
      entries.push({ name: ws.name + suffix, shape: ws.shape, offset });
      parts.push(data);
      offset += data.length;
    }
  }
  const all = new Float32Array(offset);
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  writeFileSync(path.join(tmp, 'tensors.f32'), Buffer.from(all.buffer, all.byteOffset, all.byteLength));
  writeFileSync(path.join(tmp, 'state.json'), JSON.stringify({ format: CHECKPOINT_FORMAT, step, tokens, architecture, tensors: entries, littleEndian: true }, null, 1));
  rmSync(final, { recursive: true, force: true });
  renameSync(tmp, final);
  void tf;
  return final;
}

/** Restore a checkpoint into the weights and optimizer state; returns its step and tokens seen. */
export function loadCheckpoint(tf: TF, dir: string, spec: ModelSpec, weights: Weights, state: OptimizerState, architecture: Record<string, unknown>): { step: number; tokens: number | null } {
  const meta = path.join(dir, 'state.json');
  if (!existsSync(meta)) {
    const inside = existsSync(dir) ? readdirSync(dir).slice(0, 5).join(', ') : 'nothing (it does not exist)';
    throw new Error(`checkpoint ${dir} has no state.json (found: ${inside || 'an empty folder'}); it was not written by the tfjs backend`);
  }
  const info = JSON.parse(readFileSync(meta, 'utf8')) as { format: string; step: number; tokens?: number; architecture: Record<string, unknown>; tensors: { name: string; shape: number[]; offset: number }[] };
  if (info.format !== CHECKPOINT_FORMAT) throw new Error(`checkpoint ${dir} has format ${info.format}; this version reads ${CHECKPOINT_FORMAT}`);
  for (const [k, v] of Object.entries(architecture)) {
    if (info.architecture[k] !== v) throw new Error(`checkpoint ${dir} was saved by a model with ${k} ${JSON.stringify(info.architecture[k])}; this run has ${k} ${JSON.stringify(v)}`);
  }
  const buf = readFileSync(path.join(dir, 'tensors.f32'));
  const all = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  const byName = new Map(info.tensors.map((t) => [t.name, t]));
  for (const ws of spec.weights) {
    const n = ws.shape.reduce((a, b) => a * b, 1);
    for (const [suffix, target] of [['', state.p.get(ws.name)!], ['/m', state.m.get(ws.name)!], ['/v', state.v.get(ws.name)!]] as const) {
      const e = byName.get(ws.name + suffix);
      if (!e) throw new Error(`checkpoint ${dir} has no tensor ${ws.name + suffix}`);
      target.set(all.subarray(e.offset, e.offset + n));
    }
    tf.tidy(() => weights.get(ws.name)!.assign(tf.tensor(state.p.get(ws.name)!, ws.shape, 'float32')));
  }
  return { step: info.step, tokens: typeof info.tokens === 'number' ? info.tokens : null };
}
