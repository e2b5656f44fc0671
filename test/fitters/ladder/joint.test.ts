/** lr* fitted to every run of every scale at once (fitters/ladder/joint.ts), against one optimum per scale. */
import { describe, expect, it } from 'vitest';
import { validateStudyConfig } from '../../../src/config/index.js';
import { ConfigError } from '../../../src/core/errors.js';
import type { Trial } from '../../../src/core/trial.js';
import { Rng } from '../../../src/core/rng.js';
import { predictLaw, summarizeLadder } from '../../../fitters/ladder/index.js';
import { ladder, lawLoss, lrStar, pushRun, trials as gridTrials } from '../../helpers/ladder.js';

const SCALES: [number, number][] = [[1e8, 2e9], [1e8, 8e9], [4e8, 8e9], [4e8, 3.2e10], [1.6e9, 3.2e10], [1.6e9, 1.28e11], [6.4e9, 1.28e11]];
const bStar = (D: number): number => 0.3 * D ** 0.5;
const scattered = (extra: Record<string, unknown> = {}) =>
  ladder(SCALES, { method: 'random', run_cap: 24, parameters: { lr: { distribution: 'log_uniform_values', min: 1e-6, max: 1 }, batch_size: { distribution: 'log_uniform_values', min: 1, max: 1e6 } }, ...extra });

/**
 * Runs scattered over two decades of lr and of batch around the planted optimum, many at the cheap
 * scales and six at the two largest (as a compute budget leaves them), with a skewed basin and 0.2%
 * multiplicative noise.
 */
function noisyTrials(seed: number, noise = 0.002, basin = (u: number, v: number): number => 0.004 * u * u * (1 + 0.3 * Math.max(u, 0)) + 0.002 * v * v, lrSpan: [number, number] = [-2.3, 2.3]): Trial[] {
  const cfg = scattered();
  const rng = new Rng(seed);
  const out: Trial[] = [];
  cfg.scales!.forEach((s, i) => {
    const n = i >= 5 ? 6 : 24;
    for (let k = 0; k < n; k++) {
      const u = rng.uniform(...lrSpan);
      const v = rng.uniform(-2.3, 2.3);
      const loss = lawLoss(s.params!, s.tokens) * Math.exp(basin(u, v)) * (1 + rng.normal(0, noise));
      const params = { lr: lrStar(s.params!, s.tokens) * Math.exp(u), batch_size: bStar(s.tokens) * Math.exp(v) };
      pushRun(out, cfg, i, params, loss);
    }
  });
  return out;
}

const T = { N: 7e10, D: 1.4e12 };
const miss = (lr: number): number => Math.abs(Math.log(lr / lrStar(T.N, T.D)));

describe('lr* from every run at once', () => {
  it('noiseless runs in a basin of its shape: the planted exponents back exactly', () => {
    const s = summarizeLadder({ config: scattered(), trials: noisyTrials(1, 0, (u, v) => 0.004 * u * u + 0.001 * u ** 3 + 0.002 * v * v - 0.0005 * u * v), seed: 1, quick: true });
    expect(s.laws.lr!.why).toMatch(/fitted to the better runs of every scale at once \(\d+ runs, one basin shape shared by the scales\)/);
    expect(s.laws.lr!.params.N).toBeCloseTo(-0.7, 6);
    expect(s.laws.lr!.params.D).toBeCloseTo(0.3, 6);
  });

  it('noisy runs, few at the largest scales: its target lr* misses by less than the per-scale law’s over eight seeds, and its interval holds the planted value', () => {
    let joint = 0;
    let optima = 0;
    let covered = 0;
    for (let seed = 1; seed <= 8; seed++) {
      const t = noisyTrials(seed);
      const j = summarizeLadder({ config: scattered(), trials: t, seed, quick: true });
      const o = summarizeLadder({ config: scattered({ fit: { lr_from: 'optima' } }), trials: t, seed, quick: true });
      expect(o.laws.lr!.why).not.toMatch(/every scale at once/);
      joint += miss(j.prediction!.lr!.value);
      optima += miss(o.prediction!.lr!.value);
      const iv = predictLaw(j.laws.lr!, T.N, T.D).interval!;
      if (iv[0] <= lrStar(T.N, T.D) && lrStar(T.N, T.D) <= iv[1]) covered++;
    }
    expect(joint).toBeLessThan(optima);
    expect(covered).toBeGreaterThanOrEqual(6);
  });

  it('a grid keeps one optimum per scale unless lr_from: runs asks; the backtest fits lr* the same way', () => {
    const cfg = ladder(SCALES);
    const t = gridTrials(cfg);
    const auto = summarizeLadder({ config: cfg, trials: t, seed: 1 });
    expect(auto.laws.lr!.why).not.toMatch(/every scale at once/);
    const runs = summarizeLadder({ config: ladder(SCALES, { fit: { lr_from: 'runs' } }), trials: t, seed: 1 });
    expect(runs.laws.lr!.why).toMatch(/every scale at once/);
    expect(runs.laws.lr!.params.N).toBeCloseTo(-0.7, 2);
    expect(runs.backtest!.lr!.predicted.value / lrStar(6.4e9, 1.28e11)).toBeCloseTo(1, 1);
  });

  it('too few runs for the shared basin: lr* from the optima, and a note says why', () => {
    const cfg = scattered();
    const few = noisyTrials(3).filter((t) => (t.scale as { index: number }).index < 3 && t.number % 24 < 5);
    const s = summarizeLadder({ config: { ...cfg, scales: cfg.scales!.slice(0, 3) }, trials: few, seed: 1 });
    expect(s.laws.lr).not.toBeNull();
    expect(s.notes.join('\n')).toMatch(/lr\*: fitted to each scale's optimum: the fit over every run found no basin/);
  });

  it('an lr* beyond the runs of a scale (every run 10x to 100x below it) is not taken from the joint fit, and a note names the scales', () => {
    const s = summarizeLadder({ config: scattered(), trials: noisyTrials(2, 0.002, undefined, [-4.6, -2.3]), seed: 1, quick: true });
    expect(s.laws.lr!.why).not.toMatch(/every scale at once/);
    expect(s.notes.join('\n')).toMatch(/lr\*: fitted to each scale's optimum: the fit over every run puts lr\* beyond the runs at s\d/);
  });

  it('fit.lr_from takes auto, runs or optima, and names them when given anything else', () => {
    expect(() => scattered({ fit: { lr_from: 'all' } })).toThrow(ConfigError);
    try {
      scattered({ fit: { lr_from: 'all' } });
    } catch (e) {
      expect(String(e)).toMatch(/fit\.lr_from.*auto, runs .*optima/s);
    }
    expect(validateStudyConfig({ ...baseRaw(), fit: { lr_from: 'optima' } }).fit!.lrFrom).toBe('optima');
  });
});

function baseRaw(): Record<string, unknown> {
  return { method: 'random', run_cap: 8, metric: { name: 'loss' }, parameters: { lr: { distribution: 'log_uniform_values', min: 1e-5, max: 1 } }, backend: { type: 'sim' }, scales: [{ params: 1e8, tokens: 2e9 }, { params: 4e8, tokens: 8e9 }] };
}
