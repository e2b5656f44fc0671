/**
 * Reading values out of trainers' human-readable output: numbers as Python and C print them, metric
 * names from printed labels, Python literal dicts (Hugging Face's `print(logs)`), and terminal output
 * that redraws itself (progress bars). Pure functions; log-metrics.ts and presets.ts build on them.
 */

/** Whole numbers, decimals and exponents; thousands separators only in the standard 3-digit groups. */
const PLAIN = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const GROUPED = /^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?(?:[eE][+-]?\d+)?$/;
/** glibc prints `-nan`; MSVC `nan(ind)`; Python `nan`, `inf`; JavaScript and json.dumps `NaN`, `Infinity` */
const NAN = /^[+-]?nan(?:\([^)]*\))?$/i;
const INF = /^([+-]?)(?:inf|infinity)$/i;

/**
 * A number as a trainer printed it: `2.31`, `1.5E+00`, `nan`, `-nan`, `inf`, `-Infinity`, `1,234`,
 * `30%` (→ 30). Null for anything else, so that a pattern that caught the wrong text is refused
 * rather than stored as a made-up value.
 */
export function parseNumber(text: string): number | null {
  let s = text.trim();
  if (s.endsWith('%')) s = s.slice(0, -1).trimEnd();
  if (s === '') return null;
  if (NAN.test(s)) return Number.NaN;
  const inf = INF.exec(s);
  if (inf) return inf[1] === '-' ? -Infinity : Infinity;
  if (GROUPED.test(s)) s = s.replace(/,/g, '');
  else if (!PLAIN.test(s)) return null;
  return Number(s);
}

/**
 * A printed label as a metric name: `val loss` → `val_loss`, `elapsed time per iteration (ms)` →
 * `elapsed_time_per_iteration_ms`. Lower-cased, so that `lm loss PPL` and a config's `lm_loss_ppl` meet.
 */
export function metricName(label: string): string {
  return label
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

/**
 * Terminal control sequences: CSI (colours, cursor moves, line clears), OSC (titles, links), charset
 * designations, the two-character escapes (ESC 7, ESC M, …), and the other C0 controls except tab. Backspaces go too: Keras 2 rubs out its
 * bar with them before each `\r`.
 */
const ESCAPES = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[()*+][0-9A-Za-z]|\x1b[0-~]|[\x00-\x08\x0b-\x1f\x7f]/g;

export function stripEscapes(text: string): string {
  return text.replace(ESCAPES, '');
}

/** a number (not followed by more of a name, so that `5e-05` is one), or a name such as `True`, `nan`, `np.float64` */
const WORD = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?(?![\w.])|^[+-]?[A-Za-z_][\w.]*/;

/** A value of a Python literal, with calls such as `tensor(1.25, device='cuda:0')` kept as their first argument. */
export type PyValue = number | string | boolean | null | PyValue[] | { [k: string]: PyValue };

/**
 * Parse a Python literal as `str()` prints it: dicts, lists, tuples, strings in either quote,
 * numbers with nan/inf, True/False/None. A call (`np.float64(0.5)`, `tensor(2.3, device='cuda:0')`,
 * which numpy 2 and torch print inside dicts) stands for its first argument. Undefined when the
 * text is not one literal.
 */
export function parsePythonLiteral(text: string): PyValue | undefined {
  let i = 0;
  const s = text;
  const ws = (): void => {
    while (i < s.length && /\s/.test(s[i]!)) i++;
  };
  const fail = (): never => {
    throw new SyntaxError(`unexpected ${JSON.stringify(s[i] ?? 'end')} at ${i}`);
  };
  const seq = (close: string): PyValue[] => {
    const out: PyValue[] = [];
    ws();
    while (s[i] !== close) {
      out.push(value());
      ws();
      if (s[i] === ',') {
        i++;
        ws();
      } else if (s[i] !== close) fail();
    }
    i++;
    return out;
  };
  const str = (): string => {
    const q = s[i++]!;
    let out = '';
    while (i < s.length && s[i] !== q) {
      if (s[i] === '\\') {
        const c = s[i + 1] ?? '';
        out += c === 'n' ? '\n' : c === 't' ? '\t' : c;
        i += 2;
      } else out += s[i++];
    }
    if (s[i] !== q) fail();
    i++;
    return out;
  };
  const value = (): PyValue => {
    ws();
    const c = s[i];
    if (c === '{') {
      i++;
      const obj: Record<string, PyValue> = {};
      ws();
      while (s[i] !== '}') {
        const k = value();
        ws();
        if (s[i++] !== ':') fail();
        obj[String(k)] = value();
        ws();
        if (s[i] === ',') i++;
        else if (s[i] !== '}') fail();
        ws();
      }
      i++;
      return obj;
    }
    if (c === '[') return i++, seq(']');
    if (c === '(') return i++, seq(')');
    if (c === "'" || c === '"') return str();
    const word = WORD.exec(s.slice(i))?.[0];
    if (!word) return fail();
    i += word.length;
    ws();
    // a keyword argument of a call: its value stands for it
    if (s[i] === '=' && s[i + 1] !== '=') return i++, value();
    if (s[i] === '(') {
      i++;
      const args = seq(')');
      return args.length ? args[0]! : null;
    }
    if (word === 'True' || word === 'False') return word === 'True';
    if (word === 'None') return null;
    const n = parseNumber(word);
    if (n === null) fail();
    return n;
  };
  try {
    const v = value();
    ws();
    return i === s.length ? v : undefined;
  } catch {
    return undefined;
  }
}
