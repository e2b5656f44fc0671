/**
 * The surface the dashboard's contour draws: a Gaussian process (the one `bayes` searches with) fitted
 * to a study's completed trials in the unit cube of the search, its posterior mean over a grid of two
 * parameters with the others held at the best trial's values. Pure; costs one GP fit.
 */
import { fromUnit, isFixed, isLogScale, toUnit, type Params, type SearchSpace } from '../core/distributions.js';
import { GaussianProcess } from '../../searchers/gp.js';
import type { ReportModel } from './model.js';

export interface Surface {
  params: [string, string];
  log: [boolean, boolean];
  /** grid cells in the parameters' own units, with the GP's mean there (in the metric's units) */
  cells: { x0: number; x1: number; y0: number; y1: number; mean: number }[];
  points: { trial: number; x: number; y: number; value: number; best: boolean }[];
  trials: number;
  /** the other parameters' values, as text, or null when there are none */
  heldAt: string | null;
}

const GRID = 24;
/** The GP's fit is cubic in the trials: the latest ones are enough to draw its shape. */
const MAX_TRIALS = 300;

/**
 * Two numeric parameters to draw: `pair` when given, else the two most important (by `ranked`, most
 * important first) or the first two searched. Null with fewer than two numeric parameters or 5 trials.
 */
export function gpSurface(m: ReportModel, space: SearchSpace, ranked: readonly string[] = [], pair?: [string, string]): Surface | null {
  const done = m.history.filter((h) => h.state === 'complete' && typeof h.value === 'number' && Number.isFinite(h.value) && !h.infeasible && h.scale === null).slice(-MAX_TRIALS);
  const dims = Object.keys(space).filter((k) => !isFixed(space[k]!));
  const numeric = dims.filter((k) => space[k]!.type !== 'categorical' && done.every((h) => typeof h.params[k] === 'number'));
  if (done.length < 5 || numeric.length < 2) return null;
  const order = [...ranked.filter((k) => numeric.includes(k)), ...numeric.filter((k) => !ranked.includes(k))];
  const [a, b] = pair ?? [order[0]!, order[1]!];
  const sign = m.study.goal === 'maximize' ? -1 : 1;
  const ys = done.map((h) => h.value!);
  const mean = ys.reduce((s, v) => s + v, 0) / ys.length;
  const sd = Math.sqrt(ys.reduce((s, v) => s + (v - mean) ** 2, 0) / ys.length) || 1;
  const encode = (p: Params): number[] => dims.map((k) => toUnit(space[k]!, p[k] ?? null));
  const gp = new GaussianProcess(dims.length);
  gp.fit(done.map((h) => encode(h.params)), ys.map((v) => (v - mean) / sd));
  const best = done.reduce((x, y) => (sign * y.value! < sign * x.value! ? y : x));
  const base = encode(best.params);
  const ia = dims.indexOf(a);
  const ib = dims.indexOf(b);
  const at = (k: string, u: number): number => Number(fromUnit(space[k]!, u));
  const cells: Surface['cells'] = [];
  for (let i = 0; i < GRID; i++) {
    for (let j = 0; j < GRID; j++) {
      const x = [...base];
      x[ia] = (i + 0.5) / GRID;
      x[ib] = (j + 0.5) / GRID;
      cells.push({ x0: at(a, i / GRID), x1: at(a, (i + 1) / GRID), y0: at(b, j / GRID), y1: at(b, (j + 1) / GRID), mean: mean + sd * gp.predict(x).mean });
    }
  }
  const others = dims.filter((k) => k !== a && k !== b);
  return {
    params: [a, b],
    log: [isLogScale(space[a]!), isLogScale(space[b]!)],
    cells,
    points: done.map((h) => ({ trial: h.number, x: h.params[a] as number, y: h.params[b] as number, value: h.value!, best: h.number === best.number })),
    trials: done.length,
    heldAt: others.length ? others.map((k) => `${k}=${JSON.stringify(best.params[k])}`).join(', ') : null,
  };
}
