/** How the ladder summary writes laws: exponent names, intervals a reader can use, optimum labels. */
import { describe, expect, it } from 'vitest';
import { coefficientName, fmtInterval, optimumLabel } from '../../src/report/ladder-text.js';

describe('ladder text', () => {
  it("a loss law's constant whose bootstrap runs to its bound of 0 is not determined, not a number such as 1e-122", () => {
    const loss = { law: 'power-offset' as const, intervals: { E: [1.3e-122, 2.1] as [number, number], A: [300, 500] as [number, number] } };
    expect(fmtInterval(loss, 'E')).toBe('[not determined by these scales (lower bound 0), up to 2.1]');
    expect(fmtInterval(loss, 'A')).toBe('[300, 500]');
    expect(fmtInterval(loss, 'alpha')).toBeNull();
    // a power law's exponents may be anything, near 0 included
    expect(fmtInterval({ law: 'power', intervals: { N: [-1e-9, 0.2] } }, 'N')).toBe('[-1.00e-9, 0.2]');
  });

  it('names exponents after their inputs, and says how each optimum was found', () => {
    expect(coefficientName({ law: 'power', x: ['N', 'D'] }, 'D')).toBe('alpha_D');
    expect(coefficientName({ law: 'power', x: ['N'] }, 'a')).toBe('a');
    expect(coefficientName({ law: 'chinchilla', x: ['N', 'D'] }, 'E')).toBe('E');
    expect(optimumLabel({ method: 'interpolated' })).toBe('interpolated');
    expect(optimumLabel({ method: 'best-run' })).toBe('best run!');
    expect(optimumLabel({ method: 'best-run', edge: 'largest' })).toBe('edge run! (largest lr swept)');
    expect(optimumLabel(null)).toBe('-');
  });
});
