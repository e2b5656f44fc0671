/** Files shipped with scaletune (fixtures/…), found from wherever this module was installed or built. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The absolute path of `relative` (e.g. fixtures/studies/demo.yaml) in this installation; throws naming it when it is missing. */
export function installedFile(relative: string): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  // src/core in the sources, dist/src/core when built, under node_modules when installed
  for (let i = 0; i < 6; i++) {
    const p = path.join(dir, relative);
    if (existsSync(p)) return p;
    dir = path.dirname(dir);
  }
  throw new Error(`${relative} is missing from this installation`);
}
