/**
 * Python's text for values: `str()`, `repr()` and `json.dumps()`, as a Python trainer would print
 * them. W&B's agent builds `--name=value` with an f-string, so this is what trainers written for
 * W&B sweeps parse (with `ast.literal_eval`, `type(default)(value)` or argparse). Pure: no I/O.
 *
 * JS numbers cannot tell `1.0` from `1`, so a float that holds a whole number is wrapped in PyFloat;
 * a plain JS number is an int when whole and a float otherwise.
 */

/** A Python float whose value may be whole (prints `1.0`, where the int prints `1`). */
export class PyFloat {
  constructor(readonly value: number) {}
}

export type PyValue = number | bigint | PyFloat | string | boolean | null | PyValue[] | PyDict;
/** A dict: plain object, keys in insertion order as Python 3.7+ keeps them. */
export interface PyDict {
  [key: string]: PyValue;
}

const isDict = (v: PyValue): v is PyDict => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof PyFloat);

/** `repr(int)`: every digit, never an exponent (JS would print 1e21 for a whole double). */
export function intRepr(v: number | bigint): string {
  if (typeof v === 'bigint') return v.toString();
  if (!Number.isInteger(v)) throw new RangeError(`${v} is not a whole number`);
  return BigInt(v).toString();
}

/**
 * `repr(float)`: the shortest digits that round-trip (JS finds the same ones), laid out by Python's
 * rule: positional when the decimal exponent is from -4 to 15, else `d.ddde±XX` with at least two
 * exponent digits; a whole positional value keeps `.0`.
 */
export function floatRepr(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  const sign = v < 0 || Object.is(v, -0) ? '-' : '';
  const m = /^(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(Math.abs(v).toExponential());
  if (!m) throw new Error(`unexpected exponential form of ${v}`);
  const digits = m[1]! + (m[2] ?? '');
  const exp = Number(m[3]);
  if (exp < -4 || exp >= 16) {
    const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = String(Math.abs(exp)).padStart(2, '0');
    return `${sign}${mantissa}e${exp < 0 ? '-' : '+'}${e}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  const whole = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
  const frac = digits.slice(exp + 1);
  return `${sign}${whole}.${frac || '0'}`;
}

// str.isprintable() is false for these general categories (and every space separator but ' ')
const NON_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u;

/** `repr(str)`: single quotes unless the text holds `'` and no `"`, escapes as Python writes them. */
export function strRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === quote || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch !== ' ' && NON_PRINTABLE.test(ch)) {
      out += cp <= 0xff ? `\\x${hex(cp, 2)}` : cp <= 0xffff ? `\\u${hex(cp, 4)}` : `\\U${hex(cp, 8)}`;
    } else out += ch;
  }
  return out + quote;
}

const hex = (n: number, width: number): string => n.toString(16).padStart(width, '0');

/** `repr(value)`: how a value prints inside a list or dict. */
export function pyRepr(v: PyValue): string {
  if (v === null) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'string') return strRepr(v);
  if (typeof v === 'bigint') return intRepr(v);
  if (v instanceof PyFloat) return floatRepr(v.value);
  if (typeof v === 'number') return Number.isInteger(v) ? intRepr(v) : floatRepr(v);
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  return `{${Object.entries(v)
    .map(([k, x]) => `${strRepr(k)}: ${pyRepr(x)}`)
    .join(', ')}}`;
}

/** `str(value)`: as repr, except that a string is itself. */
export function pyStr(v: PyValue): string {
  return typeof v === 'string' ? v : pyRepr(v);
}

/** A JSON string as json.dumps writes it (ensure_ascii: everything past `~` as \uXXXX, UTF-16 units). */
function jsonString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ch = s[i]!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (c < 0x20 || c > 0x7e) out += `\\u${hex(c, 4)}`;
    else out += ch;
  }
  return out + '"';
}

/**
 * `json.dumps(value)` with Python's defaults: `", "` and `": "` separators, floats as repr (`1.0`),
 * NaN and Infinity bare (Python's json reads them back; strict JSON parsers do not). With `indent`,
 * as `json.dumps(value, indent=n)`.
 */
export function pyJsonDumps(v: PyValue, indent?: number): string {
  const dump = (x: PyValue, depth: number): string => {
    if (x === null) return 'null';
    if (typeof x === 'boolean') return x ? 'true' : 'false';
    if (typeof x === 'string') return jsonString(x);
    if (typeof x === 'bigint') return intRepr(x);
    const num = x instanceof PyFloat ? x.value : typeof x === 'number' ? x : null;
    if (num !== null) {
      if (Number.isNaN(num)) return 'NaN';
      if (num === Infinity) return 'Infinity';
      if (num === -Infinity) return '-Infinity';
      return x instanceof PyFloat || !Number.isInteger(num) ? floatRepr(num) : intRepr(num);
    }
    const items: string[] = Array.isArray(x) ? x.map((y) => dump(y, depth + 1)) : Object.entries(x as PyDict).map(([k, y]) => `${jsonString(k)}: ${dump(y, depth + 1)}`);
    const [open, close] = Array.isArray(x) ? ['[', ']'] : ['{', '}'];
    if (items.length === 0) return open + close;
    if (indent === undefined) return open + items.join(', ') + close;
    const pad = (d: number): string => `\n${' '.repeat(indent * d)}`;
    return open + pad(depth + 1) + items.join(`,${pad(depth + 1)}`) + pad(depth) + close;
  };
  return dump(v, 0);
}

export { isDict as isPyDict };
