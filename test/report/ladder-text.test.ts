/** How the ladder summary writes laws: exponent names, intervals a reader can use, optimum labels. */
import { describe, expect, it } from 'vitest';
import { coefficientName, fmtCoefficient, fmtInterval, fromPredicted, gapLine, optimumLabel, timesPredicted, verdict } from '../../src/report/ladder-text.js';

describe('ladder text', () => {
  it("a loss law's constant whose bootstrap runs to its bound of 0 is not determined, not a number such as 1e-122", () => {
    const loss = { law: 'power-offset' as const, intervals: { E: [1.3e-122, 2.1] as [number, number], A: [300, 500] as [number, number] } };
    expect(fmtInterval(loss, 'E')).toBe('[not determined by these scales (lower bound 0), up to 2.1]');
    expect(fmtInterval(loss, 'A')).toBe('[300, 500]');
    expect(fmtInterval(loss, 'alpha')).toBeNull();
    // and the law's line gives no value for it: a number would be read as a measurement
    const law = { ...loss, x: ['N'] as ('N' | 'D')[] };
    expect(fmtCoefficient(law, 'E', 1.3e-122)).toBe('E not determined by these scales (its 95% interval runs from 0 to 2.1)');
    expect(fmtCoefficient(law, 'A', 400)).toBe('A=400 [300, 500]');
    // a power law's exponents may be anything, near 0 included
    expect(fmtInterval({ law: 'power', intervals: { N: [-1e-9, 0.2] } }, 'N')).toBe('[-1.00e-9, 0.2]');
  });

  it('a prediction is a miss outside its interval, or too far off whatever its interval; an interval too wide to test says so; without one, a miss past 10%', () => {
    expect(verdict({ value: 9.41e-4, interval: [7e-4, 1.2e-3] }, 5.87e-4, 'factor')).toBe('0.624x the prediction, outside the interval: a miss');
    expect(verdict({ value: 5e-4, interval: [4e-4, 7e-4] }, 5.5e-4, 'factor')).toBe('1.1x the prediction, inside the interval');
    // the user trial's "5.1x the prediction, inside the interval" of [3.24e-6, 0.176]
    expect(verdict({ value: 6.26e-4, interval: [3.24e-6, 0.176] }, 3.192e-3, 'factor')).toBe('5.1x the prediction: a miss (more than 2x off), though inside the interval, which spans 54300x: too wide to test the law');
    expect(verdict({ value: 5e-4, interval: [1e-5, 1e-2] }, 6e-4, 'factor')).toBe('1.2x the prediction, inside the interval, which spans 1000x: too wide to test the law');
    // the demo's verify run: +11.2% "inside the interval" [1.381, 1.98]
    expect(verdict({ value: 1.5, interval: [1.381, 1.98] }, 1.668, 'relative')).toBe('+11.20% from the prediction: a miss (more than 1% off), though inside the interval, which spans -7.93% to +32.00%: too wide to test the law');
    expect(verdict({ value: 2, interval: [1.99, 2.02] }, 2.004, 'relative')).toBe('+0.20% from the prediction, inside the interval');
    expect(verdict({ value: 9.41e-4, interval: null }, 5.87e-4, 'factor')).toBe('0.624x the prediction, no interval to judge it by: a miss (more than 10% off)');
    expect(verdict({ value: 5.2e-4, interval: null }, 5e-4, 'factor')).toBe('0.962x the prediction, no interval to judge it by');
  });

  it('what was found is always read against the prediction, in the same direction for the backtest and the verify run', () => {
    expect(timesPredicted({ value: 5e-4, interval: null }, 5.5e-4)).toBe('1.1x the prediction');
    expect(fromPredicted({ value: 2, interval: null }, 2.02)).toBe('+1.00% from the prediction');
    expect(fromPredicted({ value: 2, interval: null }, 1.98)).toBe('-1.00% from the prediction');
  });

  it("the backtest's nearest run, when it is the scale's best, says that the gap says nothing", () => {
    expect(gapLine({ run: 12, loss: 1.6, gap: 0, lrRatio: 0.62, isBest: true }, 'val_loss', 'learning_rate')).toBe("no run lies nearer the predicted hyperparameters than the scale's best run (trial 12, its learning_rate 0.62x the prediction), so this says nothing of them");
    expect(gapLine({ run: 3, loss: 1.7, gap: 0.012, lrRatio: 1.1, isBest: false }, 'val_loss', 'lr')).toBe("the run nearest the predicted hyperparameters (trial 3, its lr 1.1x the prediction) is +1.20% from the scale's best val_loss");
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
