// Multi-objective benchmark problems (minimised), as bench/search-mo/optuna_mo.py defines them too:
// ZDT1 (convex front), ZDT2 (concave), ZDT3 (five disconnected pieces) and DTLZ2 (3 objectives, a
// sphere's octant), each on [0, 1]^6 (the ZDTs' usual 30 dimensions would take a GP well past these
// budgets). Each with its reference point and the hypervolume of its true front up to it.
import { hypervolume, nondominated } from '../../dist/src/core/pareto.js';

export const D = 6;

function zdt(kind) {
  return (x) => {
    const g = 1 + (9 * x.slice(1).reduce((a, b) => a + b, 0)) / (x.length - 1);
    const r = x[0] / g;
    const h = kind === 1 ? 1 - Math.sqrt(r) : kind === 2 ? 1 - r * r : 1 - Math.sqrt(r) - r * Math.sin(10 * Math.PI * x[0]);
    return [x[0], g * h];
  };
}

function dtlz2(x, m = 3) {
  const g = x.slice(m - 1).reduce((s, v) => s + (v - 0.5) ** 2, 0);
  return Array.from({ length: m }, (_, i) => {
    let v = 1 + g;
    for (let j = 0; j < m - 1 - i; j++) v *= Math.cos((x[j] * Math.PI) / 2);
    if (i > 0) v *= Math.sin((x[m - 1 - i] * Math.PI) / 2);
    return v;
  });
}

/** The true front sampled densely (g = 1 for the ZDTs, g = 0 for DTLZ2), nondominated points only. */
function trueFront(f, m) {
  const pts = [];
  if (m === 2) for (let i = 0; i <= 4000; i++) pts.push(f([i / 4000, ...new Array(D - 1).fill(0)]));
  else for (let i = 0; i <= 60; i++) for (let j = 0; j <= 60; j++) pts.push(f([i / 60, j / 60, ...new Array(D - 2).fill(0.5)]));
  return nondominated(pts).map((i) => pts[i]);
}

const make = (f, m, ref) => ({ f, m, ref, best: hypervolume(trueFront(f, m), ref) });
export const PROBLEMS = {
  zdt1: make(zdt(1), 2, [1.1, 11]),
  zdt2: make(zdt(2), 2, [1.1, 11]),
  zdt3: make(zdt(3), 2, [1.1, 11]),
  dtlz2: make(dtlz2, 3, [1.1, 1.1, 1.1]),
};
