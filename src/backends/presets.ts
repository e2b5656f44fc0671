/**
 * Built-in readers of well-known trainers' console output (`metrics: {preset: …}`), one entry each:
 * what lines it reads, in words for messages and docs, and a per-run matcher. docs/metrics.md gives
 * each preset's metric names and where its step comes from; fixtures/logs/<preset>.txt holds output in
 * each tool's format, and test/backends/log-metrics.test.ts the reports expected from it.
 *
 * Why code and not a list of patterns: most of these tools print a variable set of `name: value`
 * pairs (Megatron's `|` columns, Keras' ` - ` list, Lightning's tqdm postfix, Hugging Face's dicts),
 * which one regular expression with fixed group names cannot capture; and two of them need state
 * across lines (Keras prints the epoch on a line of its own; Hugging Face prints no step at all).
 */
import { MAX_STEP } from './protocol.js';
import type { Report } from './types.js';
import { metricName, parseNumber, parsePythonLiteral, type PyValue } from './log-values.js';

/** What a matcher made of one line: the reports it completes (maybe none yet), or why it refused the line. */
export interface LineMatch {
  reports: Report[];
  /** the line looked like this tool's but a value in it did not read as a number */
  refused?: string;
}

/** One run's reader for one preset (or one user pattern): it may keep state between lines. */
export interface Matcher {
  /** a line of output, escapes stripped; null when the line is not one this matcher reads */
  match(text: string): LineMatch | null;
  /** the run's output has ended: reports held back until then */
  end?(): Report[];
}

export interface Preset {
  /** the lines it reads, as a reader would recognise them (messages, docs) */
  reads: string;
  create(): Matcher;
}

export function makeReport(metrics: Record<string, number>, extra: Partial<Report> = {}): Report {
  return { step: null, tokens: null, metrics, checkpoint: null, totalSteps: null, ...extra };
}

const isStep = (n: number): boolean => Number.isInteger(n) && n >= 0 && n <= MAX_STEP;
/** the step field of a report, or why the number cannot be one */
export function stepFields(n: number): Pick<Report, 'step' | 'badStep'> {
  return isStep(n) ? { step: n } : { step: null, badStep: `step ${n} is not a whole number from 0 to ${MAX_STEP}` };
}

const NUM = String.raw`[-+]?(?:nan|inf|\d[\d,]*\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)`;

/** `name: value` pairs read into metrics; a value that is not a number refuses the line (`what` names the tool). */
function readPairs(pairs: [label: string, value: string][], what: string, rename: (label: string) => string = metricName): { metrics: Record<string, number> } | { refused: string } {
  const metrics: Record<string, number> = {};
  for (const [label, text] of pairs) {
    const v = parseNumber(text);
    if (v === null) return { refused: `${what}: ${JSON.stringify(label)} is ${JSON.stringify(text)}, not a number` };
    metrics[rename(label)] = v;
  }
  return { metrics };
}

/** A matcher from fixed regular expressions whose groups are metrics (group names already metric names). */
function fixedPatterns(patterns: RegExp[], fix: (m: Record<string, number>) => void = () => undefined): Matcher {
  return {
    match(text) {
      for (const re of patterns) {
        const g = re.exec(text)?.groups;
        if (!g) continue;
        const { step, ...rest } = g;
        const read = readPairs(Object.entries(rest).filter((e): e is [string, string] => e[1] !== undefined), 'the line', (k) => k);
        if ('refused' in read) return { reports: [], refused: read.refused };
        fix(read.metrics);
        return { reports: [makeReport(read.metrics, stepFields(Number(step)))] };
      }
      return null;
    },
  };
}

/**
 * nanoGPT's train.py: `step N: train loss X, val loss Y` at each evaluation and
 * `iter N: loss X, time Yms, mfu Z%` every log_interval.
 */
const nanogpt: Preset = {
  reads: 'nanoGPT lines "step N: train loss X, val loss Y" and "iter N: loss X, time Yms, mfu Z%"',
  create: () =>
    fixedPatterns(
      [
        new RegExp(String.raw`^step (?<step>\d+): train loss (?<train_loss>${NUM}), val loss (?<val_loss>${NUM})$`),
        new RegExp(String.raw`^iter (?<step>\d+): loss (?<loss>${NUM}), time (?<time_ms>${NUM})ms, mfu (?<mfu>${NUM})%$`),
      ],
      // nanoGPT prints -100.00% until it has timed five iterations: not a measurement
      (m) => {
        if (m.mfu !== undefined && m.mfu < 0) delete m.mfu;
      },
    ),
};

