import { describe, expect, it } from 'vitest';
import { argmin, nearOptimalBand, quadraticOptimum } from '../../fitters/optimum.js';
import { fitPower, fitPowerOffset, predictPower, predictPowerOffset, type Row } from '../../fitters/power.js';
import { fitStepLaw, predictStepLaw, type HpRun } from '../../fitters/steplaw.js';
import { FitError } from '../../fitters/types.js';
import { Rng } from '../../src/core/rng.js';
import { HAVE_SCALING_DATA, readCsv, SKIP_MESSAGE } from '../helpers/shared-data.js';

describe('per-scale optimum', () => {
  const sweep = (lrs: number[], f: (lr: number) => number) => lrs.map((lr) => ({ lr, loss: f(lr) }));
  const basin = (lr: number) => 2 + 0.05 * (Math.log(lr) - Math.log(3e-3)) ** 2;
  const lrs = [1e-4, 3e-4, 1e-3, 2e-3, 4e-3, 1e-2, 3e-2];

  it('argmin, the 0.25% band, and the interpolated optimum of a log-quadratic basin', () => {
    const pts = sweep(lrs, basin);
    expect(argmin(pts).lr).toBe(4e-3);
    expect(nearOptimalBand(pts).map((p) => p.lr)).toEqual([2e-3, 4e-3]);
    const q = quadraticOptimum(pts);
    expect(q.lr).toBeCloseTo(3e-3, 10);
    expect(q.loss).toBeCloseTo(2, 10);
    expect(q.curvature.lr).toBeCloseTo(0.1, 10);
  });

  it('a 2-D quadratic in (log lr, log batch) finds both optima', () => {
    const pts = [];
    for (const lr of lrs) for (const batch of [64, 128, 256, 512, 1024]) {
      pts.push({ lr, batch, loss: basin(lr) + 0.02 * (Math.log(batch) - Math.log(300)) ** 2 + 0.01 * (Math.log(lr) - Math.log(3e-3)) * (Math.log(batch) - Math.log(300)) });
    }
    const q = quadraticOptimum(pts);
    expect(q.lr).toBeCloseTo(3e-3, 8);
    expect(q.batch).toBeCloseTo(300, 5);
  });

  it('refuses an optimum on the edge of the sweep', () => {
    expect(() => quadraticOptimum(sweep([1e-4, 3e-4, 1e-3], basin))).toThrow(/not bracketed: the lowest loss is at the largest learning rate swept \(0\.001\); widen the sweep upwards/);
    expect(() => quadraticOptimum(sweep([1e-2, 3e-2, 1e-1], basin))).toThrow(/smallest learning rate/);
    expect(() => argmin([])).toThrow(FitError);
  });

  it('refuses a vertex outside the learning rates it was fitted to: a wall beside the best run is not an optimum decades away', () => {
    // best run inside the sweep (3e-3), but a steep wall at 1e-2 tilts the quadratic's vertex to 8e-14
    const pts = [1e-3, 3e-3, 1e-2, 3e-2, 1e-1].map((lr, i) => ({ lr, loss: [2.001, 2.0, 2.3, 2.31, 2.35][i]! }));
    expect(() => quadraticOptimum(pts)).toThrow(/the interpolated optimum \(8\.02e-14\) lies outside the learning rates it was fitted to \(0\.001 to 0\.03\): not bracketed/);
  });
});

