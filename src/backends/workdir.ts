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
}

const KEYS = ['type', 'exclude'];
const ALLOWED = 'study (run in the folder scaletune was started from, the default) or trial (each trial in its own folder); or {type: trial, exclude: [out]}';

export const workdirOptions: OptionSpec<WorkdirConfig> = {
  parse(raw, _ctx, issues) {
    const before = issues.count;
    const spec = typeof raw === 'string' ? { type: raw } : raw;
    if (!isObj(spec)) return void issues.bad('workdir', raw, ALLOWED);
    for (const k of Object.keys(spec)) if (!KEYS.includes(k)) issues.add(`workdir.${k}`, `unknown key; allowed: ${KEYS.join(', ')}`);
    const at = typeof raw === 'string' ? 'workdir' : 'workdir.type';
    if (spec.type !== 'study' && spec.type !== 'trial') issues.bad(at, spec.type, ALLOWED);
    let exclude: string[] = [];
    if (spec.exclude !== undefined) {
      const ok = Array.isArray(spec.exclude) && spec.exclude.every((e) => typeof e === 'string' && e !== '' && e !== '.' && e !== '..' && !/[/\\]/.test(e));
      if (!ok) issues.bad('workdir.exclude', spec.exclude, 'a list of names of entries in the study folder (no paths), e.g. [out, wandb]');
      else exclude = spec.exclude as string[];
    }
    return issues.count > before ? undefined : { type: spec.type as WorkdirConfig['type'], exclude };
  },
  schema: () => ({
    description: 'where the trainer runs: study (the folder scaletune was started from) or trial (its own folder under the runs root, with links to the study folder\'s entries)',
    oneOf: [
      { enum: ['study', 'trial'] },
      {
        type: 'object',
        additionalProperties: false,
        required: ['type'],
        properties: { type: { enum: ['study', 'trial'] }, exclude: { type: 'array', items: { type: 'string', pattern: '^[^/\\\\]+$' }, description: 'entries not linked into a trial folder, e.g. [out]' } },
      },
    ],
  }),
};

/**
 * Link the entries of `sources` into `trialDir`. An entry the trial folder already has (its params.json,
 * checkpoints/) is not linked, nor one that holds the trial folder itself (the runs root under the
 * study folder), nor an excluded one; the first source to have a name wins.
 */
export function linkProgramFiles(trialDir: string, sources: readonly string[], exclude: readonly string[]): void {
  const target = path.resolve(trialDir);
  for (const src of [...new Set(sources.map((s) => path.resolve(s)))]) {
    if (!existsSync(src)) continue;
    for (const name of readdirSync(src)) {
      if (exclude.includes(name)) continue;
      const from = path.join(src, name);
      if (target === from || target.startsWith(from + path.sep)) continue;
      const to = path.join(target, name);
      if (exists(to)) continue;
      symlinkSync(from, to);
    }
  }
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
