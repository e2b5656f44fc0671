/** The ladder summary (pure): per-scale optima, which laws the scales support, predictions, backtest. */
import { describe, expect, it } from 'vitest';
import { summarizeLadder } from '../../../fitters/ladder/index.js';
import { formatLadder } from '../../../src/report/ladder-text.js';
import { ladder, lawLoss, lrStar, trials } from '../../helpers/ladder.js';

describe('summarizeLadder', () => {
  it('N and D varied apart: Step Law’s lr*(N, D) and Chinchilla, recovered exactly from noiseless optima', () => {
    const cfg = ladder([[1e8, 2e9], [1e8, 8e9], [4e8, 8e9], [4e8, 3.2e10], [1.6e9, 3.2e10], [1.6e9, 1.28e11], [6.4e9, 1.28e11]]);
    const s = summarizeLadder({ config: cfg, trials: trials(cfg), seed: 1 });
    for (const z of s.scales) {
      expect(z.optimum?.method).toBe('interpolated');
      expect(z.optimum!.lr / lrStar(z.N!, z.D)).toBeCloseTo(1, 6);
    }
    expect(s.laws.lr).toMatchObject({ law: 'power', x: ['N', 'D'], chosen: 'auto' });
    expect(s.laws.lr!.params.N).toBeCloseTo(-0.7, 6);
    expect(s.laws.lr!.params.D).toBeCloseTo(0.3, 6);
    expect(s.laws.batch).toBeNull(); // no batch parameter
    expect(s.laws.loss?.law).toBe('chinchilla');
    expect(s.prediction!.lr!.value / lrStar(7e10, 1.4e12)).toBeCloseTo(1, 4);
    expect(s.prediction!.loss!.value / lawLoss(7e10, 1.4e12)).toBeCloseTo(1, 2);
    expect(s.backtest?.scale).toBe('s7');
    expect(s.backtest!.lr!.predicted.value / s.backtest!.lr!.measured).toBeCloseTo(1, 4);
    expect(s.backtest!.lossGap!.gap).toBeGreaterThanOrEqual(0);
    expect(s.notes).toEqual([]);
  });

  it('N and D grown together: lr*(N) alone, E + A·N^−α, and a note when the target leaves that ratio', () => {
    const cfg = ladder([[1e8, 2e9], [4e8, 8e9], [1.6e9, 3.2e10], [6.4e9, 1.28e11]]);
    const s = summarizeLadder({ config: cfg, trials: trials(cfg), seed: 1 });
    expect(s.laws.lr).toMatchObject({ x: ['N'], chosen: 'auto' });
    expect(s.laws.lr!.why).toMatch(/grow together/);
    expect(s.laws.lr!.params.N).toBeCloseTo(-0.4, 6); // -0.7 + 0.3 along D = 20 N
    expect(s.laws.loss?.law).toBe('power-offset');
    expect(s.notes).toEqual([]); // the target keeps the scales' 20 tokens per parameter
    const far = summarizeLadder({ config: { ...cfg, target: { name: 't', params: 7e10, tokens: 2e13, model: {} } }, trials: trials(cfg) });
    expect(far.notes.join('\n')).not.toMatch(/tokens per parameter/);
    expect(far.warnings.join('\n')).toMatch(/the target trains 286 tokens per parameter, the scales 20 to 20; a law in N alone does not see that difference/);
  });

  it('an optimum at the edge of its sweep is the edge run, labelled so, and the law fitted from it says so', () => {
    const cfg = ladder([[1e8, 2e9], [4e8, 8e9], [1.6e9, 3.2e10]]);
    // the smallest scale swept only below its optimum: its best run is the largest lr tried
    const all = trials(cfg).filter((t) => t.scale!.name !== 's1' || (t.params.lr as number) < lrStar(1e8, 2e9));
    const s = summarizeLadder({ config: cfg, trials: all, seed: 1 });
    const s1 = s.scales.find((z) => z.name === 's1')!;
    expect(s1.optimum).toMatchObject({ method: 'best-run', edge: 'largest' });
    expect(s1.optimum!.lr).toBe(Math.max(...s1.runs.map((r) => r.lr)));
    expect(s.scales.filter((z) => z.name !== 's1').every((z) => z.optimum?.method === 'interpolated' && !z.optimum.edge)).toBe(true);
    expect(s.warnings.join('\n')).toMatch(/lr\*: fitted from edge optima at s1 \(the largest lr swept\): the true optimum lies beyond the sweep there/);
    // what weakens the prediction is a warning in the text, apart from the notes
    expect(formatLadder(s)).toMatch(/^warning: lr\*: fitted from edge optima at s1/m);
    expect(formatLadder(s)).not.toMatch(/^note: lr\*: fitted from edge optima/m);
  });

  it("scattered runs whose best is the largest tried, in a range that reaches further, are told to try there, not to widen the range", () => {
    const cfg = ladder([[1e8, 2e9], [4e8, 8e9], [1.6e9, 3.2e10]], { method: 'random', run_cap: 7, parameters: { lr: { distribution: 'log_uniform_values', min: 1e-6, max: 1 } } });
    const all = trials(cfg).filter((t) => t.scale!.name !== 's1' || (t.params.lr as number) < lrStar(1e8, 2e9));
    const s = summarizeLadder({ config: cfg, trials: all, seed: 1 });
    const s1 = s.scales.find((z) => z.name === 's1')!;
    expect(s1.optimum).toMatchObject({ method: 'best-run', edge: 'largest' });
    expect(s1.optimum!.note).toMatch(/the search's lr range reaches 1\.00, but none of its runs went above lr [\d.e-]+: more runs there would bracket the optimum$/);
    expect(s1.optimum!.note).not.toMatch(/widen the sweep/);
  });

  it('follows fit: where it is declared, and says which law was declared', () => {
    const cfg = ladder([[1e8, 2e9], [4e8, 8e9], [1.6e9, 3.2e10], [6.4e9, 1.28e11]], { fit: { lr: 'D', loss: 'none' } });
    const s = summarizeLadder({ config: cfg, trials: trials(cfg) });
    expect(s.laws.lr).toMatchObject({ x: ['D'], chosen: 'declared', why: expect.stringMatching(/^declared in fit:; fitted to each scale's optimum, weighted by its runs$/) });
    expect(s.laws.loss).toBeNull();
    expect(s.prediction!.loss).toBeNull();
  });

  it('a scale with too few runs stands by its best run, and two scales are too few for a backtest', () => {
    const cfg = ladder([[1e8, 2e9], [4e8, 8e9]]);
    const ts = trials(cfg).filter((t, i) => i < 7 || i % 3 === 0);
    const s = summarizeLadder({ config: cfg, trials: ts });
    expect(s.scales[1]!.optimum?.method).toBe('best-run');
    expect(s.notes.join('\n')).toMatch(/s2: the best run stands for the optimum/);
    expect(s.backtest).toBeNull();
    expect(s.notes.join('\n')).toMatch(/backtest: needs three or more scales/);
    expect(s.laws.loss).toBeNull();
  });

  it('a backtest of a scale that searched around the smaller scales\' prediction says it is not independent of them', () => {
    const scales: [number, number][] = [[1e8, 2e9], [4e8, 8e9], [1.6e9, 3.2e10]];
    const continuous = { lr: { distribution: 'log_uniform_values', min: 1e-6, max: 1 } };
    const steered = ladder(scales, { method: 'random', run_cap: 7, transfer: 'auto', parameters: continuous });
    expect(summarizeLadder({ config: steered, trials: trials(steered), seed: 1 }).notes.join('\n')).toMatch(/backtest: s3 searched around what the smaller scales predicted \(transfer\), so its optimum is not independent/);
    const free = ladder(scales, { method: 'random', run_cap: 7, parameters: continuous });
    expect(summarizeLadder({ config: free, trials: trials(free), seed: 1 }).notes.join('\n')).not.toMatch(/not independent/);
  });
});
