/** `scaletune doctor` (which training runtimes work here, and why not the others) and `scaletune data` (token files). */
import { existsSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command, Option } from 'commander';
import { probeRuntimes } from '../../backends/tfjs/runtime.js';
import { MARKOV_DEFAULTS, MarkovSource } from '../../backends/tfjs/language.js';
import { writeSyntheticTokens, writeTextTokens, type TextTokenFileInfo } from '../../backends/tfjs/token-file.js';
import { EXIT, UsageError } from '../../core/errors.js';
import { action, printJson, type CliIO } from '../context.js';
import { flag, numberIn } from '../flags.js';
import { findTorchPython } from '../../backends/torch/backend.js';

export function makeDoctorCommand(io: CliIO): Command {
  return new Command('doctor')
    .description('say which training runtime the tfjs backend uses here and why the others are not used, and whether backend torch can run')
    .addOption(flag('json', 'print JSON'))
    .option('--python <exe>', 'python for backend torch (default: $SCALETUNE_PYTHON, python3 or /usr/bin/python3, the first that imports torch)')
    .action(
      action(io, async (flags: { json?: boolean; python?: string }) => {
        const probes = await probeRuntimes();
        const active = probes.find((p) => p.ok);
        const probe = findTorchPython(flags.python ?? null);
        const torch = { ok: probe.python !== null, python: probe.python, detail: probe.detail };
        const info = { node: process.version, cpus: os.cpus().length, platform: `${os.platform()} ${os.arch()}`, active: active?.name ?? null, runtimes: probes, torch };
        if (flags.json) printJson(io, info);
        else {
          const w = (s: string): unknown => io.stdout.write(`${s}\n`);
          w(`node ${info.node} on ${info.platform}, ${info.cpus} cores`);
          w(`tfjs backend runtime: ${active ? active.name : 'none'}${active ? ` (${active.package})` : ''}`);
          for (const p of probes) w(`  ${p.ok ? (p === active ? '*' : '+') : '-'} ${p.name.padEnd(15)} ${p.detail}`);
          w(`  (* active: the first that loads, in this order; + would also work: set backend.runtime to choose it)`);
          w(`backend torch (the PyTorch reference trainer, fixtures/trainers/torch_lm.py): ${torch.ok ? `available, ${torch.detail}` : `unavailable: ${torch.detail}`}`);
        }
        return active ? EXIT.OK : EXIT.FAILURE;
      }),
    );
}

/** Options of the synthetic language, which a token file from a corpus does not take. */
const SYNTHETIC_FLAGS = ['tokens', 'vocab', 'order', 'branching', 'mix', 'seed'] as const;

interface DataFlags {
  task?: 'synthetic-lm' | 'text-lm';
  corpus?: string;
  out: string;
  tokens: number;
  vocab: number;
  order: number;
  branching: number;
  mix: number;
  seed: number;
  json?: boolean;
}

/** A corpus as character tokens, as the tfjs backend's text-lm and torch_lm.py's --corpus read it. */
function writeCorpusTokens(io: CliIO, flags: DataFlags, cmd: Command, out: string): TextTokenFileInfo {
  if (!flags.corpus) throw new UsageError('--task text-lm: give the text with --corpus <file>');
  const given = SYNTHETIC_FLAGS.filter((k) => cmd.getOptionValueSource(k) === 'cli');
  if (given.length) throw new UsageError(`${given.map((k) => `--${k}`).join(', ')}: options of the synthetic language; a token file from --corpus holds the whole text, one token per character`);
  const corpus = path.resolve(io.cwd, flags.corpus);
  if (!existsSync(corpus)) throw new UsageError(`--corpus ${flags.corpus}: file not found`);
  if (!statSync(corpus).isFile()) throw new UsageError(`--corpus ${flags.corpus}: is a folder; allowed: a UTF-8 text file`);
  try {
    return writeTextTokens(out, corpus, readFileSync(corpus, 'utf8'));
  } catch (e) {
    if (e instanceof RangeError) throw new UsageError(`--corpus ${flags.corpus}: ${e.message}`);
    throw e;
  }
}

export function makeDataCommand(io: CliIO): Command {
  return new Command('data')
    .description('write a token file for trainers outside this process (the PyTorch reference trainer): the synthetic language of the tfjs backend, or a text corpus as characters')
    .addOption(new Option('--task <task>', 'the task (default: text-lm with --corpus, else synthetic-lm)').choices(['synthetic-lm', 'text-lm']))
    .option('--corpus <file>', 'UTF-8 text to write as character tokens (task text-lm)')
    .requiredOption('--out <file>', 'token file to write (uint16 little-endian), with <file>.json beside it')
    .option('--tokens <n>', 'tokens to write', numberIn(2, 2e9, true), 10_000_000)
    .option('--vocab <n>', 'symbols', numberIn(2, 65535, true), MARKOV_DEFAULTS.vocab)
    .option('--order <k>', 'Markov order', numberIn(1, 8, true), MARKOV_DEFAULTS.order)
    .option('--branching <n>', 'likely successors per context', numberIn(1, 65535, true), MARKOV_DEFAULTS.branching)
    .option('--mix <p>', 'weight of the uniform part', numberIn(1e-9, 1 - 1e-9, false), MARKOV_DEFAULTS.mix)
    .option('--seed <n>', 'seed of the language', numberIn(0, 2 ** 31 - 1, true), 0)
    .addOption(flag('json', 'print the description as JSON'))
    .action(
      action(io, (flags: DataFlags, cmd: Command) => {
        const out = path.resolve(io.cwd, flags.out);
        if (existsSync(out) && statSync(out).isDirectory()) throw new UsageError(`--out ${flags.out}: is a folder; allowed: a file to write (it is replaced)`);
        const task = flags.task ?? (flags.corpus ? 'text-lm' : 'synthetic-lm');
        if (task === 'text-lm') {
          const info = writeCorpusTokens(io, flags, cmd, out);
          if (flags.json) printJson(io, { file: out, ...info });
          else io.stdout.write(`wrote ${info.tokens} tokens (${info.vocab} characters, ${info.dtype}) of ${info.corpus} to ${out}\nunigram entropy ${info.unigram_entropy.toFixed(4)} nats; description in ${out}.json\n`);
          return EXIT.OK;
        }
        if (flags.corpus) throw new UsageError('--corpus: for --task text-lm; the synthetic language is generated, not read');
        const data = { vocab: flags.vocab, order: flags.order, branching: flags.branching, mix: flags.mix, seed: flags.seed };
        try {
          void new MarkovSource(data);
        } catch (e) {
          throw new UsageError(`synthetic-lm: ${(e as Error).message}`);
        }
        const info = writeSyntheticTokens(out, data, flags.tokens);
        if (flags.json) printJson(io, { file: out, ...info });
        else io.stdout.write(`wrote ${info.tokens} tokens (vocab ${info.vocab}, ${info.dtype}) to ${out}\nentropy rate ${info.entropy_rate.toFixed(4)} nats, unigram entropy ${info.unigram_entropy.toFixed(4)}; description in ${out}.json\n`);
        return EXIT.OK;
      }),
    );
}
