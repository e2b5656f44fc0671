/**
 * Token files for trainers outside this process (the PyTorch reference trainer): the tokens as
 * little-endian uint16 (uint32 when the vocabulary needs it) in `<name>`, and what they are in
 * `<name>.json` — vocabulary, how they were made and, for synthetic-lm, the exact entropy rate.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Rng } from '../../core/rng.js';
import { characterTokens, SyntheticLmTask, unigramEntropy } from './tasks.js';
import type { SyntheticData } from './settings.js';

export interface TokenFileInfo {
  format: 'scaletune-tokens-1';
  task: 'synthetic-lm';
  dtype: 'uint16' | 'uint32';
  tokens: number;
  vocab: number;
  data: SyntheticData;
  entropy_rate: number;
  unigram_entropy: number;
  /** Bayes loss for a few windows, for comparing trained models with the floor */
  loss_floor: Record<string, number>;
}

/** What `<name>.json` says of a token file made from a text: one token per character, `chars[i]` is token i. */
export interface TextTokenFileInfo {
  format: 'scaletune-tokens-1';
  task: 'text-lm';
  dtype: 'uint16' | 'uint32';
  tokens: number;
  vocab: number;
  corpus: string;
  chars: string[];
  unigram_entropy: number;
}

/** The tokens, little-endian, in the narrowest of uint16 and uint32 that holds the vocabulary. */
function writeTokens(file: string, stream: ArrayLike<number>, vocab: number): 'uint16' | 'uint32' {
  const dtype = vocab <= 65536 ? 'uint16' : 'uint32';
  const buf = Buffer.alloc(stream.length * (dtype === 'uint16' ? 2 : 4));
  for (let i = 0; i < stream.length; i++) dtype === 'uint16' ? buf.writeUInt16LE(stream[i]!, 2 * i) : buf.writeUInt32LE(stream[i]!, 4 * i);
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  writeFileSync(file, buf);
  return dtype;
}

/**
 * Write a UTF-8 text as character tokens, as the tfjs backend's text-lm and torch_lm.py's --corpus
 * tokenise it, so a large corpus is indexed once rather than by every trial.
 */
export function writeTextTokens(file: string, corpus: string, text: string): TextTokenFileInfo {
  const { chars, tokens } = characterTokens(text);
  if (chars.length < 2) throw new RangeError(`the corpus has ${chars.length} distinct character(s); a language model needs at least 2`);
  const dtype = writeTokens(file, tokens, chars.length);
  const info: TextTokenFileInfo = { format: 'scaletune-tokens-1', task: 'text-lm', dtype, tokens: tokens.length, vocab: chars.length, corpus, chars, unigram_entropy: unigramEntropy(tokens, chars.length) };
  writeFileSync(`${file}.json`, `${JSON.stringify(info, null, 2)}\n`);
  return info;
}

/** Write `tokens` symbols of the synthetic language (one stationary stretch) and its description. */
export function writeSyntheticTokens(file: string, data: SyntheticData, tokens: number): TokenFileInfo {
  const task = new SyntheticLmTask(data);
  const src = task.source;
  const stream = src.sample(new Rng(data.seed, 3), tokens);
  const dtype = writeTokens(file, stream, src.vocab);
  const info: TokenFileInfo = {
    format: 'scaletune-tokens-1',
    task: 'synthetic-lm',
    dtype,
    tokens,
    vocab: src.vocab,
    data,
    entropy_rate: src.entropyRate,
    unigram_entropy: src.unigramEntropy,
    loss_floor: Object.fromEntries([16, 32, 64, 128, 256, 512, 1024].map((t) => [String(t), src.bayesLoss(t)])),
  };
  writeFileSync(`${file}.json`, `${JSON.stringify(info, null, 2)}\n`);
  return info;
}
