/**
 * The `metrics:` block of a study (or of `backend: {type: command, metrics: …}`): how the trainer's
 * output becomes reports. Absent or `format: json`, the JSON-lines protocol alone; otherwise a preset
 * and/or regular expressions with named groups, tried on every line of stdout and stderr that is not a
 * JSON report. Patterns are compiled here, at config time, so that a bad one is a config error naming
 * it rather than a study whose every trial fails.
 */
import { describe, isObj, type Issues } from '../core/options.js';
import { PRESET_NAMES, PRESETS, type PresetName } from './presets.js';

/** How output becomes reports when it is more than JSON lines. Absent from a config: JSON lines only. */
export interface LogMetricsConfig {
  preset?: PresetName;
  /** the patterns as written (Python's `(?P<name>…)` spelling included); compilePattern makes them RegExps */
  patterns: string[];
}

const PRESETS_ALLOWED = PRESET_NAMES.join(', ');
const ALLOWED = `json (the default), a preset name (${PRESETS_ALLOWED}), or a mapping {format?: json|patterns, preset?, patterns?: [regular expressions with named groups]}`;

/**
 * A pattern as JavaScript reads it. Python's spelling is translated (`(?P<name>…)`, `(?P=name)`, a
 * leading `(?i)`-style flag group) so that a pattern copied from a Python log parser works as is.
 */
export function compilePattern(source: string): RegExp {
  let src = source.replace(/(?<!\\)\(\?P<(?=\w+>)/g, '(?<').replace(/(?<!\\)\(\?P=(\w+)\)/g, '\\k<$1>');
  let flags = '';
  const lead = /^\(\?([ims]+)\)/.exec(src);
  if (lead) {
    flags = [...new Set(lead[1])].join('');
    src = src.slice(lead[0].length);
  }
  return new RegExp(src, flags);
}

/** The named groups of a compiled pattern (matching the empty alternative reports every name). */
export function groupNames(re: RegExp): string[] {
  const probe = new RegExp(`(?:${re.source})|`, re.flags);
  return Object.keys(probe.exec('')?.groups ?? {});
}

/** Parse the block found at `at` (`metrics` or `backend.metrics`); undefined for JSON lines only, or on a problem (added to issues). */
export function parseLogMetrics(raw: unknown, at: string, issues: Issues): LogMetricsConfig | undefined {
  if (raw === undefined || raw === 'json') return undefined;
  if (typeof raw === 'string') {
    if ((PRESET_NAMES as string[]).includes(raw)) return { preset: raw as PresetName, patterns: [] };
    return void issues.bad(at, raw, ALLOWED);
  }
  if (!isObj(raw)) return void issues.bad(at, raw, ALLOWED);
  const before = issues.count;
  for (const k of Object.keys(raw)) {
    // metric: (singular) is the study's objective; the two are easily swapped
    const hint = k === 'name' || k === 'goal' ? ' (the objective is metric: {name, goal})' : '';
    if (!['format', 'preset', 'patterns'].includes(k)) issues.add(`${at}.${k}`, `unknown key; allowed: format, preset, patterns${hint}`);
  }
  if (raw.format !== undefined && raw.format !== 'json' && raw.format !== 'patterns') issues.bad(`${at}.format`, raw.format, 'json, patterns');
  let preset: PresetName | undefined;
  if (raw.preset !== undefined) {
    if (typeof raw.preset === 'string' && raw.preset in PRESETS) preset = raw.preset as PresetName;
    else issues.bad(`${at}.preset`, raw.preset, PRESETS_ALLOWED);
  }
  const patterns: string[] = [];
  if (raw.patterns !== undefined) {
    if (!Array.isArray(raw.patterns) || raw.patterns.length === 0) issues.bad(`${at}.patterns`, raw.patterns, 'a non-empty list of regular expressions with named groups');
    else raw.patterns.forEach((p: unknown, i: number) => checkPattern(p, `${at}.patterns[${i}]`, issues) && patterns.push(p as string));
  }
  const given = raw.preset !== undefined || raw.patterns !== undefined;
  if (raw.format === 'json' && given) issues.add(`${at}.format`, 'is json, which reads JSON lines only, but preset or patterns are given; allowed: format: patterns, or no preset and patterns');
  if (raw.format === 'patterns' && !given) issues.add(at, 'format is patterns but there are none; allowed: preset, patterns, or both');
  if (issues.count > before || !given) return undefined;
  return { ...(preset ? { preset } : {}), patterns };
}

function checkPattern(p: unknown, at: string, issues: Issues): boolean {
  if (typeof p !== 'string' || p === '') return void issues.bad(at, p, 'a regular expression with named groups, e.g. "step (?<step>\\d+): loss (?<loss>[\\d.eE+-]+|nan|inf)"'), false;
  let re: RegExp;
  try {
    re = compilePattern(p);
  } catch (e) {
    return void issues.add(at, `found ${describe(p)}, which is not a valid regular expression (${(e as Error).message}); allowed: a JavaScript regular expression (Python's (?P<name>…) is accepted)`), false;
  }
  const names = groupNames(re);
  if (names.length === 0) return void issues.add(at, `found ${describe(p)}, which has no named group; allowed: a pattern naming what it captures, e.g. (?<loss>[\\d.eE+-]+) for metric loss`), false;
  if (re.test('')) return void issues.add(at, `found ${describe(p)}, which matches an empty line (so every line); allowed: a pattern that needs some text`), false;
  return true;
}

/** Where a study's reports come from, in words for messages: `JSON lines`, `JSON lines, preset nanogpt and 1 pattern ("…")`. */
export function describeMetricsSource(m: LogMetricsConfig | undefined): string {
  if (!m) return 'JSON lines on stdout';
  const parts = [...(m.preset ? [`preset ${m.preset}`] : []), ...(m.patterns.length ? [`${m.patterns.length === 1 ? 'pattern' : 'patterns'} ${m.patterns.map((p) => JSON.stringify(p)).join(', ')}`] : [])];
  return `JSON lines on stdout, ${parts.join(' and ')}`;
}

export function logMetricsSchema(): Record<string, unknown> {
  return {
    description: 'how trainer output becomes reports: json (JSON lines, the default), a preset name, or {format, preset, patterns}',
    oneOf: [
      { enum: ['json', ...PRESET_NAMES] },
      {
        type: 'object',
        additionalProperties: false,
        properties: {
          format: { enum: ['json', 'patterns'] },
          preset: { enum: [...PRESET_NAMES] },
          patterns: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 }, description: 'regular expressions with named groups; groups step, tokens, checkpoint, total_steps fill the report, the others are metrics' },
        },
      },
    ],
  };
}
