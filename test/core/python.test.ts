import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { floatRepr, intRepr, pyJsonDumps, pyRepr, pyStr, PyFloat, type PyValue } from '../../src/core/python.js';

const f = (v: number): PyFloat => new PyFloat(v);

/** value, str(value), json.dumps(value): the expected texts are Python 3.11's own (checked below when it is there). */
const TABLE: [string, PyValue, string, string][] = [
  ['whole float', f(1), '1.0', '1.0'],
  ['zero float', f(0), '0.0', '0.0'],
  ['negative zero', f(-0), '-0.0', '-0.0'],
  ['small float', 1e-5, '1e-05', '1e-05'],
  ['0.0001 is still positional', 1e-4, '0.0001', '0.0001'],
  ['0.00012', 0.00012, '0.00012', '0.00012'],
  ['1.5e-7', 1.5e-7, '1.5e-07', '1.5e-07'],
  ['1e16 float', f(1e16), '1e+16', '1e+16'],
  ['largest positional whole float', f(1e16 - 2), '9999999999999998.0', '9999999999999998.0'],
  ['1e15 float', f(1e15), '1000000000000000.0', '1000000000000000.0'],
  ['big float with digits', f(12345678901234567), '1.2345678901234568e+16', '1.2345678901234568e+16'],
  ['three-digit exponent', f(1e100), '1e+100', '1e+100'],
  ['smallest subnormal', 5e-324, '5e-324', '5e-324'],
  ['largest double', f(Number.MAX_VALUE), '1.7976931348623157e+308', '1.7976931348623157e+308'],
  ['round-trip digits', 0.1 + 0.2, '0.30000000000000004', '0.30000000000000004'],
  ['2.5', 2.5, '2.5', '2.5'],
  ['inf', f(Infinity), 'inf', 'Infinity'],
  ['-inf', f(-Infinity), '-inf', '-Infinity'],
  ['nan', f(NaN), 'nan', 'NaN'],
  ['int', 3, '3', '3'],
  ['negative int', -42, '-42', '-42'],
  ['whole double past 1e21 is an int with every digit', 1e21, '1000000000000000000000', '1000000000000000000000'],
  ['bigint', 123456789012345678901234567890n, '123456789012345678901234567890', '123456789012345678901234567890'],
  ['True', true, 'True', 'true'],
  ['False', false, 'False', 'false'],
  ['None', null, 'None', 'null'],
  ['string at top level', "it's", "it's", '"it\'s"'],
  ['mixed list', [1, f(2), 'a', null, true, { lr: 0.01 }], "[1, 2.0, 'a', None, True, {'lr': 0.01}]", '[1, 2.0, "a", null, true, {"lr": 0.01}]'],
  ['quote choice in a list', ["it's", 'say "hi"', 'both \' and "'], `["it's", 'say "hi"', 'both \\' and "']`, '["it\'s", "say \\"hi\\"", "both \' and \\""]'],
  ['escapes in a list', ['tab\tnl\nbs\\'], "['tab\\tnl\\nbs\\\\']", '["tab\\tnl\\nbs\\\\"]'],
  ['unprintables in a list', ['\x00\x7f\x80é\u2028€𝄞\u{e0001}\u00a0'], "['\\x00\\x7f\\x80é\\u2028€𝄞\\U000e0001\\xa0']", '["\\u0000\\u007f\\u0080\\u00e9\\u2028\\u20ac\\ud834\\udd1e\\udb40\\udc01\\u00a0"]'],
  ['nested dict', { optimizer: { lr: f(1), name: 'adam' }, n: 2 }, "{'optimizer': {'lr': 1.0, 'name': 'adam'}, 'n': 2}", '{"optimizer": {"lr": 1.0, "name": "adam"}, "n": 2}'],
  ['empty containers', [[], {}], '[[], {}]', '[[], {}]'],
];

describe('Python text of values', () => {
  it.each(TABLE)('%s', (_, v, str, json) => {
    expect(pyStr(v)).toBe(str);
    expect(pyJsonDumps(v)).toBe(json);
  });

  it('repr quotes a string where str does not', () => {
    expect(pyRepr('a b')).toBe("'a b'");
    expect(pyStr('a b')).toBe('a b');
  });

  it('json.dumps with indent lays out as Python does', () => {
    expect(pyJsonDumps({ a: [1, 2], b: {}, c: f(3) }, 2)).toBe('{\n  "a": [\n    1,\n    2\n  ],\n  "b": {},\n  "c": 3.0\n}');
  });

  it('an int must be whole; a float that is whole keeps .0 only as a PyFloat', () => {
    expect(() => intRepr(1.5)).toThrow(/not a whole number/);
    expect(floatRepr(7)).toBe('7.0');
    expect(pyStr(7)).toBe('7');
  });

  // the table's expectations are Python's: build each value in Python from a tagged description and compare
  const PY = '/usr/bin/python3';
  it.skipIf(!existsSync(PY))('the table matches what Debian Python prints', () => {
    const tag = (v: PyValue): unknown => {
      if (v instanceof PyFloat) return { t: 'float', v: Number.isFinite(v.value) ? floatRepr(v.value) : String(v.value) };
      if (typeof v === 'number') return Number.isInteger(v) ? { t: 'int', v: intRepr(v) } : { t: 'float', v: String(v) };
      if (typeof v === 'bigint') return { t: 'int', v: v.toString() };
      if (Array.isArray(v)) return { t: 'list', v: v.map(tag) };
      if (v !== null && typeof v === 'object') return { t: 'dict', v: Object.entries(v).map(([k, x]) => [k, tag(x)]) };
      return { t: 'json', v };
    };
    const script = [
      'import json, sys',
      'def build(n):',
      '    t, v = n["t"], n["v"]',
      '    if t == "float": return float(v)',
      '    if t == "int": return int(v)',
      '    if t == "list": return [build(x) for x in v]',
      '    if t == "dict": return {k: build(x) for k, x in v}',
      '    return v',
      'vals = [build(n) for n in json.load(sys.stdin)]',
      'print(json.dumps([[str(x), json.dumps(x)] for x in vals]))',
    ].join('\n');
    const out = execFileSync(PY, ['-c', script], { input: JSON.stringify(TABLE.map(([, v]) => tag(v))), encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual(TABLE.map(([, , str, json]) => [str, json]));
  });
});
