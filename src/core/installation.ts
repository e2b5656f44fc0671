/**
 * Files shipped with scaletune (fixtures/…, the LLAMBO templates, the wandb stand-in, package.json),
 * found from wherever this module was installed or built: the sources (src/core), the compiled tree
 * (dist/src/core), an npm installation, or the one-folder bundle (dist/bundle, where every module is
 * the bundle's one file and these files lie beside it).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ScaletuneError } from './errors.js';

/** The absolute path of `relative` (e.g. fixtures/studies/demo.yaml) in this installation, or null when it has none. */
export function findInstalled(relative: string): string | null {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const p = path.join(dir, relative);
    if (existsSync(p)) return p;
    dir = path.dirname(dir);
  }
  return null;
}

/** As findInstalled, but throws naming the file (and what needs it) when it is missing. */
export function installedFile(relative: string, neededBy?: string): string {
  const p = findInstalled(relative);
  if (p === null) throw new ScaletuneError(`${relative} is missing from this installation${neededBy ? ` (${neededBy} needs it)` : ''}`, 1);
  return p;
}