/**
 * Hugging Face Trainer: every log is a printed Python dict on a line of its own (`{'loss': 2.31,
 * 'grad_norm': 1.25, 'learning_rate': 5e-05, 'epoch': 0.5}`). It prints no step, so the step is the
 * count of dicts so far unless one carries `step` or `global_step`.
 */
const hf: Preset = {
  reads: "Hugging Face Trainer's printed log dicts, e.g. {'loss': 2.31, 'learning_rate': 5e-05, 'epoch': 0.5}",
  create() {
    let count = 0;
    return {
      match(text) {
        const s = text.trim();
        if (!s.startsWith('{') || !s.endsWith('}')) return null;
        const d = parsePythonLiteral(s);
        if (d === undefined || d === null || typeof d !== 'object' || Array.isArray(d) || Object.keys(d).length === 0) return null;
        count++;
        const metrics: Record<string, number> = {};
        const nonNumeric: Record<string, boolean | string> = {};
        const flatten = (prefix: string, v: PyValue): void => {
          if (typeof v === 'number') metrics[prefix] = v;
          else if (typeof v === 'boolean') {
            metrics[prefix] = v ? 1 : 0;
            nonNumeric[prefix] = v;
          } else if (typeof v === 'string') nonNumeric[prefix] = v;
          else if (v && typeof v === 'object' && !Array.isArray(v)) for (const [k, x] of Object.entries(v)) flatten(`${prefix}/${k}`, x);
        };
        let named: number | null = null;
        for (const [k, v] of Object.entries(d)) {
          if ((k === 'step' || k === 'global_step') && typeof v === 'number') named = v;
          else flatten(k, v);
        }
        const r = makeReport(metrics, stepFields(named ?? count));
        if (Object.keys(nonNumeric).length) r.nonNumeric = nonNumeric;
        return { reports: [r] };
      },
    };
  },
};

/**
 * PyTorch Lightning's TQDM bar: `Epoch E:  40%|████      | 40/100 [00:02<00:03, 18.50it/s, v_num=0,
 * train_loss=2.310]`, redrawn in place. Step E·total + n (the global step without gradient
 * accumulation); with an unknown total (`40/?`) the epochs' last positions are added up instead.
 * Lightning redraws each position twice (new n with the old postfix, then the new postfix) and once
 * more at an epoch's end with validation metrics, so a step's report is its last redraw, held back
 * until the bar moves on or the output ends.
 */
const lightning: Preset = {
  reads: 'PyTorch Lightning progress bars "Epoch E: P%|…| n/total [elapsed<remaining, rate, name=value, …]"',
  create() {
    const BAR = /^Epoch (\d+)(?:\/\d+)?:\s*\d+%\|[^|]*\|\s*(\d+)\/(\d+|\?)\s*\[([^\]]*)\]\s*$/;
    let held: { step: number; metrics: Record<string, number> } | null = null;
    let epoch = -1;
    let offset = 0;
    let lastN = 0;
    const release = (): Report[] => {
      const r = held && Object.keys(held.metrics).length ? [makeReport(held.metrics, stepFields(held.step))] : [];
      held = null;
      return r;
    };
    return {
      match(text) {
        const m = BAR.exec(text.trim());
        if (!m) return null;
        const [e, n] = [Number(m[1]), Number(m[2])];
        if (e !== epoch) {
          if (epoch >= 0) offset += lastN;
          epoch = e;
        }
        lastN = n;
        const step = m[3] === '?' ? offset + n : e * Number(m[3]) + n;
        const pairs = m[4]!
          .split(',')
          .map((p) => p.trim())
          .filter((p) => p.includes('='))
          .map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)] as [string, string])
          .filter(([k]) => k !== 'v_num');
        const read = readPairs(pairs, 'the progress bar', (k) => k);
        if ('refused' in read) return { reports: [], refused: read.refused };
        const out = held && held.step !== step ? release() : [];
        held = { step, metrics: read.metrics };
        return { reports: out };
      },
      end: release,
    };
  },
};

/**
 * Keras' Progbar (Keras 2's `[====>....]`, Keras 3's `━━━━`, and verbose=2's one line an epoch):
 * `Epoch N/M` opens an epoch; the last bar of the epoch that reaches the end (the one with val_ metrics)
 * is its report, at step N. Keras redraws the full bar twice at an epoch's end, the second time with
 * validation metrics, so the report is held back until the next epoch starts or the output ends.
 */
