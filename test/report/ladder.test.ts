/** The ladder summary (pure): per-scale optima, which laws the scales support, predictions, backtest, verify plans. */
import { describe, expect, it } from 'vitest';
import { validateStudyConfig, type StudyConfig } from '../../src/config/index.js';
import type { Trial } from '../../src/core/trial.js';
import { summarizeLadder } from '../../src/report/ladder.js';
import { ladderFitLines, ladderProgress } from '../../src/report/ladder-view.js';
import { planVerify } from '../../src/report/verify.js';
import { scaleRecord } from '../../src/orchestrator/ladder.js';

/** lr*(N, D) = 2·N^-0.7·D^0.3; loss = 1.8 + 400/N^0.34 + 2000/D^0.37, times a quadratic basin in ln(lr/lr*). */
const lrStar = (N: number, D: number): number => 2 * N ** -0.7 * D ** 0.3;
const lawLoss = (N: number, D: number): number => 1.8 + 400 / N ** 0.34 + 2000 / D ** 0.37;

function ladder(scales: [number, number][], extra: Record<string, unknown> = {}): StudyConfig {
  return validateStudyConfig({
    method: 'grid',
    metric: { name: 'loss' },
    parameters: { lr: { values: [1] } },
    backend: { type: 'sim' },
    scales: scales.map(([N, D]) => ({ params: N, tokens: D })),
    target: { params: 7e10, tokens: 1.4e12 },
    ...extra,
  });
}

/** Seven runs per scale on a grid around lr*, noiseless. */
function trials(cfg: StudyConfig, skip: string[] = []): Trial[] {
  const out: Trial[] = [];
  cfg.scales!.forEach((s, i) => {
    if (skip.includes(s.name)) return;
    for (const f of [0.125, 0.25, 0.5, 1, 2, 4, 8]) {
      const lr = lrStar(s.params!, s.tokens) * f * 1.1;
      const u = Math.log(lr / lrStar(s.params!, s.tokens));
      out.push({ id: out.length + 1, number: out.length, state: 'COMPLETE', params: { lr }, scale: { ...scaleRecord(s, i) }, value: lawLoss(s.params!, s.tokens) * (1 + 0.004 * u * u) } as unknown as Trial);
    }
  });
  return out;
}

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
    expect(far.notes.join('\n')).toMatch(/the target trains 286 tokens per parameter, the scales 20 to 20; a law in N alone does not see that difference/);
  });

  it('follows fit: where it is declared, and says which law was declared', () => {
    const cfg = ladder([[1e8, 2e9], [4e8, 8e9], [1.6e9, 3.2e10], [6.4e9, 1.28e11]], { fit: { lr: 'D', loss: 'none' } });
    const s = summarizeLadder({ config: cfg, trials: trials(cfg) });
    expect(s.laws.lr).toMatchObject({ x: ['D'], chosen: 'declared', why: 'declared in fit:' });
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

  it('plans a verify run at the largest scale from the laws fitted without it, and at the target from all', () => {
    const cfg = ladder([[1e8, 2e9], [4e8, 8e9], [1.6e9, 3.2e10], [6.4e9, 1.28e11]]);
    const largest = planVerify(cfg, trials(cfg), [], 'largest');
    expect(largest.scale).toMatchObject({ name: 's4', role: 'verify', params: 6.4e9, tokens: 1.28e11 });
    expect((largest.params.lr as number) / lrStar(6.4e9, 1.28e11)).toBeCloseTo(1, 4);
    const target = planVerify(cfg, trials(cfg), [], 'target');
    expect(target.scale).toMatchObject({ name: 'target', target: true, params: 7e10 });
    expect(target.scale.predicted.loss).not.toBeNull();
    expect(() => planVerify(ladder([[1e8, 2e9], [4e8, 8e9]]), trials(ladder([[1e8, 2e9], [4e8, 8e9]])), [], 'largest')).toThrow(/at least 2 others/);
  });

  it('the live view: bars per scale, and the running fit only once two scales are done', () => {
    const cfg = ladder([[1e8, 2e9], [4e8, 8e9], [1.6e9, 3.2e10]], { method: 'random', run_cap: 7, parameters: { lr: { distribution: 'log_uniform_values', min: 1e-5, max: 1 } } });
    const all = trials(cfg);
    const first = all.slice(0, 10);
    const p = ladderProgress(cfg, first);
    expect(p.map((x) => [x.name, x.finished, x.budget, x.done])).toEqual([['s1', 7, 7, true], ['s2', 3, 7, false], ['s3', 0, 7, false]]);
    expect(p[0]!.best).toBeCloseTo(lawLoss(1e8, 2e9) * (1 + 0.004 * Math.log(1.1) ** 2), 10);
    expect(ladderFitLines(cfg, first, 0)).toBeNull();
    const lines = ladderFitLines(cfg, all.slice(0, 14), 0)!;
    expect(lines.join('\n')).toMatch(/lr\* = a·N\^N/);
    expect(lines.join('\n')).toMatch(/target: lr\* .* \(from 2 scales\)/);
  });
});
