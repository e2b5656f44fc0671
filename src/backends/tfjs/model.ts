/**
 * The models in TensorFlow.js ops: a pre-LayerNorm decoder-only transformer and a windowed MLP, both
 * built from `modelSpec`. Tokens are embedded by a gather whose gradient is a one-hot matrix product
 * (the WASM backend lacks gather's own gradient, UnsortedSegmentSum); cross-entropy multiplies by
 * one-hot targets.
 */
import { Rng } from '../../core/rng.js';
import type { ModelSpec, WeightSpec } from './model-spec.js';
import type { TF } from './runtime.js';
import type { RunSettings } from './settings.js';

type Tensor = import('@tensorflow/tfjs').Tensor;
type Variable = import('@tensorflow/tfjs').Variable;

export type Weights = Map<string, Variable>;

/** Initial values, from our own seeded generator so they do not depend on the runtime. */
export function initialValues(spec: WeightSpec, seed: number): Float32Array {
  const n = spec.shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  if ('constant' in spec.init) return out.fill(spec.init.constant);
  const rng = new Rng(seed, hashName(spec.name));
  for (let i = 0; i < n; i++) out[i] = rng.normal(0, spec.init.normal);
  return out;
}

function hashName(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

export function createWeights(tf: TF, spec: ModelSpec, seed: number): Weights {
  const w: Weights = new Map();
  for (const ws of spec.weights) w.set(ws.name, tf.variable(tf.tensor(initialValues(ws, seed), ws.shape, 'float32'), true));
  return w;
}

function layerNorm(tf: TF, x: Tensor, gain: Tensor): Tensor {
  const mean = tf.mean(x, -1, true);
  const centered = tf.sub(x, mean);
  const variance = tf.mean(tf.square(centered), -1, true);
  return tf.mul(tf.mul(centered, tf.rsqrt(tf.add(variance, 1e-5))), gain);
}

/** GELU, tanh form (the ops every backend has). */
function gelu(tf: TF, x: Tensor): Tensor {
  // x·x·x rather than pow(x, 3): Pow and its gradient are slow on WASM
  const inner = tf.mul(tf.add(x, tf.mul(tf.mul(tf.mul(x, x), x), 0.044715)), Math.sqrt(2 / Math.PI));
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1));
}

/** Swap the last two axes. */
function swapLast(tf: TF, x: Tensor): Tensor {
  const r = x.rank;
  const perm = Array.from({ length: r }, (_, i) => i);
  perm[r - 2] = r - 1;
  perm[r - 1] = r - 2;
  return tf.transpose(x, perm);
}

const products = new WeakMap<object, (a: Tensor, b: Tensor) => Tensor>();

/**
 * a·b whose gradients use explicit transposes: the WASM backend's matrix product with transposeA or
 * transposeB set is about ten times slower than transposing first (measured in bench/train), and the
 * default gradient of matMul uses both.
 */
export function matMulFor(tf: TF): (a: Tensor, b: Tensor) => Tensor {
  if (tf.getBackend() !== 'wasm') return (a, b) => tf.matMul(a, b);
  let f = products.get(tf);
  if (!f) {
    const g = tf.customGrad(((a: Tensor, b: Tensor, save: (t: Tensor[]) => void) => {
      save([a, b]);
      return {
        value: tf.matMul(a, b),
        gradFunc: (dy: Tensor, saved: Tensor[]) => [tf.matMul(dy, swapLast(tf, saved[1]!)), tf.matMul(swapLast(tf, saved[0]!), dy)],
      };
    }) as unknown as Parameters<TF['customGrad']>[0]);
    f = (a, b) => g(a, b);
    products.set(tf, f);
  }
  return f;
}

/**
 * Rows `ids` of the embedding table E [V, d]. The native runtime gathers with its own kernels. On WASM and
 * the pure-JS CPU backend the rows are copied and their gradient scatter-added in plain JavaScript:
 * WASM has no kernel for gather's gradient (UnsortedSegmentSum), its GatherV2 is slow (8 ms for 4096
 * rows of 64, measured), and a one-hot matrix product costs as much as a hidden layer.
 */
export function embed(tf: TF, E: Tensor, ids: Int32Array): Tensor {
  if (tf.getBackend() === 'tensorflow') return tf.gather(E, tf.tensor1d(ids, 'int32'));
  const [V, d] = E.shape as [number, number];
  const n = ids.length;
  const f = tf.customGrad(((table: Tensor, save: (t: Tensor[]) => void) => {
    save([]);
    const src = table.dataSync() as Float32Array;
    const out = new Float32Array(n * d);
    for (let j = 0; j < n; j++) out.set(src.subarray(ids[j]! * d, ids[j]! * d + d), j * d);
    return {
      value: tf.tensor2d(out, [n, d]),
      gradFunc: (dy: Tensor) => {
        const g = dy.dataSync() as Float32Array;
        const acc = new Float32Array(V * d);
        for (let j = 0; j < n; j++) {
          const row = ids[j]! * d;
          const at = j * d;
          for (let c = 0; c < d; c++) acc[row + c]! += g[at + c]!;
        }
        return [tf.tensor2d(acc, [V, d])];
      },
    };
  }) as unknown as Parameters<TF['customGrad']>[0]);
  return f(E) as Tensor;
}

const masks = new WeakMap<object, Map<number, Tensor>>();