const keras: Preset = {
  reads: 'Keras "Epoch N/M" lines and progress bars "n/total [====] - 1s 5ms/step - loss: X - val_loss: Y"',
  create() {
    const EPOCH = /^Epoch (\d+)\/(\d+)$/;
    const BAR = /^(\d+)\/(\d+)\s+(?:\[[=>.]*\]\s*|━+\s*)?(?:-\s+)?(.*)$/;
    let epoch: { n: number; of: number } | null = null;
    let held: Report | null = null;
    const release = (): Report[] => {
      const r = held ? [held] : [];
      held = null;
      return r;
    };
    return {
      match(text) {
        const s = text.trim();
        const e = EPOCH.exec(s);
        if (e) {
          const out = release();
          epoch = { n: Number(e[1]), of: Number(e[2]) };
          return { reports: out };
        }
        const b = BAR.exec(s);
        if (!b) return null;
        const pairs = b[3]!
          .split(' - ')
          .map((p) => /^([A-Za-z_][\w./-]*): (\S+)$/.exec(p.trim()))
          .filter((p): p is RegExpExecArray => p !== null && p[1] !== 'ETA')
          .map((p) => [p[1]!, p[2]!] as [string, string]);
        if (pairs.length === 0 && !/\d+m?s\b/.test(b[3]!)) return null;
        const read = readPairs(pairs, 'the progress bar', (k) => k);
        if ('refused' in read) return { reports: [], refused: read.refused };
        if (b[1] === b[2]) held = makeReport(read.metrics, epoch ? { ...stepFields(epoch.n), totalSteps: epoch.of } : {});
        return { reports: [] };
      },
      end: release,
    };
  },
};

/**
 * Megatron-LM's training_log: ` [date] iteration  10/  100 | consumed samples: 640 | … | lm loss:
 * 3.2E+00 | … |`, and its evaluation ` validation loss at iteration 100 | lm loss value: … | lm loss
 * PPL: … |`. Every `label: number` column is a metric named after its label.
 */
const megatron: Preset = {
  reads: 'Megatron-LM lines "iteration N/ M | label: value | …" and "validation loss at iteration N | label: value | …"',
  create() {
    const TRAIN = /\biteration\s+(\d+)\/\s*(\d+)\s*\|(.*)$/;
    const VALID = /\bvalidation loss at iteration (\d+)[^|]*\|(.*)$/;
    const columns = (rest: string): [string, string][] =>
      rest
        .split('|')
        .map((c) => /^\s*([^:]+?):\s*(\S+)\s*$/.exec(c))
        .filter((c): c is RegExpExecArray => c !== null)
        .map((c) => [c[1]!, c[2]!]);
    return {
      match(text) {
        const t = TRAIN.exec(text);
        const v = t ? null : VALID.exec(text);
        if (!t && !v) return null;
        const read = readPairs(columns(t ? t[3]! : v![2]!), 'the Megatron line');
        if ('refused' in read) return { reports: [], refused: read.refused };
        const step = Number(t ? t[1] : v![1]);
        return { reports: [makeReport(read.metrics, { ...stepFields(step), ...(t ? { totalSteps: Number(t[2]) } : {}) })] };
      },
    };
  },
};

/**
 * torchtitan's metrics line on its logger (stderr, coloured): `step: 10  loss:  3.2000  memory:
 * 10.52GiB(13.30%)  tps: 1,234  tflops: 100.12  mfu: 30.12%`. memory is in GiB, memory_pct its
 * share of the device; mfu in percent.
 */
const torchtitan: Preset = {
  reads: 'torchtitan metric lines "step: N  loss: X  memory: YGiB(Z%)  tps: …  tflops: …  mfu: …%"',
  create() {
    const LINE = /\bstep:\s*(\d+)\s{2,}(loss:.*)$/;
    const MEMORY = new RegExp(String.raw`^(${NUM})GiB\((${NUM})%\)$`);
    return {
      match(text) {
        const m = LINE.exec(text.trimEnd());
        if (!m) return null;
        const pairs: [string, string][] = [];
        for (const p of m[2]!.matchAll(/([A-Za-z_]\w*):\s+(\S+)/g)) {
          const mem = p[1] === 'memory' ? MEMORY.exec(p[2]!) : null;
          if (mem) pairs.push(['memory', mem[1]!], ['memory_pct', mem[2]!]);
          else pairs.push([p[1]!, p[2]!]);
        }
        const read = readPairs(pairs, 'the torchtitan line', (k) => k);
        if ('refused' in read) return { reports: [], refused: read.refused };
        return { reports: [makeReport(read.metrics, stepFields(Number(m[1])))] };
      },
    };
  },
};

export const PRESETS = { nanogpt, hf, lightning, keras, megatron, torchtitan } satisfies Record<string, Preset>;
export type PresetName = keyof typeof PRESETS;
export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];
