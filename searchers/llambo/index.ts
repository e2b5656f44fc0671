/**
 * LLAMBO (Liu et al., ICLR 2024), the pure parts: the study and its history as text, the prompts (from
 * the templates in ./templates, read by the caller), the target score f* = best − α·range, and strict
 * reading of the answers — every configuration range-checked and coerced to its parameter's type,
 * duplicates dropped, with the reason each rejected answer was refused. No I/O: the client and the
 * record/replay store live in src/llm/.
 */
import { canonicalJson, contains, isLogScale, valueBounds, type Distribution, type Params, type ParamValue, type SearchSpace } from '../../src/core/distributions.js';
import { Rng } from '../../src/core/rng.js';
import type { HistoryTrial } from '../types.js';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface Templates {
  system: string;
  warmstart: string;
  candidates: string;
  surrogate: string;
}

export interface StudyText {
  space: SearchSpace;
  metric: string;
  goal: 'minimize' | 'maximize';
  /** what is trained, in the user's words (llm.task) or the default */
  task: string;
  /** the proxy run's scale, when known */
  scale?: string;
}

export const DEFAULT_TASK = 'Each run trains a neural network with the given hyperparameters and reports one score.';

export function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_, k: string) => values[k] ?? '');
}

/** `lr: log-uniform float from 0.0001 to 0.1` — what a parameter may take, for the prompt. */
export function describeParameter(name: string, d: Distribution): string {
  switch (d.type) {
    case 'constant':
      return `${name}: always ${JSON.stringify(d.value)}`;
    case 'categorical':
      return `${name}: one of ${d.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'int_uniform':
      return `${name}: integer from ${d.min} to ${d.max}`;
    case 'uniform':
      return `${name}: float from ${d.min} to ${d.max}`;
    case 'q_uniform':
      return `${name}: multiple of ${d.q ?? 1} from ${d.min} to ${d.max}`;
    case 'log_uniform_values':
      return `${name}: float from ${d.min} to ${d.max}, log scale`;
    case 'q_log_uniform_values':
      return `${name}: multiple of ${d.q ?? 1} from ${d.min} to ${d.max}, log scale`;
    case 'log_uniform':
      return `${name}: float from ${Math.exp(d.min)} to ${Math.exp(d.max)}, log scale`;
    case 'q_log_uniform':
      return `${name}: multiple of ${d.q ?? 1} from ${Math.exp(d.min)} to ${Math.exp(d.max)}, log scale`;
    case 'inv_log_uniform':
      return `${name}: float from ${Math.exp(-d.max)} to ${Math.exp(-d.min)}, log scale`;
    case 'inv_log_uniform_values':
      return `${name}: float from ${d.min} to ${d.max}, log scale`;
    case 'beta':
      return `${name}: float from 0 to 1 (beta distribution, a = ${d.a}, b = ${d.b})`;
    case 'q_beta':
      return `${name}: multiple of ${d.q} from 0 to 1 (beta distribution, a = ${d.a}, b = ${d.b})`;
    default:
      return `${name}: a number (${d.type})`;
  }
}

/** Parameters the model proposes: every one but constants. */
export function searched(space: SearchSpace): [string, Distribution][] {
  return Object.entries(space).filter(([, d]) => d.type !== 'constant');
}

export function serializeConfig(params: Params, space: SearchSpace): string {
  return JSON.stringify(Object.fromEntries(searched(space).map(([k]) => [k, params[k] ?? null])));
}

function systemMessage(t: Templates, s: StudyText): ChatMessage {
  const example = Object.fromEntries(searched(s.space).map(([k, d]) => [k, exampleValue(d)]));
  return {
    role: 'system',
    content: fill(t.system, {
      task: s.task,
      metric: s.metric,
      goal_word: s.goal === 'minimize' ? 'as low as possible' : 'as high as possible',
      parameters: searched(s.space)
        .map(([k, d]) => `- ${describeParameter(k, d)}`)
        .join('\n'),
      scale: s.scale ? `\nThe runs are small proxy runs: ${s.scale}.\n` : '',
      example: JSON.stringify(example),
    }),
  };
}

function exampleValue(d: Distribution): ParamValue {
  if (d.type === 'categorical') return d.values[0]!;
  const b = valueBounds(d);
  if (b) {
    const [lo, hi] = b;
    const mid = isLogScale(d) ? Math.sqrt(lo * hi) : (lo + hi) / 2;
    return d.type === 'int_uniform' || (d.type.startsWith('q_') && Number.isInteger(('q' in d ? d.q : undefined) ?? 1)) ? Math.round(mid) : Number(mid.toPrecision(3));
  }
  return 0;
}

export function warmStartPrompt(t: Templates, s: StudyText, n: number): ChatMessage[] {
  return [systemMessage(t, s), { role: 'user', content: fill(t.warmstart, { n: String(n) }) }];
}

/** f* = best − α·(observed range) when minimising (best + α·range when maximising). */
export function targetScore(values: readonly number[], goal: 'minimize' | 'maximize', alpha = 0.1): number {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  return goal === 'minimize' ? lo - alpha * (hi - lo) : hi + alpha * (hi - lo);
}

function examples(history: readonly HistoryTrial[], s: StudyText, rng: Rng, max: number): string {
  const done = history.filter((h) => h.state === 'COMPLETE' && h.value !== null && Number.isFinite(h.value));
  // the best half and a random draw of the rest, shuffled: the model should not read order as quality
  const sorted = [...done].sort((a, b) => (s.goal === 'minimize' ? a.value! - b.value! : b.value! - a.value!));
  const keep = sorted.slice(0, Math.ceil(max / 2));
  const rest = sorted.slice(keep.length);
  while (keep.length < max && rest.length) keep.push(rest.splice(rng.int(0, rest.length - 1), 1)[0]!);
  for (let i = keep.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [keep[i], keep[j]] = [keep[j]!, keep[i]!];
  }
  return keep.map((h) => `${serializeConfig(h.params, s.space)} -> ${s.metric} = ${Number(h.value!.toPrecision(6))}`).join('\n');
}

/** One prompt of candidate sampling: shuffled few-shot examples and the target score. */
export function candidatePrompt(t: Templates, s: StudyText, history: readonly HistoryTrial[], target: number, n: number, rng: Rng, maxExamples = 20): ChatMessage[] {
  return [systemMessage(t, s), { role: 'user', content: fill(t.candidates, { metric: s.metric, examples: examples(history, s, rng, maxExamples), n: String(n), target: String(Number(target.toPrecision(6))) }) }];
}

/** The LLM as the surrogate: asked to predict one candidate's score. */
export function surrogatePrompt(t: Templates, s: StudyText, history: readonly HistoryTrial[], candidate: Params, rng: Rng, maxExamples = 20): ChatMessage[] {
  return [systemMessage(t, s), { role: 'user', content: fill(t.surrogate, { metric: s.metric, examples: examples(history, s, rng, maxExamples), candidate: serializeConfig(candidate, s.space) }) }];
}

export interface Parsed {
  valid: Params[];
  rejected: { text: string; why: string }[];
}

/** A value the model wrote, made the parameter's type where that is unambiguous; null when it cannot be. */
function coerce(d: Distribution, v: unknown): ParamValue | undefined {
  if (d.type === 'categorical') {
    const hit = d.values.find((c) => canonicalJson(c) === canonicalJson(v) || String(c) === String(v));
    return hit;
  }
  let x: number;
  if (typeof v === 'number') x = v;
  else if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) x = Number(v);
  else return undefined;
  if (!Number.isFinite(x)) return undefined;
  const integer = d.type === 'int_uniform' || ((d.type === 'q_uniform' || d.type === 'q_log_uniform_values' || d.type === 'q_log_uniform' || d.type === 'q_beta') && Number.isInteger(d.q ?? 1));
  if (integer) {
    // 3.0 is 3; 3.4 is a mistake the model made, not a value we round into range silently
    if (Math.abs(x - Math.round(x)) > 1e-9) return undefined;
    x = Math.round(x);
  }
  return x;
}

/** The JSON objects in a reply (prose around them allowed), and `key: value` lines in `## … ##` form. */
function objectsIn(text: string): { raw: string; value: unknown }[] {
  const out: { raw: string; value: unknown }[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== '{') continue;
    let depth = 0;
    let inStr = false;
    for (let j = i; j < text.length; j++) {
      const ch = text[j];
      if (inStr) {
        if (ch === '\\') j++;
        else if (ch === '"') inStr = false;
        continue;
      }
      if (ch === '"') inStr = true;
      else if (ch === '{') depth++;
      else if (ch === '}' && --depth === 0) {
        const raw = text.slice(i, j + 1);
        try {
          out.push({ raw, value: JSON.parse(raw) });
        } catch {
          out.push({ raw, value: undefined });
        }
        i = j;
        break;
      }
    }
  }
  for (const m of text.matchAll(/##\s*([^#\n]+?)\s*##/g)) {
    const obj: Record<string, string> = {};
    for (const part of m[1]!.split(',')) {
      const kv = /^\s*([\w.\-/]+)\s*[:=]\s*(.+?)\s*$/.exec(part);
      if (kv) obj[kv[1]!] = kv[2]!.replace(/^["']|["']$/g, '');
    }
    if (Object.keys(obj).length) out.push({ raw: m[0], value: obj });
  }
  return out;
}

/**
 * Every configuration in a reply, checked against the space: each searched parameter present, of its
 * type, inside its range; constants filled in; duplicates of `taken` (canonical JSON) and of each other dropped.
 */
export function parseCandidates(text: string, space: SearchSpace, taken: ReadonlySet<string> = new Set()): Parsed {
  const valid: Params[] = [];
  const rejected: Parsed['rejected'] = [];
  const seen = new Set(taken);
  const found = objectsIn(text);
  if (found.length === 0) rejected.push({ text: text.slice(0, 200), why: 'no configuration found (expected JSON objects, one per line)' });
  for (const { raw, value } of found) {
    if (value === undefined || value === null || typeof value !== 'object' || Array.isArray(value)) {
      rejected.push({ text: raw.slice(0, 200), why: 'not a JSON object' });
      continue;
    }
    const obj = value as Record<string, unknown>;
    const p: Params = {};
    let why: string | null = null;
    for (const [k, d] of Object.entries(space)) {
      if (d.type === 'constant') {
        p[k] = d.value;
        continue;
      }
      if (!(k in obj)) {
        why = `${k} missing`;
        break;
      }
      const v = coerce(d, obj[k]);
      if (v === undefined) {
        why = `${k} = ${JSON.stringify(obj[k])} is not ${d.type === 'categorical' ? 'one of its values' : d.type === 'int_uniform' || d.type.startsWith('q_') ? 'a whole number' : 'a number'}`;
        break;
      }
      if (!contains(d, v)) {
        why = `${k} = ${JSON.stringify(v)} is outside its range (${describeParameter(k, d)})`;
        break;
      }
      p[k] = v;
    }
    const extra = Object.keys(obj).filter((k) => !(k in space));
    if (!why && extra.length) why = `unknown parameter${extra.length > 1 ? 's' : ''} ${extra.join(', ')}`;
    if (why) {
      rejected.push({ text: raw.slice(0, 200), why });
      continue;
    }
    const key = canonicalJson(p);
    if (seen.has(key)) {
      rejected.push({ text: raw.slice(0, 200), why: 'a duplicate of a configuration already tried or proposed' });
      continue;
    }
    seen.add(key);
    valid.push(p);
  }
  return { valid, rejected };
}

/** The first number in a reply (the LLM-as-surrogate's prediction), or null. */
export function parseScore(text: string): number | null {
  const m = /-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?/.exec(text);
  if (!m) return null;
  const v = Number(m[0]);
  return Number.isFinite(v) ? v : null;
}

/** Expected improvement (minimisation) of a normal N(mean, sd²) over `best`. */
export function expectedImprovement(mean: number, sd: number, best: number): number {
  if (!(sd > 0)) return Math.max(0, best - mean);
  const z = (best - mean) / sd;
  const pdf = Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
  const cdf = 0.5 * (1 + erf(z / Math.SQRT2));
  return (best - mean) * cdf + sd * pdf;
}

function erf(x: number): number {
  // Abramowitz–Stegun 7.1.26
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return x >= 0 ? y : -y;
}
