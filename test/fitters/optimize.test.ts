import { describe, expect, it } from 'vitest';
import { lbfgs, levenbergMarquardt, multiStart, sumOfSquares, type ResidualFn } from '../../fitters/optimize.js';

const rosenbrock = (x: readonly number[]) => {
  const [a, b] = x as [number, number];
  return { value: (1 - a) ** 2 + 100 * (b - a * a) ** 2, grad: [-2 * (1 - a) - 400 * a * (b - a * a), 200 * (b - a * a)] };
};

// y = 3·exp(−0.7 t) + 0.5
const ts = [0, 0.5, 1, 1.5, 2, 3, 4, 6];
const decay: ResidualFn = (x) => {
  const [A, k, c] = x as [number, number, number];
  return { r: ts.map((t) => A * Math.exp(-k * t) + c - (3 * Math.exp(-0.7 * t) + 0.5)), J: ts.map((t) => [Math.exp(-k * t), -A * t * Math.exp(-k * t), 1]) };
};

describe('optimizers', () => {
  it('L-BFGS finds the Rosenbrock minimum', () => {
    const r = lbfgs(rosenbrock, [-1.2, 1], { maxIterations: 2000, gradTol: 1e-10, relTol: 0 });
    expect(r.x[0]).toBeCloseTo(1, 5);
    expect(r.x[1]).toBeCloseTo(1, 5);
  });

  it('L-BFGS respects bounds by projection', () => {
    const r = lbfgs(rosenbrock, [0, 0], { maxIterations: 2000, upper: [0.5, null] });
    expect(r.x[0]).toBeLessThanOrEqual(0.5);
    expect(r.x[0]).toBeCloseTo(0.5, 4);
    expect(r.x[1]).toBeCloseTo(0.25, 4);
  });

  it('Levenberg–Marquardt fits a nonlinear least-squares model exactly, and agrees with L-BFGS on the same residuals', () => {
    const lm = levenbergMarquardt(decay, [1, 0.1, 0]);
    expect(lm.x.map((v) => Number(v.toFixed(6)))).toEqual([3, 0.7, 0.5]);
    expect(lm.value).toBeLessThan(1e-20);
    const lb = lbfgs(sumOfSquares(decay), [1, 0.1, 0], { maxIterations: 5000, gradTol: 1e-12, relTol: 0 });
    expect(lb.x[1]).toBeCloseTo(0.7, 4);
  });

  it('multiStart keeps the best of its starts and can polish the leaders', () => {
    const f = (x: readonly number[]) => ({ value: Math.cos(3 * x[0]!) + 0.1 * x[0]! ** 2, grad: [-3 * Math.sin(3 * x[0]!) + 0.2 * x[0]!] });
    const starts = [-3, -2, -1, 0.1, 1, 2, 3].map((v) => [v]);
    const plain = multiStart((s) => lbfgs(f, s), starts)!;
    const polished = multiStart((s) => lbfgs(f, s, { maxIterations: 2 }), starts, { polish: { top: 3, local: (x) => lbfgs(f, x) } })!;
    expect(Math.abs(plain.x[0]!)).toBeCloseTo(1.0, 1);
    expect(polished.value).toBeCloseTo(plain.value, 8);
  });
});
