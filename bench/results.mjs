// Replace one benchmark's table between its <!-- bench:NAME:begin/end --> markers: in bench/RESULTS.md,
// or in another results file (a benchmark with tables of its own, such as bench/search-mo/RESULTS.md).
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export function writeResultsSection(name, table, file = path.join(path.dirname(fileURLToPath(import.meta.url)), 'RESULTS.md')) {
  const text = readFileSync(file, 'utf8');
  const begin = `<!-- bench:${name}:begin -->`;
  const end = `<!-- bench:${name}:end -->`;
  const i = text.indexOf(begin);
  const j = text.indexOf(end);
  if (i < 0 || j < 0) throw new Error(`${file} lacks the ${begin} … ${end} markers`);
  writeFileSync(file, `${text.slice(0, i + begin.length)}\n${table}\n${text.slice(j)}`);
  console.log(`updated ${file}`);
}
