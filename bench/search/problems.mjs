// Benchmark problems, the same as bench/search/optuna_search.py defines for Optuna.

/** Rosenbrock's function in d dimensions on [−5, 10]^d: a long curved valley, its minimum 0 at (1, …, 1). */
function rosenbrock(d) {
  return {
    space: Object.fromEntries(Array.from({ length: d }, (_, i) => [`x${i}`, [-5, 10]])),
    min: 0,
    f: (p) => {
      const x = Array.from({ length: d }, (_, i) => p[`x${i}`]);
      let s = 0;
      for (let i = 0; i < d - 1; i++) s += 100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2;
      return s;
    },
  };
}
export const PROBLEMS = {
  branin: {
    space: { x1: [-5, 10], x2: [0, 15] },
    min: 0.397887,
    f: ({ x1, x2 }) => (x2 - (5.1 / (4 * Math.PI ** 2)) * x1 * x1 + (5 / Math.PI) * x1 - 6) ** 2 + 10 * (1 - 1 / (8 * Math.PI)) * Math.cos(x1) + 10,
  },
  hartmann6: {
    space: Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`x${i}`, [0, 1]])),
    min: -3.32237,
    f: (p) => {
      const x = Array.from({ length: 6 }, (_, i) => p[`x${i}`]);
      const alpha = [1.0, 1.2, 3.0, 3.2];
      const A = [
        [10, 3, 17, 3.5, 1.7, 8],
        [0.05, 10, 17, 0.1, 8, 14],
        [3, 3.5, 1.7, 10, 17, 8],
        [17, 8, 0.05, 10, 0.1, 14],
      ];
      const P = [
        [1312, 1696, 5569, 124, 8283, 5886],
        [2329, 4135, 8307, 3736, 1004, 9991],
        [2348, 1451, 3522, 2883, 3047, 6650],
        [4047, 8828, 8732, 5743, 1091, 381],
      ];
      let s = 0;
      for (let i = 0; i < 4; i++) {
        let inner = 0;
        for (let j = 0; j < 6; j++) inner += A[i][j] * (x[j] - P[i][j] * 1e-4) ** 2;
        s += alpha[i] * Math.exp(-inner);
      }
      return -s;
    },
  },
  ackley5: {
    space: Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`x${i}`, [-32.768, 32.768]])),
    min: 0,
    f: (p) => {
      const x = Object.values(p);
      const d = x.length;
      return -20 * Math.exp(-0.2 * Math.sqrt(x.reduce((s, v) => s + v * v, 0) / d)) - Math.exp(x.reduce((s, v) => s + Math.cos(2 * Math.PI * v), 0) / d) + 20 + Math.E;
    },
  },
  rosenbrock4: rosenbrock(4),
  // issue 19's harder problems, each hard another way
  michalewicz5: {
    // many local minima, steep narrow valleys (m = 10); minimum from Vanaret et al. 2020
    space: Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`x${i}`, [0, Math.PI]])),
    min: -4.687658,
    f: (p) => -Array.from({ length: 5 }, (_, i) => p[`x${i}`]).reduce((s, x, i) => s + Math.sin(x) * Math.sin(((i + 1) * x * x) / Math.PI) ** 20, 0),
  },
  // a long curved valley
  rosenbrock8: rosenbrock(8),
  hartmann6in20: {
    // Hartmann-6 on the first six of twenty inputs: fourteen do nothing
    space: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`x${i}`, [0, 1]])),
    min: -3.32237,
    f: (p) => PROBLEMS.hartmann6.f(p),
  },
  griewank6: {
    space: Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`x${i}`, [-50, 50]])),
    min: 0,
    f: (p) => {
      const x = Array.from({ length: 6 }, (_, i) => p[`x${i}`]);
      return 1 + x.reduce((s, v) => s + (v * v) / 4000, 0) - x.reduce((s, v, i) => s * Math.cos(v / Math.sqrt(i + 1)), 1);
    },
  },
};
