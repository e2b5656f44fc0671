/**
 * Trainer output → reports, for one run. Design:
 *
 * - One parser object per run (createReportParser), since presets keep state across lines (Keras'
 *   epoch line, Hugging Face's count of logs) and the run's end needs a summary (did anything match?).
 * - Input is one line at a time, already cut at `\r` and stripped of terminal escapes (cleanSegment):
 *   a progress bar's every redraw is a line here, which is how tqdm and Keras postfix metrics are read
 *   while the bar is still running.
 * - A stdout line that is a JSON report is a report as the protocol says (protocol.ts), whatever the
 *   patterns; any other line, of stdout or stderr (Python logging, tqdm and torchtitan write there), is
 *   offered to the preset and to the user's patterns. The user's patterns that match one line make one
 *   report together; a preset's reports are its own.
 * - A matched value that does not read as a number refuses that pattern's match for the line: it is
 *   noted in the trial's log (a few times per run), never stored as a made-up value.
 *
 * Pure: no I/O. The command backend feeds it; tests feed it fixture text (parseLog).
 */
import { compilePattern, type LogMetricsConfig } from './log-metrics-options.js';
import { makeReport, PRESET_NAMES, PRESETS, stepFields, type Matcher, type PresetName } from './presets.js';
import { parseReportLine } from './protocol.js';
import { parseNumber, stripEscapes } from './log-values.js';
import type { Report } from './types.js';

export type Stream = 'stdout' | 'stderr';

export interface LineOutcome {
  reports: Report[];
  /** the line was a JSON report: the log does not keep it */
  json: boolean;
  /** scaletune's remarks on the line, for the trial's log */
  notes: string[];
}

export interface ParserSummary {
  /** reports made so far, from JSON lines and from patterns together */
  reports: number;
  /** the first few lines that no pattern read, shortened */
  unmatched: string[];
}

export interface ReportParser {
  /** one line (a `\r` segment, escapes stripped) of the trainer's output */
  line(stream: Stream, text: string): LineOutcome;
  /** the output has ended: reports held back until now (Keras' last epoch) */
  end(): Report[];
  summary(): ParserSummary;
}

const KEEP_UNMATCHED = 5;
const UNMATCHED_CHARS = 160;
const MAX_NOTES = 5;

/** A `\r` segment as patterns see it and the log keeps it. */
export function cleanSegment(segment: string): string {
  return stripEscapes(segment).trimEnd();
}

/** The user's patterns as one matcher: every pattern that matches adds its groups to the line's report. */
function patternMatcher(sources: string[]): Matcher {
  const patterns = sources.map((s, i) => ({ re: compilePattern(s), label: `pattern ${i + 1} (${JSON.stringify(s)})` }));
  return {
    match(text) {
      let report: Report | null = null;
      let refused: string | undefined;
      for (const { re, label } of patterns) {
        const g = re.exec(text)?.groups;
        if (!g) continue;
        const r: Report = report ?? makeReport({});
        const problem = fill(r, g);
        if (problem) refused ??= `${label}: ${problem}`;
        else report = r;
      }
      if (!report && !refused) return null;
      return { reports: report ? [report] : [], ...(refused ? { refused } : {}) };
    },
  };
}

/** Put a match's groups into a report; a group that is not a number leaves the report untouched and says why. */
function fill(r: Report, groups: Record<string, string | undefined>): string | null {
  const numbers: [string, number][] = [];
  let checkpoint: string | null = null;
  for (const [name, text] of Object.entries(groups)) {
    if (text === undefined) continue;
    if (name === 'checkpoint') {
      checkpoint = text.trim() || null;
      continue;
    }
    const v = parseNumber(text);
    if (v === null) return `group ${name} is ${JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text)}, not a number`;
    numbers.push([name, v]);
  }
  for (const [name, v] of numbers) {
    if (name === 'step') {
      if (r.step === null && !r.badStep) Object.assign(r, stepFields(v));
    } else if (name === 'tokens') r.tokens ??= Number.isFinite(v) ? v : null;
    else if (name === 'total_steps') r.totalSteps ??= Number.isFinite(v) && v > 0 ? v : null;
    else r.metrics[name] ??= v;
  }
  if (checkpoint) r.checkpoint ??= checkpoint;
  return null;
}