describe('generic power laws', () => {
  it('power: recovers exponents within 2% and its 95% intervals cover the truth about 95% of the time', () => {
    const truth = { a: 0.3, C: -0.125 };
    let covered = 0;
    const seeds = 60;
    for (let s = 0; s < seeds; s++) {
      const rng = new Rng(100 + s);
      const rows: Row[] = [];
      for (let k = 0; k < 12; k++) {
        const C = 10 ** (18 + k * 0.5);
        rows.push({ x: { C }, y: predictPower(truth, { C }, ["C"]) * Math.exp(rng.normal(0, 0.01)) });
      }
      const fit = fitPower(rows, ['C'], { bootstrap: { count: 300, seed: s } });
      expect(Math.abs(fit.params.C! / truth.C - 1)).toBeLessThan(0.02);
      const [lo, hi] = fit.intervals.C!;
      if (lo <= truth.C && truth.C <= hi) covered++;
    }
    // percentile bootstrap on 12 points runs a little narrow; allow 85%–100%
    expect(covered / seeds).toBeGreaterThan(0.85);
  });

  it('power over two columns names each exponent after its column, with a backtest at the largest scale', () => {
    const rows: Row[] = [];
    for (const N of [1e8, 2e8, 4e8, 8e8]) for (const D of [1e10, 3e10]) rows.push({ x: { N, D }, y: 78 * N ** -0.77 * D ** 0.2 });
    const fit = fitPower(rows, ['N', 'D'], { bootstrap: { count: 50 } });
    expect(Object.keys(fit.params)).toEqual(['a', 'N', 'D']);
    expect(fit.params.N).toBeCloseTo(-0.77, 10);
    expect(fit.backtest).toMatchObject({ heldOut: 'N = 8.00e+8', nFit: 6, nHeldOut: 2 });
    expect(fit.backtest!.maxAbsRelError).toBeLessThan(1e-9);
  });

  it('power-offset recovers E, A and alpha', () => {
    const truth = { E: 1.8, A: 50, alpha: 0.3 };
    const rng = new Rng(3);
    const rows: Row[] = [1e6, 3e6, 1e7, 3e7, 1e8, 3e8, 1e9, 3e9].map((x) => ({ x: { N: x }, y: predictPowerOffset(truth, x) * Math.exp(rng.normal(0, 0.001)) }));
    const fit = fitPowerOffset(rows, 'N', { bootstrap: { count: 50 } });
    expect(Math.abs(fit.params.alpha! / truth.alpha - 1)).toBeLessThan(0.02);
    expect(Math.abs(fit.params.E! / truth.E - 1)).toBeLessThan(0.01);
  });

  it('degenerate input gets a clear error, never NaN', () => {
    expect(() => fitPower([{ x: { C: 1 }, y: 2 }], ['C'])).toThrow(/1 point for 2 parameters/);
    expect(() => fitPower([{ x: { C: 1 }, y: 2 }, { x: { C: 1 }, y: 3 }], ['C'])).toThrow(/every point has the same C/);
    expect(() => fitPower([{ x: { C: 1 }, y: -2 }, { x: { C: 2 }, y: 3 }], ['C'])).toThrow(/y: point 0 is -2/);
    expect(() => fitPower([{ x: { C: Number.NaN }, y: 2 }, { x: { C: 2 }, y: 3 }], ['C'])).toThrow(/C: point 0 is NaN/);
  });
});

describe('Step Law', () => {
  it('recovers a planted lr and batch law from synthetic sweeps', () => {
    const truth = { a: 1.79, alpha: -0.713, beta: 0.307, b: 0.58, gamma: 0.571 };
    const rng = new Rng(5);
    const runs: HpRun[] = [];
    for (const N of [5e7, 1e8, 2e8, 4e8]) for (const D of [1e9, 4e9, 1.6e10]) {
      const opt = predictStepLaw(truth, N, D);
      for (const f of [0.25, 0.5, 0.71, 1, 1.41, 2, 4]) for (const g of [0.5, 1, 2]) {
        const lr = opt.lr * f * Math.exp(rng.normal(0, 0.01));
        const batch = opt.batch * g;
        runs.push({ N, D, lr, batch, loss: 2 + 0.02 * Math.log(f) ** 2 + 0.005 * Math.log(g) ** 2 });
      }
    }
    const fit = fitStepLaw(runs, { bootstrap: { count: 100 } });
    expect(Math.abs(fit.params.alpha / truth.alpha - 1)).toBeLessThan(0.02);
    expect(Math.abs(fit.params.beta / truth.beta - 1)).toBeLessThan(0.02);
    expect(Math.abs(fit.params.gamma / truth.gamma - 1)).toBeLessThan(0.02);
    expect(fit.backtest!.maxAbsRelError).toBeLessThan(0.001);
  });

  it('needs more than one model size', () => {
    expect(() => fitStepLaw([1, 2, 3].map((i) => ({ N: 1e8, D: 1e9 * i, lr: 1e-3 * i, batch: 1e5 * i, loss: 2 })))).toThrow(/two or more model sizes/);
  });
});

