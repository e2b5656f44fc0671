/**
 * `backend: {type: torch}`: each run is the PyTorch reference trainer (fixtures/trainers/torch_lm.py)
 * launched through the command backend — its process group, timeout, reports and checkpoints as any
 * trainer's — with every model and train setting passed as an argument, defaults included, so that a
 * run trains what the same block trains under tfjs. Synthetic-language data is written once per study
 * as a token file (the same language, sampled), a corpus is read as is.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { ParamValue } from '../../core/distributions.js';
import { installedFile } from '../../core/installation.js';
import { CommandBackend } from '../command.js';
import { SETTINGS, type SyntheticData, type TextData } from '../tfjs/settings.js';
import { writeSyntheticTokens } from '../tfjs/token-file.js';
import type { Backend, RunEvents, RunHandle, RunOutcome, RunRequest } from '../types.js';
import type { TorchBackendConfig } from './settings.js';

/** Tokens of the synthetic language written for torch runs: a run samples windows of it at random, so it need not be as long as a run. */
export const SYNTHETIC_FILE_TOKENS = 4_000_000;

/** fixtures/trainers/torch_lm.py of this installation. */
export function torchTrainerPath(): string {
  return installedFile('fixtures/trainers/torch_lm.py');
}

export interface TorchProbe {
  python: string | null;
  detail: string;
}

const probes = new Map<string, TorchProbe>();

/** The python that runs torch runs: the configured one, else the first of $SCALETUNE_PYTHON, python3, /usr/bin/python3 that imports torch. */
export function findTorchPython(configured: string | null, env: Record<string, string | undefined> = process.env): TorchProbe {
  const candidates = configured ? [configured] : [env.SCALETUNE_PYTHON, 'python3', '/usr/bin/python3'].filter((p): p is string => Boolean(p));
  const key = candidates.join('\0');
  const known = probes.get(key);
  if (known) return known;
  const tried: string[] = [];
  let found: TorchProbe | null = null;
  for (const py of candidates) {
    const r = spawnSync(py, ['-c', 'import sys, torch; print(sys.version.split()[0], torch.__version__, torch.cuda.is_available())'], { encoding: 'utf8', timeout: 60_000 });
    if (r.status === 0) {
      const [v, t, cuda] = r.stdout.trim().split(' ');
      found = { python: py, detail: `${py}: python ${v}, torch ${t}${cuda === 'True' ? ', CUDA' : ', CPU only'}` };
      break;
    }
    tried.push(`${py} ${r.error ? `not found (${(r.error as NodeJS.ErrnoException).code ?? r.error.message})` : 'cannot import torch'}`);
  }
  const probe = found ?? { python: null, detail: `no python that imports torch (${tried.join('; ')}); install it (Debian: apt-get install python3-torch) or set backend.python` };
  probes.set(key, probe);
  return probe;
}

const arg = (k: string, v: ParamValue): string => `--${k}=${typeof v === 'boolean' ? (v ? 'True' : 'False') : String(v)}`;

/** The synthetic language as a token file in the study's folder, written once (atomically: parallel runs may race to it). */
function syntheticTokenFile(artifactsDir: string, data: SyntheticData): string {
  const id = createHash('sha256').update(JSON.stringify([data, SYNTHETIC_FILE_TOKENS])).digest('hex').slice(0, 12);
  const dir = path.join(artifactsDir, `torch-data-${id}`);
  const file = path.join(dir, 'tokens.bin');
  if (existsSync(`${file}.json`)) return file;
  const tmp = `${dir}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  mkdirSync(tmp, { recursive: true });
  writeSyntheticTokens(path.join(tmp, 'tokens.bin'), data, SYNTHETIC_FILE_TOKENS);
  try {
    renameSync(tmp, dir);
  } catch {
    // another run got there first: its file is the same
    rmSync(tmp, { recursive: true, force: true });
  }
  return file;
}

/** The trainer's arguments: every setting (the config's, the trial's, else the default), the data, and how torch runs. */
export function torchArgs(cfg: TorchBackendConfig, params: Record<string, ParamValue>, dataArgs: string[]): string[] {
  const out = [...dataArgs];
  for (const [k, spec] of Object.entries(SETTINGS)) {
    const v = params[k] ?? cfg.settings[k] ?? spec.default;
    if (v !== undefined) out.push(arg(k, v));
  }
  out.push(arg('threads', cfg.threads), arg('device', cfg.device), arg('dtype', cfg.dtype), arg('compile', cfg.compile));
  return out;
}

export class TorchBackend implements Backend {
  private readonly command = new CommandBackend();

  start(req: RunRequest, events: RunEvents): RunHandle {
    const cfg = req.study.config.backend as TorchBackendConfig;
    const fail = (message: string): RunHandle => {
      const outcome: RunOutcome = { exitCode: null, signal: null, timedOut: false, stopped: null, spawnError: message, stderrTail: '' };
      return { done: Promise.resolve(outcome), stop: () => undefined };
    };
    const probe = findTorchPython(cfg.python);
    if (!probe.python) return fail(`backend torch: ${probe.detail}`);
    let dataArgs: string[];
    try {
      if (cfg.task === 'synthetic-lm') dataArgs = [arg('tokens_file', syntheticTokenFile(req.study.artifactsDir, cfg.data as SyntheticData)), arg('data_seed', (cfg.data as SyntheticData).seed)];
      else {
        const d = cfg.data as TextData;
        dataArgs = [arg('corpus', d.corpus), arg('val_fraction', d.valFraction), arg('data_seed', d.seed)];
      }
    } catch (e) {
      return fail(`backend torch: cannot write the synthetic language's token file: ${(e as Error).message}`);
    }
    const trainer = torchTrainerPath();
    const argv = [probe.python, trainer, ...torchArgs(cfg, req.params, dataArgs)];
    // the command backend runs it: a literal command, the trainer's settings as its arguments
    const config = { ...req.study.config, program: trainer, command: argv, backend: { type: 'command' as const } };
    return this.command.start({ ...req, study: { ...req.study, config } }, events);
  }
}
