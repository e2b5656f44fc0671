/**
 * The JSON-lines protocol of DESIGN.md. Trainers print one JSON object per line; other lines are logs.
 * Python's json.dumps writes NaN and Infinity bare, so those are accepted here (a NaN loss must be seen
 * as NaN, not as a log line).
 */
import type { Report } from './types.js';

const RESERVED = new Set(['step', 'tokens', 'checkpoint', 'total_steps', '_step', '_timestamp', '_runtime']);
const SENTINEL = '\u0000scaletune-num:';
/** Steps are stored as 32-bit integers (the metrics tables of SQLite and PostgreSQL). */
export const MAX_STEP = 2 ** 31 - 1;

/** Replace bare NaN / Infinity / -Infinity outside strings with sentinel strings. */
function quoteNonFinite(line: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (inString) {
      out += c;
      if (c === '\\') out += line[++i] ?? '';
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') {
      inString = true;
      out += c;
      continue;
    }
    const rest = line.slice(i, i + 9);
    const tok = rest.startsWith('-Infinity') ? '-Infinity' : rest.startsWith('Infinity') ? 'Infinity' : rest.startsWith('NaN') ? 'NaN' : null;
    if (tok) {
      out += JSON.stringify(SENTINEL + tok);
      i += tok.length - 1;
    } else out += c;
  }
  return out;
}

function toNumber(v: unknown): number | null {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.startsWith(SENTINEL)) return Number(v.slice(SENTINEL.length));
  return null;
}

/** A value as the trainer printed it, shortened for a message. */
export function printed(v: unknown): string {
  const n = toNumber(v);
  const s = n !== null ? String(n) : (JSON.stringify(v) ?? String(v));
  return s.length > 60 ? `${s.slice(0, 60)}…` : s;
}

/** Parse one stdout line; null when it is not a JSON object (then it belongs in the log). */
export function parseReportLine(line: string): Report | null {
  const s = line.trim();
  if (!s.startsWith('{') || !s.endsWith('}')) return null;
  let obj: unknown;
  try {
    obj = JSON.parse(s);
  } catch {
    if (!/NaN|Infinity/.test(s)) return null;
    try {
      obj = JSON.parse(quoteNonFinite(s));
    } catch {
      return null;
    }
  }
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return null;
  const o = obj as Record<string, unknown>;
  const metrics: Record<string, number> = {};
  const nonNumeric: Record<string, boolean | string> = {};
  const flatten = (prefix: string, v: unknown, depth: number): void => {
    const n = toNumber(v);
    if (n !== null) metrics[prefix] = n;
    else if (typeof v === 'boolean') {
      metrics[prefix] = v ? 1 : 0;
      nonNumeric[prefix] = v;
    } else if (typeof v === 'string') nonNumeric[prefix] = v;
    else if (v && typeof v === 'object' && !Array.isArray(v) && depth < 4) {
      for (const [k, x] of Object.entries(v)) flatten(`${prefix}/${k}`, x, depth + 1);
    }
  };
  for (const [k, v] of Object.entries(o)) if (!RESERVED.has(k)) flatten(k, v, 0);
  const rawStep = o.step ?? o._step;
  const step = toNumber(rawStep);
  const wholeStep = step !== null && Number.isInteger(step) && step >= 0 && step <= MAX_STEP;
  const tokens = toNumber(o.tokens);
  const total = toNumber(o.total_steps);
  return {
    step: wholeStep ? step : null,
    tokens: tokens !== null && Number.isFinite(tokens) ? tokens : null,
    metrics,
    checkpoint: typeof o.checkpoint === 'string' && o.checkpoint !== '' ? o.checkpoint : null,
    totalSteps: total !== null && Number.isFinite(total) && total > 0 ? total : null,
    ...(Object.keys(nonNumeric).length ? { nonNumeric } : {}),
    ...(rawStep != null && !wholeStep ? { badStep: `step ${printed(rawStep)} is not a whole number from 0 to ${MAX_STEP}` } : {}),
  };
}
