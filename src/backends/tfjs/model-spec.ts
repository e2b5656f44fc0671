/**
 * The model family as data: every weight with its shape, its role, how it is initialised and its
 * learning-rate multiplier (standard parametrization, or muP as in ../shared/SCIENCE.md), and the counts
 * scaling laws need. Pure, so accounting and the PyTorch reference trainer can agree on it.
 *
 * Parameter counts: N is the non-embedding count (every weight except the token and position embeddings
 * and the readout), as in Kaplan et al. FLOPs per token of training follow the PaLM convention used for
 * model FLOPs utilization: 6·(N + readout) for the matrix products plus 12·depth·seq_len·width for
 * attention (QKᵀ and AV, forward and backward). The one-hot product that embeds tokens is an
 * implementation detail and is not counted.
 */
import type { RunSettings } from './settings.js';

export type Role = 'embedding' | 'hidden' | 'readout' | 'gain' | 'bias';

export interface WeightSpec {
  name: string;
  shape: number[];
  role: Role;
  /** initial values: normal(0, std), or a constant */
  init: { normal: number } | { constant: number };
  /** multiplies the global learning rate */
  lrMult: number;
  /** gets decoupled weight decay */
  decay: boolean;
}

export interface ModelSpec {
  weights: WeightSpec[];
  /** non-embedding parameters (N) */
  nonEmbedding: number;
  total: number;
  /** training FLOPs per token (see the module comment) */
  flopsPerToken: number;
  /** multiplier of the readout's output (1/m under muP) */
  outputMult: number;
  /** attention logit scale */
  attnScale: number;
  /** extra vocabulary row for the MLP's padding token */
  padToken: number | null;
}

export function modelSpec(s: Pick<RunSettings, 'arch' | 'width' | 'depth' | 'heads' | 'seqLen' | 'mlpRatio' | 'window' | 'mup' | 'baseWidth' | 'initStd'>, vocab: number): ModelSpec {
  const d = s.width;
  const m = s.mup ? d / s.baseWidth : 1;
  const hiddenLr = 1 / m;
  const embStd = 0.3;
  const w: WeightSpec[] = [];
  const hidden = (name: string, fanIn: number, fanOut: number, extra = 1): void =>
    void w.push({ name, shape: [fanIn, fanOut], role: 'hidden', init: { normal: (s.initStd * extra) / Math.sqrt(fanIn) }, lrMult: hiddenLr, decay: true });
  const gain = (name: string, n: number): void => void w.push({ name, shape: [n], role: 'gain', init: { constant: 1 }, lrMult: 1, decay: false });
  const bias = (name: string, n: number): void => void w.push({ name, shape: [n], role: 'bias', init: { constant: 0 }, lrMult: 1, decay: false });

  let attention = 0;
  let padToken: number | null = null;
  if (s.arch === 'transformer') {
    const ff = Math.max(1, Math.round(d * s.mlpRatio));
    const resid = 1 / Math.sqrt(2 * s.depth);
    w.push({ name: 'tok_emb', shape: [vocab, d], role: 'embedding', init: { normal: embStd }, lrMult: 1, decay: false });
    w.push({ name: 'pos_emb', shape: [s.seqLen, d], role: 'embedding', init: { normal: embStd }, lrMult: 1, decay: false });
    for (let l = 0; l < s.depth; l++) {
      gain(`h${l}.ln1`, d);
      hidden(`h${l}.qkv`, d, 3 * d);
      hidden(`h${l}.proj`, d, d, resid);
      gain(`h${l}.ln2`, d);
      hidden(`h${l}.fc`, d, ff);
      hidden(`h${l}.out`, ff, d, resid);
    }
    gain('ln_f', d);
    attention = 12 * s.depth * s.seqLen * d;
  } else {
    padToken = vocab;
    w.push({ name: 'tok_emb', shape: [vocab + 1, d], role: 'embedding', init: { normal: embStd }, lrMult: 1, decay: false });
    for (let l = 0; l < s.depth; l++) {
      hidden(`h${l}.fc`, l === 0 ? s.window * d : d, d);
      bias(`h${l}.b`, d);
    }
    gain('ln_f', d);
  }
  // zero-initialised readout: uniform predictions at step 0 (and the muP-friendly choice)
  w.push({ name: 'readout', shape: [d, vocab], role: 'readout', init: { constant: 0 }, lrMult: 1, decay: true });

  const size = (x: WeightSpec): number => x.shape.reduce((a, b) => a * b, 1);
  const total = w.reduce((a, x) => a + size(x), 0);
  const nonEmbedding = w.filter((x) => x.role !== 'embedding' && x.role !== 'readout').reduce((a, x) => a + size(x), 0);
  const matmul = w.filter((x) => x.role === 'hidden' || x.role === 'readout').reduce((a, x) => a + size(x), 0);
  const headDim = d / s.heads;
  const baseHeadDim = s.baseWidth / s.heads;
  return {
    weights: w,
    nonEmbedding,
    total,
    flopsPerToken: 6 * matmul + attention,
    outputMult: 1 / m,
    attnScale: s.mup ? Math.sqrt(baseHeadDim) / headDim : 1 / Math.sqrt(headDim),
    padToken,
  };
}
