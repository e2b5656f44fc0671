/**
 * Proxy tasks: where the tokens come from. Every batch is a pure function of (task seed, split, batch
 * index), so a run resumed from a checkpoint sees exactly the batches it would have seen, and every trial
 * of a study is evaluated on the same held-out batches.
 */
import { Rng } from '../../core/rng.js';
import { MarkovSource, type MarkovOptions } from './language.js';

export type Split = 'train' | 'val';

export interface Task {
  readonly name: 'synthetic-lm' | 'text-lm';
  readonly vocab: number;
  /** `rows` sequences of `seqLen + 1` tokens (inputs are the first seqLen, targets the last seqLen) */
  batch(split: Split, index: number, rows: number, seqLen: number): Int32Array;
  /** loss of the best model that ignores context (nats) */
  readonly unigramEntropy: number;
  /** the exact Bayes loss for a window of seqLen tokens, when the source is known (synthetic-lm) */
  lossFloor(seqLen: number): number | null;
  /** facts for reports and for the trial's record */
  describe(): Record<string, number | string>;
}

export class SyntheticLmTask implements Task {
  readonly name = 'synthetic-lm' as const;
  readonly source: MarkovSource;

  constructor(readonly options: MarkovOptions) {
    this.source = new MarkovSource(options);
  }

  get vocab(): number {
    return this.source.vocab;
  }

  get unigramEntropy(): number {
    return this.source.unigramEntropy;
  }

  batch(split: Split, index: number, rows: number, seqLen: number): Int32Array {
    const out = new Int32Array(rows * (seqLen + 1));
    const rng = new Rng(this.options.seed, split === 'train' ? 1 : 2, index);
    for (let r = 0; r < rows; r++) this.source.sample(rng, seqLen + 1, out, r * (seqLen + 1));
    return out;
  }

  lossFloor(seqLen: number): number {
    return this.source.bayesLoss(seqLen);
  }

  describe(): Record<string, number | string> {
    const { vocab, order, branching, mix, seed } = this.options;
    return { task: this.name, vocab, order, branching, mix, seed, entropy_rate: this.source.entropyRate, unigram_entropy: this.source.unigramEntropy };
  }
}

export interface TextCorpus {
  /** where it was read from, for messages */
  path: string;
  text: string;
}

/** A text as character tokens: its distinct characters (code points) in sorted order, and each one's index. */
export function characterTokens(text: string): { chars: string[]; tokens: Int32Array } {
  const symbols = Array.from(text);
  const chars = [...new Set(symbols)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const index = new Map(chars.map((c, i) => [c, i]));
  return { chars, tokens: Int32Array.from(symbols, (c) => index.get(c)!) };
}

/** The entropy (nats) of the tokens' frequencies: the loss of the best model that ignores context. */
export function unigramEntropy(tokens: ArrayLike<number>, vocab: number): number {
  const counts = new Float64Array(vocab);
  for (let i = 0; i < tokens.length; i++) counts[tokens[i]!]!++;
  let h = 0;
  for (const c of counts) if (c > 0) h -= (c / tokens.length) * Math.log(c / tokens.length);
  return h;
}

/** Character-level language modelling over a text: the last `valFraction` of it is held out. */
export class TextLmTask implements Task {
  readonly name = 'text-lm' as const;
  readonly chars: string[];
  readonly vocab: number;
  readonly unigramEntropy: number;
  private readonly train: Int32Array;
  private readonly val: Int32Array;

  constructor(
    corpus: TextCorpus,
    private readonly seed: number,
    valFraction = 0.1,
  ) {
    const { chars, tokens } = characterTokens(corpus.text);
    this.chars = chars;
    if (this.chars.length < 2) throw new RangeError(`${corpus.path}: the corpus has ${this.chars.length} distinct character(s); a language model needs at least 2`);
    this.vocab = this.chars.length;
    const cut = Math.floor(tokens.length * (1 - valFraction));
    this.train = tokens.subarray(0, cut);
    this.val = tokens.subarray(cut);
    this.unigramEntropy = unigramEntropy(this.train, this.vocab);
    this.path = corpus.path;
  }

  private readonly path: string;

  /** Refuses windows longer than a split, naming the corpus. */
  checkWindow(seqLen: number): void {
    for (const [name, part] of [['training', this.train], ['held-out', this.val]] as const) {
      if (part.length < seqLen + 2) {
        throw new RangeError(`${this.path}: the ${name} part has ${part.length} characters, fewer than seq_len + 2 = ${seqLen + 2}; use a longer corpus or a shorter seq_len`);
      }
    }
  }

  batch(split: Split, index: number, rows: number, seqLen: number): Int32Array {
    const src = split === 'train' ? this.train : this.val;
    const out = new Int32Array(rows * (seqLen + 1));
    const rng = new Rng(this.seed, split === 'train' ? 1 : 2, index);
    const span = src.length - (seqLen + 1);
    for (let r = 0; r < rows; r++) {
      const start = Math.floor(rng.next() * (span + 1));
      out.set(src.subarray(start, start + seqLen + 1), r * (seqLen + 1));
    }
    return out;
  }

  lossFloor(): null {
    return null;
  }

  describe(): Record<string, number | string> {
    return { task: this.name, corpus: this.path, vocab: this.vocab, train_chars: this.train.length, val_chars: this.val.length, unigram_entropy: this.unigramEntropy };
  }
}
