/**
 * The CSV reader (src/core/csv.ts, behind `fit --csv`) and writer (src/report/format.ts, behind
 * `trials --csv` and `export`) on the cases hand-written parsers get wrong: quoted separators and
 * quotes, embedded newlines, a byte-order mark, CRLF, empty trailing fields, a file of 100 MB.
 */
import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../src/core/csv.js';
import { toCsv } from '../../src/report/format.js';

describe('reading CSV', () => {
  it('keeps separators, quotes and newlines inside quoted fields', () => {
    const r = parseCsv('name,note\n"a, b","say ""hi"""\n"two\nlines","x"\n');
    expect(r.header).toEqual(['name', 'note']);
    expect(r.rows).toEqual([
      ['a, b', 'say "hi"'],
      ['two\nlines', 'x'],
    ]);
  });

  it('drops a byte-order mark and reads CRLF and lone CR line ends', () => {
    expect(parseCsv('\uFEFFN,D\r\n1,2\r\n3,4\r\n')).toEqual({ header: ['N', 'D'], rows: [['1', '2'], ['3', '4']] });
    expect(parseCsv('N,D\r1,2\r').rows).toEqual([['1', '2']]);
    // one file may mix them
    expect(parseCsv('N,D\r\n1,2\n3,4\r5,6').rows).toEqual([['1', '2'], ['3', '4'], ['5', '6']]);
    // CRLF inside a quoted field is data
    expect(parseCsv('a\r\n"x\r\ny"\r\n').rows).toEqual([['x\r\ny']]);
  });

  it('keeps empty trailing fields, with or without a last line end', () => {
    expect(parseCsv('a,b,c\n1,,\n2,3,').rows).toEqual([
      ['1', '', ''],
      ['2', '3', ''],
    ]);
  });

  it('keeps a row whose only field is empty in a one-column file, and skips blank lines between rows', () => {
    expect(parseCsv('note\n""\nx\n\ny\n').rows).toEqual([[''], ['x'], ['y']]);
  });

  it('refuses a quoted field that never closes, naming the source and where the file ended', () => {
    expect(() => parseCsv('a,b\n1,"open\n2,3\n', '--csv runs.csv')).toThrow(/^--csv runs\.csv: a quoted field is not closed by the end of the file \(line 3\)/);
  });

  it('reads a 100 MB file', () => {
    const line = '1.5e-3,"a, quoted ""cell""",12345,\n';
    const n = Math.ceil(100e6 / line.length);
    const r = parseCsv(`lr,name,steps,empty\n${line.repeat(n)}`);
    expect(r.rows.length).toBe(n);
    expect(r.rows[n - 1]).toEqual(['1.5e-3', 'a, quoted "cell"', '12345', '']);
  });
});

describe('writing CSV', () => {
  it('round-trips what the reader reads: separators, quotes, newlines, empty and missing values', () => {
    const rows = [
      ['a, b', 'say "hi"', 'two\nlines', 'cr\r\nlf'],
      ['', null, undefined, 0],
      [{ nested: [1, 'x,y'] }, true, 1e-300, -0],
    ];
    const text = toCsv(['w', 'x', 'y', 'z'], rows);
    expect(parseCsv(text)).toEqual({
      header: ['w', 'x', 'y', 'z'],
      rows: [
        ['a, b', 'say "hi"', 'two\nlines', 'cr\r\nlf'],
        ['', '', '', '0'],
        ['{"nested":[1,"x,y"]}', 'true', '1e-300', '0'],
      ],
    });
  });
});
