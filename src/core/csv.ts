/**
 * RFC 4180 CSV through csv-parse, a maintained parser: the hand-written one dropped a one-column row
 * whose field was empty and read an unclosed quote to the end of the file without a word.
 */
import { parse } from 'csv-parse/sync';
import { UsageError } from './errors.js';

/** Header and rows of a CSV text; a malformed one is a UsageError naming `source` (e.g. the file) and the line. */
export function parseCsv(text: string, source = 'CSV'): { header: string[]; rows: string[][] } {
  let records: string[][];
  try {
    // rows may be ragged (the caller names a missing cell), files may mix line ends, and a stray quote
    // inside a bare field is data
    records = parse(text, { bom: true, record_delimiter: ['\r\n', '\n', '\r'], relax_column_count: true, relax_quotes: true, skip_empty_lines: true });
  } catch (e) {
    const err = e as Error & { code?: string; lines?: number };
    if (err.code === 'CSV_QUOTE_NOT_CLOSED') throw new UsageError(`${source}: a quoted field is not closed by the end of the file (line ${err.lines}); allowed: a closing " for every opening one, "" for a quote inside`);
    throw new UsageError(`${source}: ${err.message}`);
  }
  const [header = [], ...rows] = records;
  return { header: header.map((h) => h.trim()), rows };
}