describe.skipIf(!HAVE_SCALING_DATA)('published data', () => {
  if (!HAVE_SCALING_DATA) console.warn(SKIP_MESSAGE);

  it('Step Law on the released dense grid (target 2): coefficients and the held-out loss gap at N = 1.07e9', () => {
    const runs: HpRun[] = readCsv('steplaw_dense_lr_bs_loss.csv').map((r) => ({ N: Number(r.N), D: Number(r.D), lr: Number(r.lr), batch: Number(r.bs) * 2048, loss: Number(r['smooth loss']) }));
    expect(runs).toHaveLength(1911);
    const fit = fitStepLaw(runs, { bootstrap: { count: 1000, seed: 1 } });
    expect(fit.params.a).toBeCloseTo(77.7, 1);
    expect(fit.params.alpha).toBeCloseTo(-0.766, 3);
    expect(fit.params.beta).toBeCloseTo(0.197, 3);
    expect(fit.params.b).toBeCloseTo(0.209, 3);
    expect(fit.params.gamma).toBeCloseTo(0.613, 3);
    expect(fit.intervals.alpha![0]).toBeLessThan(-0.766);
    expect(fit.intervals.alpha![1]).toBeGreaterThan(-0.766);
    const gaps = Object.entries(fit.backtest!.extra!).filter(([k]) => k.startsWith('loss_gap')).map(([, v]) => v);
    expect(gaps).toHaveLength(2);
    for (const g of gaps) expect(g).toBeLessThan(0.001);
    expect(fit.backtest!.extra!['loss_gap_D=2.00e+10']).toBeCloseTo(0.0004, 4);
    expect(fit.backtest!.extra!['loss_gap_D=5.69e+10']).toBeCloseTo(0.0008, 4);
  });

  it("Porian et al.'s compute-optimal exponents (target 4): 0.497 tuned, 0.834 Kaplan's setup", () => {
    const rows = readCsv('porian2024_compute_optimal_pairs.csv');
    const pick = (w: Record<string, string>) => rows.filter((r) => Object.entries(w).every(([k, v]) => r[k] === v)).map((r) => ({ x: { flops: Number(r.flops) }, y: Number(r.n_opt) }));
    const tuned = pick({ source_file: 'summary_df', dataset: 'rw', hparams: 'tuned', warmup: 'short', decay: 'const', param_count: 'standard', val: 'val' });
    const kaplan = pick({ dataset: 'rw', hparams: 'base', warmup: 'long', decay: 'kaplan', param_count: 'kaplan', val: 'train' });
    expect(tuned).toHaveLength(12);
    expect(kaplan).toHaveLength(11);
    expect(fitPower(tuned, ['flops'], { bootstrap: { count: 100 } }).params.flops).toBeCloseTo(0.497, 3);
    expect(fitPower(kaplan, ['flops'], { bootstrap: { count: 100 } }).params.flops).toBeCloseTo(0.834, 3);
  });

  it('a Porian group with empty values is refused with a message, not NaN', () => {
    const rows = readCsv('porian2024_compute_optimal_pairs.csv');
    const empty = rows.filter((r) => r.n_opt === '' || r.flops === '');
    if (empty.length === 0) return;
    const pts = rows.filter((r) => r.dataset === empty[0]!.dataset && r.hparams === empty[0]!.hparams && r.warmup === empty[0]!.warmup && r.decay === empty[0]!.decay && r.param_count === empty[0]!.param_count && r.val === empty[0]!.val);
    expect(() => fitPower(pts.map((r) => ({ x: { flops: Number(r.flops) }, y: r.n_opt === '' ? Number.NaN : Number(r.n_opt) })), ['flops'])).toThrow(FitError);
  });
});

