import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './fixtures.js';

/** The published measurements live beside the checkout, never in it. */
export const SCALING_DATA = path.resolve(ROOT, '../shared/data/scaling');
export const HAVE_SCALING_DATA = existsSync(path.join(SCALING_DATA, 'README.md'));
export const SKIP_MESSAGE = `skipped: published scaling data not found at ${SCALING_DATA} (it sits beside the checkout as ../shared/data/scaling)`;

/** A small CSV reader for the published files (no quoted commas in them). */
export function readCsv(name: string): Record<string, string>[] {
  const [head, ...rows] = readFileSync(path.join(SCALING_DATA, name), 'utf8').trim().split(/\r?\n/);
  const cols = head!.split(',');
  return rows.map((r) => {
    const cells = r.split(',');
    return Object.fromEntries(cols.map((c, i) => [c, cells[i] ?? '']));
  });
}