export function createReportParser(settings: LogMetricsConfig | undefined): ReportParser {
  const matchers: Matcher[] = [];
  if (settings?.preset) matchers.push(PRESETS[settings.preset].create());
  if (settings?.patterns.length) matchers.push(patternMatcher(settings.patterns));
  let reports = 0;
  let notes = 0;
  const unmatched: string[] = [];
  const note = (why: string, text: string): string[] => {
    notes++;
    if (notes > MAX_NOTES) return [];
    const more = notes === MAX_NOTES ? ' (further refused lines are not noted)' : '';
    return [`line not read as a report: ${why}: ${shorten(text.trim())}${more}`];
  };
  return {
    line(stream, text) {
      if (stream === 'stdout') {
        const r = parseReportLine(text);
        if (r) {
          reports++;
          return { reports: [r], json: true, notes: [] };
        }
      }
      const out: LineOutcome = { reports: [], json: false, notes: [] };
      let read = false;
      for (const m of matchers) {
        const got = m.match(text);
        if (!got) continue;
        read = true;
        out.reports.push(...got.reports);
        if (got.refused) out.notes.push(...note(got.refused, text));
      }
      if (!read && matchers.length && unmatched.length < KEEP_UNMATCHED && text.trim() !== '') unmatched.push(shorten(text.trim()));
      reports += out.reports.length;
      return out;
    },
    end() {
      const held = matchers.flatMap((m) => m.end?.() ?? []);
      reports += held.length;
      return held;
    },
    summary: () => ({ reports, unmatched: [...unmatched] }),
  };
}

function shorten(s: string): string {
  return s.length > UNMATCHED_CHARS ? `${s.slice(0, UNMATCHED_CHARS)}…` : s;
}

/** Why a run in pattern mode that made no report at all fails: what it printed, and what was looked for. */
export function neverMatchedMessage(settings: LogMetricsConfig, summary: ParserSummary): string {
  const tried = [...(settings.preset ? [`preset ${settings.preset} (${PRESETS[settings.preset].reads})`] : []), ...settings.patterns.map((p) => `pattern ${JSON.stringify(p)}`)];
  const lines = summary.unmatched.length ? `; its first lines were:\n${summary.unmatched.map((l) => `  ${l}`).join('\n')}` : '; it printed nothing';
  const other = presetReading(summary.unmatched, settings.preset);
  const hint = other ? `\nthose lines are what preset ${other} reads: try metrics: ${other}` : '';
  return `the trainer printed no report: no JSON line, and no line matched ${tried.join('; ')}${lines}${hint}`;
}

/** The first preset other than `except` that makes a report of these lines (a trainer of another kind than the config says). */
function presetReading(lines: readonly string[], except: PresetName | undefined): PresetName | null {
  for (const name of PRESET_NAMES) {
    if (name === except) continue;
    const m = PRESETS[name].create();
    const read = lines.some((l) => (m.match(l)?.reports.length ?? 0) > 0) || (m.end?.().length ?? 0) > 0;
    if (read) return name;
  }
  return null;
}

/** Every report in a whole captured output, as the command backend makes them from that stream (fixture logs, a saved log). */
export function parseLog(settings: LogMetricsConfig | undefined, text: string, stream: Stream = 'stdout'): { reports: Report[]; notes: string[]; summary: ParserSummary } {
  const parser = createReportParser(settings);
  const reports: Report[] = [];
  const notes: string[] = [];
  for (const line of text.split('\n')) {
    for (const seg of line.split('\r')) {
      const clean = cleanSegment(seg);
      if (clean.trim() === '') continue;
      const o = parser.line(stream, clean);
      reports.push(...o.reports);
      notes.push(...o.notes);
    }
  }
  reports.push(...parser.end());
  return { reports, notes, summary: parser.summary() };
}
