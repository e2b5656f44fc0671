/**
 * Arithmetic over named columns, for derived fit inputs such as `D=C/(6*N)`: numbers (1e21 too),
 * names (letters, digits, `_`, `.`; `[any name]` for names with spaces), + − * / ^, parentheses.
 * Parsed once into a function; nothing else is evaluated.
 */
import { UsageError } from './errors.js';

type Node = (vars: (name: string) => number) => number;

export function compileExpression(src: string, what = 'expression'): { fn: Node; names: string[] } {
  const toks: string[] = [];
  const re = /\s*(\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|[A-Za-z_][A-Za-z0-9_.]*|\[[^\]]+\]|[-+*/^()])/y;
  let pos = 0;
  while (pos < src.length) {
    if (/^\s*$/.test(src.slice(pos))) break;
    re.lastIndex = pos;
    const m = re.exec(src);
    if (!m) throw new UsageError(`${what}: cannot read '${src.slice(pos).trim()}' in '${src}'; allowed: numbers, column names ([name with spaces]), + - * / ^ and parentheses`);
    toks.push(m[1]!);
    pos = re.lastIndex;
  }
  const names: string[] = [];
  let i = 0;
  const peek = (): string | undefined => toks[i];
  const fail = (msg: string): never => {
    throw new UsageError(`${what}: ${msg} in '${src}'`);
  };
  const primary = (): Node => {
    const t = toks[i++];
    if (t === undefined) return fail('it ends too early');
    if (t === '(') {
      const e = sum();
      if (toks[i++] !== ')') fail("a '(' is not closed");
      return e;
    }
    if (t === '-') {
      const e = unary();
      return (v) => -e(v);
    }
    if (/^[\d.]/.test(t)) {
      const n = Number(t);
      return () => n;
    }
    if (/^[A-Za-z_[]/.test(t)) {
      const name = t.startsWith('[') ? t.slice(1, -1) : t;
      names.push(name);
      return (v) => v(name);
    }
    return fail(`unexpected '${t}'`);
  };
  const unary = (): Node => primary();
  const power = (): Node => {
    const base = unary();
    if (peek() === '^') {
      i++;
      const exp = power();
      return (v) => base(v) ** exp(v);
    }
    return base;
  };
  const product = (): Node => {
    let left = power();
    while (peek() === '*' || peek() === '/') {
      const op = toks[i++];
      const l = left;
      const r = power();
      left = op === '*' ? (v) => l(v) * r(v) : (v) => l(v) / r(v);
    }
    return left;
  };
  const sum = (): Node => {
    let left = product();
    while (peek() === '+' || peek() === '-') {
      const op = toks[i++];
      const l = left;
      const r = product();
      left = op === '+' ? (v) => l(v) + r(v) : (v) => l(v) - r(v);
    }
    return left;
  };
  if (toks.length === 0) fail('it is empty');
  const fn = sum();
  if (i < toks.length) fail(`unexpected '${toks[i]}'`);
  return { fn, names };
}