describe('interpolated optima of scattered runs, and least-squares intervals', () => {
  it('a cubic finds the optimum of a skewed basin that a quadratic misplaces', async () => {
    const { cubicOptimum } = await import('../../fitters/optimum.js');
    const rng = new Rng(5);
    // steeper above the optimum (as measured basins are): loss = 2 (1 + 0.05 u^2 (1 + 0.6 u)), u = ln(lr / 0.01)
    const pts = Array.from({ length: 30 }, () => {
      const u = rng.uniform(-1.6, 1.2);
      return { lr: 0.01 * Math.exp(u), loss: 2 * (1 + 0.05 * u * u * (1 + 0.6 * u)) };
    });
    const c = cubicOptimum(pts);
    expect(c.lr).toBeCloseTo(0.01, 6);
    expect(c.loss).toBeCloseTo(2, 8);
    const q = quadraticOptimum(pts, { window: pts.length });
    expect(Math.abs(Math.log(q.lr / 0.01))).toBeGreaterThan(0.05);
    // two dimensions: lr and batch
    const pts2 = Array.from({ length: 40 }, () => {
      const u = rng.uniform(-1.5, 1.5);
      const v = rng.uniform(-1.5, 1.5);
      return { lr: 0.003 * Math.exp(u), batch: 256 * Math.exp(v), loss: 3 + 0.02 * u * u * (1 + 0.5 * u) + 0.01 * v * v + 0.004 * u * v };
    });
    const c2 = cubicOptimum(pts2);
    expect(c2.lr).toBeCloseTo(0.003, 5);
    expect(c2.batch!).toBeCloseTo(256, 2);
    expect(() => cubicOptimum(pts.filter((p) => p.lr < 0.005))).toThrow(FitError); // the optimum is not among the runs
    expect(() => cubicOptimum(pts.slice(0, 5))).toThrow(/at least 6/);
  });

  it('Student-t quantiles', async () => {
    const { studentTQuantile } = await import('../../fitters/power.js');
    expect(studentTQuantile(0.975, 1)).toBeCloseTo(12.706, 3);
    expect(studentTQuantile(0.975, 3)).toBeCloseTo(3.182, 3);
    expect(studentTQuantile(0.975, 30)).toBeCloseTo(2.042, 3);
    expect(studentTQuantile(0.5, 7)).toBeCloseTo(0, 6);
  });

  it('power laws with `ols` intervals cover the true exponent at about their level', () => {
    const rng = new Rng(11);
    let covered = 0;
    const trials = 200;
    for (let k = 0; k < trials; k++) {
      const rows = [1e6, 4e6, 1.6e7, 6.4e7, 2.56e8].map((N) => ({ x: { N }, y: 3 * N ** -0.4 * Math.exp(0.1 * rng.normal()) }));
      const f = fitPower(rows, ['N'], { intervals: 'ols', bootstrap: { count: 200, seed: k } });
      const [lo, hi] = f.intervals.N!;
      if (lo <= -0.4 && -0.4 <= hi) covered++;
      expect(f.samples!.length).toBe(200);
    }
    expect(covered / trials).toBeGreaterThan(0.9);
    expect(covered / trials).toBeLessThan(0.99);
    // as many points as coefficients: no interval at all, rather than a fake one
    expect(fitPower([{ x: { N: 1 }, y: 1 }, { x: { N: 2 }, y: 3 }], ['N'], { intervals: 'ols' }).intervals).toEqual({});
  });
});
