/**
 * Turning someone's table into fit inputs: `--map N=Model Size,D=C/(6*N)`, `--where dataset=rw`.
 * Pure: takes rows already read; every problem names the source, the row and the column.
 */
import { UsageError } from './errors.js';
import { compileExpression } from './expression.js';

export interface MapEntry {
  name: string;
  /** a column name, or an expression over columns and earlier names */
  expr: string;
}

/** `--map` values: comma-separated `name=expression` pairs, from one or several flags. */
export function parseMaps(values: readonly string[]): MapEntry[] {
  const out: MapEntry[] = [];
  for (const v of values) {
    for (const part of v.split(/,(?![^[]*\])/)) {
      if (part.trim() === '') continue;
      const eq = part.indexOf('=');
      if (eq <= 0) throw new UsageError(`--map: found '${part}'; allowed: name=column or name=expression, e.g. N=Model Size,D=C/(6*N)`);
      out.push({ name: part.slice(0, eq).trim(), expr: part.slice(eq + 1).trim() });
    }
  }
  return out;
}

export function parseWhere(values: readonly string[]): { column: string; value: string }[] {
  return values.map((v) => {
    const eq = v.indexOf('=');
    if (eq <= 0) throw new UsageError(`--where: found '${v}'; allowed: column=value`);
    return { column: v.slice(0, eq).trim(), value: v.slice(eq + 1).trim() };
  });
}

/**
 * Rows of numbers with the `needed` names, from raw rows (cells as strings or numbers). A needed name
 * without a map entry is read from the column of the same name.
 */
export function buildPoints(
  raw: readonly Record<string, string | number | null | undefined>[],
  opts: { source: string; needed: readonly string[]; maps?: readonly MapEntry[]; where?: readonly { column: string; value: string }[]; defaults?: Record<string, string> },
): Record<string, number>[] {
  const columns = new Set(raw.flatMap((r) => Object.keys(r)));
  for (const w of opts.where ?? []) {
    if (!columns.has(w.column)) throw new UsageError(`--where ${w.column}=${w.value}: ${opts.source} has no column '${w.column}'; its columns: ${[...columns].join(', ')}`);
  }
  const rows = raw.filter((r) => (opts.where ?? []).every((w) => String(r[w.column] ?? '') === w.value));
  if (rows.length === 0) throw new UsageError(`${opts.source}: no row matches ${(opts.where ?? []).map((w) => `${w.column}=${w.value}`).join(' and ') || 'at all'}`);
  const maps = [...(opts.maps ?? [])];
  for (const n of opts.needed) {
    if (maps.some((m) => m.name === n)) continue;
    const d = opts.defaults?.[n];
    if (columns.has(n)) maps.push({ name: n, expr: n });
    else if (d !== undefined && (columns.has(d) || /[^A-Za-z0-9_.]/.test(d))) maps.push({ name: n, expr: d });
    else throw new UsageError(`${opts.source}: no value for '${n}'; map it from a column with --map ${n}=<column or expression>; columns: ${[...columns].join(', ')}`);
  }
  const compiled = maps.map((m) => ({ name: m.name, column: columns.has(m.expr) ? m.expr : null, expr: columns.has(m.expr) ? null : compileExpression(m.expr, `--map ${m.name}`) }));
  return rows.map((r) => {
    const rowNo = raw.indexOf(r) + 2; // 1-based, after the header
    const vals: Record<string, number> = {};
    const cell = (col: string, name: string): number => {
      const v = r[col];
      if (v === undefined || v === null || String(v).trim() === '') throw new UsageError(`${opts.source}: row ${rowNo}, column '${col}' (for ${name}) is empty; filter such rows out with --where, or fix the data`);
      const n = typeof v === 'number' ? v : Number(v);
      if (!Number.isFinite(n)) throw new UsageError(`${opts.source}: row ${rowNo}, column '${col}' (for ${name}) is '${v}', not a finite number`);
      return n;
    };
    for (const m of compiled) {
      if (m.column !== null) vals[m.name] = cell(m.column, m.name);
      else {
        const v = m.expr!.fn((id) => (id in vals ? vals[id]! : columns.has(id) ? cell(id, m.name) : (() => {
          throw new UsageError(`--map ${m.name}: '${id}' is neither a column of ${opts.source} nor a name mapped before it`);
        })()));
        if (!Number.isFinite(v)) throw new UsageError(`${opts.source}: row ${rowNo}: --map ${m.name} gives ${v}`);
        vals[m.name] = v;
      }
    }
    return vals;
  });
}
