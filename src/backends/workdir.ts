/**
 * Where a launched trainer runs (`workdir:`). By default in the study's folder, as the user would run
 * it; with `workdir: trial` in the trial's own folder, so that parallel trials writing `out/ckpt.pt`
 * or `wandb/` never share a path. The trainer's relative paths (nanoGPT's `configurator.py`,
 * `data/…`) must still resolve, so the trial folder gets a link to each entry of the study's folder
 * and of the program's, except those the config excludes (a shared `out/` that must not be shared).
 */
import { existsSync, lstatSync, readdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { isObj, type OptionSpec } from '../core/options.js';

export interface WorkdirConfig {
  type: 'study' | 'trial';
  /** entries of the study's and the program's folders not linked into a trial's folder */
  exclude: string[];
  /** output-like entries linked all the same (a checkpoint to start from in `out/`) */
  link: string[];
}

const KEYS = ['type', 'exclude', 'link'];
const ALLOWED = 'study (run in the folder scaletune was started from, the default) or trial (each trial in its own folder); or {type: trial, exclude: [data_cache], link: [out]}';

/**
 * Folders trainers write their outputs to by default (nanoGPT's `out` and `out-shakespeare-char`, the
 * Hugging Face Trainer's `output_dir`s, Lightning's `lightning_logs`, W&B's `wandb`): linked into every
 * trial folder, an existing one would be shared by all trials and overwritten, so they are left out
 * unless `link:` names them, and the trainer makes its own in the trial folder.
 */
export const OUTPUT_LIKE = /^(out|outputs?|output_dir|checkpoints?|ckpts?|runs|logs|lightning_logs|wandb|mlruns|results|saved_models?)([-_.].*)?$/i;

export const workdirOptions: OptionSpec<WorkdirConfig> = {
  parse(raw, _ctx, issues) {
    const before = issues.count;
    const spec = typeof raw === 'string' ? { type: raw } : raw;
    if (!isObj(spec)) return void issues.bad('workdir', raw, ALLOWED);
    for (const k of Object.keys(spec)) if (!KEYS.includes(k)) issues.add(`workdir.${k}`, `unknown key; allowed: ${KEYS.join(', ')}`);
    const at = typeof raw === 'string' ? 'workdir' : 'workdir.type';
    if (spec.type !== 'study' && spec.type !== 'trial') issues.bad(at, spec.type, ALLOWED);
    const names = (key: 'exclude' | 'link', example: string): string[] => {
      const v = spec[key];
      if (v === undefined) return [];
      const ok = Array.isArray(v) && v.every((e) => typeof e === 'string' && e !== '' && e !== '.' && e !== '..' && !/[/\\]/.test(e));
      if (ok) return v as string[];
      issues.bad(`workdir.${key}`, v, `a list of names of entries in the study folder (no paths), e.g. ${example}`);
      return [];
    };
    const exclude = names('exclude', '[data_cache]');
    const link = names('link', '[out]');
    for (const n of link.filter((x) => exclude.includes(x))) issues.add('workdir.link', `${n} is also in workdir.exclude; allowed: one of the two`);
    return issues.count > before ? undefined : { type: spec.type as WorkdirConfig['type'], exclude, link };
  },
  schema: () => ({
    description: 'where the trainer runs: study (the folder scaletune was started from) or trial (its own folder under the runs root, with links to the study folder\'s entries)',
    oneOf: [
      { enum: ['study', 'trial'] },
      {
        type: 'object',
        additionalProperties: false,
        required: ['type'],
        properties: {
          type: { enum: ['study', 'trial'] },
          exclude: { type: 'array', items: { type: 'string', pattern: '^[^/\\\\]+$' }, description: 'entries not linked into a trial folder, e.g. [data_cache]' },
          link: { type: 'array', items: { type: 'string', pattern: '^[^/\\\\]+$' }, description: 'output-like entries (out, outputs, wandb, …) linked all the same, e.g. a checkpoint to start from' },
        },
      },
    ],
  }),
};

/**
 * Link the entries of `sources` into `trialDir`. An entry the trial folder already has (its params.json,
 * checkpoints/) is not linked, nor one that holds the trial folder itself (the runs root under the
 * study folder), nor an excluded one, nor an output-like one that `link` does not name; the first
 * source to have a name wins. Returns the output-like entries left out, for the study's log.
 */
export function linkProgramFiles(trialDir: string, sources: readonly string[], cfg: Pick<WorkdirConfig, 'exclude' | 'link'>): string[] {
  const target = path.resolve(trialDir);
  const leftOut: string[] = [];
  for (const src of [...new Set(sources.map((s) => path.resolve(s)))]) {
    if (!existsSync(src)) continue;
    for (const name of readdirSync(src)) {
      const from = path.join(src, name);
      if (cfg.exclude.includes(name) || target === from || target.startsWith(from + path.sep)) continue;
      if (OUTPUT_LIKE.test(name) && !cfg.link.includes(name)) {
        leftOut.push(name);
        continue;
      }
      const to = path.join(target, name);
      if (exists(to)) continue;
      symlinkSync(from, to);
    }
  }
  return [...new Set(leftOut)];
}

/** lstat, so that a dangling link counts as there */
function exists(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}
