import { execFileSync } from 'node:child_process';
import { chmodSync, statSync } from 'node:fs';

/**
 * Make a file or folder read-only for this process and return how to undo it, or null where that
 * cannot be done: root ignores modes, so as root the immutable attribute is used when chattr works.
 */
export function makeReadOnly(p: string): (() => void) | null {
  if (process.getuid?.() !== 0) {
    const mode = statSync(p).mode & 0o777;
    chmodSync(p, mode & ~0o222);
    return () => chmodSync(p, mode);
  }
  try {
    execFileSync('chattr', ['+i', p], { stdio: 'ignore' });
    return () => execFileSync('chattr', ['-i', p], { stdio: 'ignore' });
  } catch {
    return null;
  }
}
