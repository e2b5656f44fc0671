/** `scaletune doctor` (which training runtimes work here, and why not the others) and `scaletune data`. */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { Command, Option } from 'commander';
import { probeRuntimes } from '../../backends/tfjs/runtime.js';
import { MARKOV_DEFAULTS, MarkovSource } from '../../backends/tfjs/language.js';
import { writeSyntheticTokens } from '../../backends/tfjs/token-file.js';
import { EXIT, UsageError } from '../../core/errors.js';
import { action, printJson, type CliIO } from '../context.js';
import { flag, numberIn } from '../flags.js';

interface TorchProbe {
  ok: boolean;
  detail: string;
}

/** Is PyTorch importable by python3 (for fixtures/trainers/torch_lm.py)? */
function probeTorch(python: string): TorchProbe {
  const r = spawnSync(python, ['-c', 'import torch, sys; print(sys.version.split()[0], torch.__version__, torch.cuda.is_available(), torch.cuda.get_device_name(0) if torch.cuda.is_available() else "")'], { encoding: 'utf8', timeout: 30_000 });
  if (r.error) return { ok: false, detail: `${python} not found (${(r.error as NodeJS.ErrnoException).code ?? r.error.message})` };
  if (r.status !== 0) return { ok: false, detail: `${python} cannot import torch: ${(r.stderr || '').trim().split('\n').at(-1) ?? ''}` };
  const [py, torch, cuda, ...gpu] = r.stdout.trim().split(' ');
  return { ok: true, detail: `python ${py}, torch ${torch}, ${cuda === 'True' ? `CUDA on ${gpu.join(' ')}` : 'CPU only'}` };
}

export function makeDoctorCommand(io: CliIO): Command {
  return new Command('doctor')
    .description('say which training runtime the tfjs backend uses here and why the others are not used')
    .addOption(flag('json', 'print JSON'))
    .option('--python <exe>', 'python for the PyTorch reference trainer', 'python3')
    .action(
      action(io, async (flags: { json?: boolean; python: string }) => {
        const probes = await probeRuntimes();
        const active = probes.find((p) => p.ok);
        const torch = probeTorch(flags.python);
        const info = { node: process.version, cpus: os.cpus().length, platform: `${os.platform()} ${os.arch()}`, active: active?.name ?? null, runtimes: probes, torch };
        if (flags.json) printJson(io, info);
        else {
          const w = (s: string): unknown => io.stdout.write(`${s}\n`);
          w(`node ${info.node} on ${info.platform}, ${info.cpus} cores`);
          w(`tfjs backend runtime: ${active ? active.name : 'none'}${active ? ` (${active.package})` : ''}`);
          for (const p of probes) w(`  ${p.ok ? (p === active ? '*' : '+') : '-'} ${p.name.padEnd(15)} ${p.detail}`);
          w(`  (* active: the first that loads, in this order; + would also work: set backend.runtime to choose it)`);
          w(`PyTorch reference trainer (fixtures/trainers/torch_lm.py): ${torch.ok ? torch.detail : `unavailable: ${torch.detail}`}`);
        }
        return active ? EXIT.OK : EXIT.FAILURE;
      }),
    );
}

export function makeDataCommand(io: CliIO): Command {
  return new Command('data')
    .description('write the synthetic language of the tfjs backend to a token file (for the PyTorch reference trainer)')
    .addOption(new Option('--task <task>', 'the task').choices(['synthetic-lm']).default('synthetic-lm'))
    .requiredOption('--out <file>', 'token file to write (uint16 little-endian), with <file>.json beside it')
    .option('--tokens <n>', 'tokens to write', numberIn(2, 2e9, true), 10_000_000)
    .option('--vocab <n>', 'symbols', numberIn(2, 65535, true), MARKOV_DEFAULTS.vocab)
    .option('--order <k>', 'Markov order', numberIn(1, 8, true), MARKOV_DEFAULTS.order)
    .option('--branching <n>', 'likely successors per context', numberIn(1, 65535, true), MARKOV_DEFAULTS.branching)
    .option('--mix <p>', 'weight of the uniform part', numberIn(1e-9, 1 - 1e-9, false), MARKOV_DEFAULTS.mix)
    .option('--seed <n>', 'seed of the language', numberIn(0, 2 ** 31 - 1, true), 0)
    .addOption(flag('json', 'print the description as JSON'))
    .action(
      action(io, (flags: { out: string; tokens: number; vocab: number; order: number; branching: number; mix: number; seed: number; json?: boolean }) => {
        const data = { vocab: flags.vocab, order: flags.order, branching: flags.branching, mix: flags.mix, seed: flags.seed };
        try {
          void new MarkovSource(data);
        } catch (e) {
          throw new UsageError(`synthetic-lm: ${(e as Error).message}`);
        }
        const out = path.resolve(io.cwd, flags.out);
        const info = writeSyntheticTokens(out, data, flags.tokens);
        if (flags.json) printJson(io, { file: out, ...info });
        else io.stdout.write(`wrote ${info.tokens} tokens (vocab ${info.vocab}, ${info.dtype}) to ${out}\nentropy rate ${info.entropy_rate.toFixed(4)} nats, unigram entropy ${info.unigram_entropy.toFixed(4)}; description in ${out}.json\n`);
        return EXIT.OK;
      }),
    );
}