/** Additive causal mask [T, T]: 0 on and below the diagonal, −1e9 above. Cached per runtime. */
function causalMask(tf: TF, T: number): Tensor {
  let byT = masks.get(tf);
  if (!byT) masks.set(tf, (byT = new Map()));
  let m = byT.get(T);
  if (!m) {
    const v = new Float32Array(T * T);
    for (let i = 0; i < T; i++) for (let j = i + 1; j < T; j++) v[i * T + j] = -1e9;
    m = tf.keep(tf.tensor2d(v, [T, T]));
    byT.set(T, m);
  }
  return m;
}

/**
 * Logits [rows·T, V] for `tokens` (rows sequences of T+1 tokens; the first T of each are the inputs).
 */
export function forward(tf: TF, s: RunSettings, spec: ModelSpec, w: Weights, inputs: Int32Array, rows: number, T: number, vocab: number, probe?: (name: string, t: Tensor) => void): Tensor {
  const W = (name: string): Tensor => w.get(name)!;
  const d = s.width;
  const mm = matMulFor(tf);
  if (s.arch === 'transformer') {
    const ids = new Int32Array(rows * T);
    for (let r = 0; r < rows; r++) ids.set(inputs.subarray(r * (T + 1), r * (T + 1) + T), r * T);
    let h = tf.add(tf.reshape(embed(tf, W('tok_emb'), ids), [rows, T, d]), W('pos_emb'));
    probe?.('embed', h);
    const H = s.heads;
    const dh = d / H;
    const mask = causalMask(tf, T);
    const heads = (x: Tensor): Tensor => tf.reshape(tf.transpose(tf.reshape(x, [rows, T, H, dh]), [0, 2, 1, 3]), [rows * H, T, dh]);
    for (let l = 0; l < s.depth; l++) {
      const a = tf.reshape(layerNorm(tf, h, W(`h${l}.ln1`)), [rows * T, d]);
      // split the (small) weight rather than the activations: SplitV of activations is slow on WASM
      const [wq, wk, wv] = tf.split(W(`h${l}.qkv`), 3, 1) as [Tensor, Tensor, Tensor];
      const q = tf.reshape(mm(a, wq), [rows, T, d]);
      const k = tf.reshape(mm(a, wk), [rows, T, d]);
      const v = tf.reshape(mm(a, wv), [rows, T, d]);
      const scores = tf.add(tf.mul(mm(heads(q), swapLast(tf, heads(k))), spec.attnScale), mask);
      const att = mm(tf.softmax(scores), heads(v));
      const merged = tf.reshape(tf.transpose(tf.reshape(att, [rows, H, T, dh]), [0, 2, 1, 3]), [rows * T, d]);
      h = tf.add(h, tf.reshape(mm(merged, W(`h${l}.proj`)), [rows, T, d]));
      const b = tf.reshape(layerNorm(tf, h, W(`h${l}.ln2`)), [rows * T, d]);
      const ff = mm(gelu(tf, mm(b, W(`h${l}.fc`))), W(`h${l}.out`));
      h = tf.add(h, tf.reshape(ff, [rows, T, d]));
      probe?.(`h${l}`, h);
    }
    const out = mm(tf.reshape(layerNorm(tf, h, W('ln_f')), [rows * T, d]), W('readout'));
    const logits = spec.outputMult === 1 ? out : tf.mul(out, spec.outputMult);
    probe?.('logits', logits);
    return logits;
  }
  // MLP: each prediction sees the `window` tokens before it (padding before the start of the sequence)
  const k = s.window;
  const pad = spec.padToken!;
  const ids = new Int32Array(rows * T * k);
  for (let r = 0; r < rows; r++) {
    const seq = r * (T + 1);
    for (let t = 0; t < T; t++) {
      const at = (r * T + t) * k;
      for (let j = 0; j < k; j++) {
        const src = t - (k - 1) + j;
        ids[at + j] = src >= 0 ? inputs[seq + src]! : pad;
      }
    }
  }
  let h = tf.reshape(embed(tf, W('tok_emb'), ids), [rows * T, k * d]);
  probe?.('embed', h);
  for (let l = 0; l < s.depth; l++) {
    h = gelu(tf, tf.add(mm(h, W(`h${l}.fc`)), W(`h${l}.b`)));
    probe?.(`h${l}`, h);
  }
  const out = mm(layerNorm(tf, h, W('ln_f')), W('readout'));
  const logits = spec.outputMult === 1 ? out : tf.mul(out, spec.outputMult);
  probe?.('logits', logits);
  return logits;
}

/**
 * Root-mean-square size of the activations (embedding output, each block's output, logits) on one
 * batch: muP's coordinate check — under muP they stay about the same as width grows.
 */
export function activationRms(tf: TF, s: RunSettings, spec: ModelSpec, w: Weights, inputs: Int32Array, rows: number, T: number, vocab: number): Record<string, number> {
  const out: Record<string, number> = {};
  tf.tidy(() => {
    forward(tf, s, spec, w, inputs, rows, T, vocab, (name, t) => {
      out[name] = Math.sqrt(tf.mean(tf.square(t)).dataSync()[0]!);
    });
  });
  return out;
}

/** Mean next-token cross-entropy (nats) of the logits against the targets of `tokens`. */
export function crossEntropy(tf: TF, logits: Tensor, tokens: Int32Array, rows: number, T: number, vocab: number): Tensor {
  const targets = new Int32Array(rows * T);
  for (let r = 0; r < rows; r++) targets.set(tokens.subarray(r * (T + 1) + 1, (r + 1) * (T + 1)), r * T);
  const y = tf.oneHot(tf.tensor1d(targets, 'int32'), vocab);
  return tf.neg(tf.mean(tf.sum(tf.mul(y, tf.logSoftmax(logits)), -1)));
}
