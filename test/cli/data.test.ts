/** `scaletune data`: token files for outside trainers, from the synthetic language or from a text corpus. */
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TextLmTask } from '../../src/backends/tfjs/tasks.js';
import { runCli } from '../helpers/cli.js';
import { tmpDir, writeFile } from '../helpers/fixtures.js';

describe('scaletune data --corpus', () => {
  it('writes the text as character tokens, tokenised as the text-lm task does, with the characters in <file>.json', async () => {
    const dir = tmpDir();
    const text = 'Call me Ishmael. Ünïcode too: 𝄞 and a tab\t.\n'.repeat(3);
    writeFile(dir, 'c.txt', text);
    const r = await runCli(['data', '--corpus', 'c.txt', '--out', 'c.bin'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`wrote ${Array.from(text).length} tokens`);
    const info = JSON.parse(readFileSync(path.join(dir, 'c.bin.json'), 'utf8'));
    const task = new TextLmTask({ path: 'c.txt', text }, 0, 0.1);
    expect(info).toMatchObject({ format: 'scaletune-tokens-1', task: 'text-lm', dtype: 'uint16', vocab: task.vocab, chars: task.chars, corpus: path.join(dir, 'c.txt') });
    const buf = readFileSync(path.join(dir, 'c.bin'));
    const tokens = Array.from({ length: buf.length / 2 }, (_, i) => buf.readUInt16LE(2 * i));
    expect(tokens.map((t) => info.chars[t]).join('')).toBe(text);
  });

  it('refuses what a corpus token file cannot be made from (exit 2, naming the flag)', async () => {
    const dir = tmpDir();
    writeFile(dir, 'c.txt', 'abab\n');
    writeFile(dir, 'one.txt', 'aaaa');
    mkdirSync(path.join(dir, 'folder'));
    for (const [args, said] of [
      [['--corpus', 'missing.txt'], '--corpus missing.txt: file not found'],
      [['--corpus', 'folder'], '--corpus folder: is a folder; allowed: a UTF-8 text file'],
      [['--corpus', 'one.txt'], '--corpus one.txt: the corpus has 1 distinct character(s)'],
      [['--task', 'text-lm'], '--task text-lm: give the text with --corpus <file>'],
      [['--corpus', 'c.txt', '--vocab', '16'], '--vocab: options of the synthetic language'],
      [['--corpus', 'c.txt', '--task', 'synthetic-lm'], '--corpus: for --task text-lm'],
      [['--corpus', 'c.txt', '--out', 'folder'], '--out folder: is a folder'],
    ] as const) {
      const r = await runCli(['data', '--out', 'x.bin', ...args], { cwd: dir });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toContain(said);
    }
  });
});
