/**
 * Distributions are data: a JSON-serialisable description of one parameter's domain, in the W&B sweep
 * vocabulary. Every searcher works in the unit cube through `toUnit`/`fromUnit`, which warp log-scale
 * parameters so that equal steps in the cube are equal ratios of the value.
 */
import { Rng } from './rng.js';

export type ParamValue = number | string | boolean | null | ParamValue[] | { [k: string]: ParamValue };
export type Params = Record<string, ParamValue>;

/**
 * Where, inside a value, a whole number was written as a float (`1.0`): a path of list indexes and
 * mapping keys, `[]` for the value itself. JS numbers lose that difference; the trainer must not
 * (`--grad_clip=1.0`, as W&B passes it). Absent in configs stored before it was kept: every whole
 * number is then an int, as it was.
 */
export type LiteralPath = (string | number)[];

export type Distribution =
  /** floats: the whole numbers of `value` that were written as floats */
  | { type: 'constant'; value: ParamValue; floats?: LiteralPath[] }
  /** floats: paths into `values` (first the index) of whole numbers written as floats */
  | { type: 'categorical'; values: ParamValue[]; probabilities?: number[]; floats?: LiteralPath[] }
  | { type: 'int_uniform'; min: number; max: number }
  | { type: 'uniform'; min: number; max: number }
  | ({ type: 'q_uniform'; min: number; max: number } & Quantized)
  | { type: 'log_uniform_values'; min: number; max: number }
  | ({ type: 'q_log_uniform_values'; min: number; max: number } & Quantized)
  /** bounds are natural-log exponents: values lie in [e^min, e^max] */
  | { type: 'log_uniform'; min: number; max: number }
  | ({ type: 'q_log_uniform'; min: number; max: number } & Quantized)
  /** bounds are exponents of 1/x: log(1/x) is uniform on [min, max], so values lie in [e^-max, e^-min] */
  | { type: 'inv_log_uniform'; min: number; max: number }
  /** log(1/x) uniform on [log(1/max), log(1/min)]: values in [min, max], log-uniformly */
  | { type: 'inv_log_uniform_values'; min: number; max: number }
  | { type: 'normal'; mu: number; sigma: number }
  | ({ type: 'q_normal'; mu: number; sigma: number } & Quantized)
  | { type: 'log_normal'; mu: number; sigma: number }
  | ({ type: 'q_log_normal'; mu: number; sigma: number } & Quantized)
  /** Beta(a, b) on [0, 1] */
  | { type: 'beta'; a: number; b: number }
  | ({ type: 'q_beta'; a: number; b: number } & Quantized);

/**
 * A quantized distribution's step. W&B's values are ints when q is an int (`isinstance(q, int)`) and
 * floats otherwise, its default q being 1.0: qFloat is set when q was not written as an integer.
 */
export interface Quantized {
  q: number;
  qFloat?: true;
}

export type DistributionType = Distribution['type'];

export const DISTRIBUTION_TYPES: readonly DistributionType[] = [
  'constant',
  'categorical',
  'int_uniform',
  'uniform',
  'q_uniform',
  'log_uniform_values',
  'q_log_uniform_values',
  'log_uniform',
  'q_log_uniform',
  'inv_log_uniform',
  'inv_log_uniform_values',
  'normal',
  'q_normal',
  'log_normal',
  'q_log_normal',
  'beta',
  'q_beta',
];

export type SearchSpace = Record<string, Distribution>;

/** Round to a multiple of q, as W&B does (`round(x / q) * q`), without binary-fraction noise. */
export function quantize(x: number, q: number): number {
  const k = Math.round(x / q);
  const decimals = Math.max(0, -Math.floor(Math.log10(q)) + 6);
  return Number((k * q).toFixed(Math.min(decimals, 20)));
}

const clamp01 = (u: number): number => Math.min(1 - 1e-12, Math.max(0, u));

/** Standard normal CDF (erfc from W. J. Cody's rational approximations is overkill here: 1e-7 is enough). */
export function normalCdf(z: number): number {
  const t = 1 / (1 + 0.2316419 * Math.abs(z));
  const d = 0.3989422804014327 * Math.exp((-z * z) / 2);
  const p = d * t * (0.31938153 + t * (-0.356563782 + t * (1.781477937 + t * (-1.821255978 + t * 1.330274429))));
  return z > 0 ? 1 - p : p;
}

/** Inverse standard normal CDF (Acklam's algorithm, relative error < 1.2e-9). */
export function normalQuantile(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const pl = 0.02425;
  const q0 = Math.min(1 - 1e-16, Math.max(1e-16, p));
  if (q0 < pl) {
    const q = Math.sqrt(-2 * Math.log(q0));
    return (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  if (q0 > 1 - pl) {
    const q = Math.sqrt(-2 * Math.log(1 - q0));
    return -(((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  const q = q0 - 0.5;
  const r = q * q;
  return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}

/** log Γ(x) for x > 0 (Lanczos, g = 7, 9 terms: about 15 significant digits). */
export function logGamma(x: number): number {
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  // reflection keeps the series where it converges well
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const z = x - 1;
  let s = c[0]!;
  for (let i = 1; i < 9; i++) s += c[i]! / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(s);
}

/** The continued fraction of the incomplete beta function (modified Lentz), converging for x < (a + 1)/(a + b + 2). */
function betaContinuedFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  d = 1 / (Math.abs(d) < tiny ? tiny : d);
  let h = d;
  for (let m = 1; m <= 1000; m++) {
    const m2 = 2 * m;
    for (const num of [(m * (b - m) * x) / ((a + m2 - 1) * (a + m2)), (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1))]) {
      d = 1 + num * d;
      d = 1 / (Math.abs(d) < tiny ? tiny : d);
      c = 1 + num / c;
      if (Math.abs(c) < tiny) c = tiny;
      h *= d * c;
    }
    if (Math.abs(d * c - 1) < 1e-15) break;
  }
  return h;
}

/** The Beta(a, b) CDF: the regularized incomplete beta function I_x(a, b). */
export function betaCdf(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log1p(-x));
  // the fraction converges fast on one side of the mean; the symmetry I_x(a, b) = 1 − I_{1−x}(b, a) covers the other
  if (x < (a + 1) / (a + b + 2)) return (front * betaContinuedFraction(x, a, b)) / a;
  return 1 - (front * betaContinuedFraction(1 - x, b, a)) / b;
}

/** The Beta(a, b) quantile, by bisection on the CDF: slow-ish (60 CDFs) but it cannot diverge, whatever a and b. */
export function betaQuantile(p: number, a: number, b: number): number {
  if (p <= 0) return 0;
  if (p >= 1) return 1;
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 60 && hi - lo > 1e-16; i++) {
    const mid = (lo + hi) / 2;
    if (betaCdf(mid, a, b) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** True when the distribution has a single value and so takes no dimension of the search cube. */
export function isFixed(d: Distribution): boolean {
  return d.type === 'constant' || (d.type === 'categorical' && d.values.length === 1);
}

/** True when the parameter is searched on a log scale (searchers warp it so). */
export function isLogScale(d: Distribution): boolean {
  return ['log_uniform_values', 'q_log_uniform_values', 'log_uniform', 'q_log_uniform', 'inv_log_uniform', 'inv_log_uniform_values', 'log_normal', 'q_log_normal'].includes(d.type);
}

/** The values a bounded distribution can take, [lowest, highest]; null for unbounded ones and lists. */
export function valueBounds(d: Distribution): [number, number] | null {
  switch (d.type) {
    case 'log_uniform':
    case 'q_log_uniform':
      return [Math.exp(d.min), Math.exp(d.max)];
    case 'inv_log_uniform':
      return [Math.exp(-d.max), Math.exp(-d.min)];
    case 'beta':
    case 'q_beta':
      return [0, 1];
    default:
      return 'min' in d ? [d.min, d.max] : null;
  }
}

function categoricalCumulative(d: Extract<Distribution, { type: 'categorical' }>): number[] {
  const w = d.probabilities ?? d.values.map(() => 1);
  const total = w.reduce((s, x) => s + x, 0);
  const cum: number[] = [];
  let acc = 0;
  for (const x of w) {
    acc += x / total;
    cum.push(acc);
  }
  return cum;
}

/** Map u ∈ [0, 1) to a value of the distribution (inverse-CDF for every type, so a uniform u gives the distribution itself). */
export function fromUnit(d: Distribution, u: number): ParamValue {
  const x = fromUnitRaw(d, u);
  // exp(log(min)) can land a hair outside the range: keep bounded values inside it
  const b = typeof x === 'number' && !('q' in d) ? valueBounds(d) : null;
  return b ? Math.min(b[1], Math.max(b[0], x as number)) : x;
}

function fromUnitRaw(d: Distribution, u: number): ParamValue {
  const v = clamp01(u);
  switch (d.type) {
    case 'constant':
      return d.value;
    case 'categorical': {
      const cum = categoricalCumulative(d);
      const i = cum.findIndex((c) => v < c);
      return d.values[i < 0 ? d.values.length - 1 : i]!;
    }
    case 'int_uniform':
      return Math.min(d.max, d.min + Math.floor(v * (d.max - d.min + 1)));
    case 'uniform':
      return d.min + v * (d.max - d.min);
    case 'q_uniform':
      return quantize(d.min + v * (d.max - d.min), d.q);
    case 'log_uniform_values':
      return Math.exp(Math.log(d.min) + v * (Math.log(d.max) - Math.log(d.min)));
    case 'q_log_uniform_values':
      return quantize(Math.exp(Math.log(d.min) + v * (Math.log(d.max) - Math.log(d.min))), d.q);
    case 'log_uniform':
      return Math.min(Math.exp(d.max), Math.max(Math.exp(d.min), Math.exp(d.min + v * (d.max - d.min))));
    case 'q_log_uniform':
      return quantize(Math.exp(d.min + v * (d.max - d.min)), d.q);
    case 'inv_log_uniform':
      // W&B's ppf: exp(-(min + (1 - u)(max - min))), increasing in u
      return Math.exp(-(d.min + (1 - v) * (d.max - d.min)));
    case 'inv_log_uniform_values':
      return Math.exp(-(-Math.log(d.max) + (1 - v) * (Math.log(d.max) - Math.log(d.min))));
    case 'normal':
      return d.mu + d.sigma * normalQuantile(v);
    case 'q_normal':
      return quantize(d.mu + d.sigma * normalQuantile(v), d.q);
    case 'log_normal':
      return Math.exp(d.mu + d.sigma * normalQuantile(v));
    case 'q_log_normal':
      return quantize(Math.exp(d.mu + d.sigma * normalQuantile(v)), d.q);
    case 'beta':
      return betaQuantile(v, d.a, d.b);
    case 'q_beta':
      return quantize(betaQuantile(v, d.a, d.b), d.q);
  }
}

/** Map a value of the distribution to [0, 1]; for categoricals, the middle of the value's cell. */
export function toUnit(d: Distribution, value: ParamValue): number {
  if (d.type === 'constant') return 0.5;
  if (d.type === 'categorical') {
    const i = valueIndex(d, value);
    if (i < 0) return 0.5;
    const cum = categoricalCumulative(d);
    const lo = i === 0 ? 0 : cum[i - 1]!;
    return (lo + cum[i]!) / 2;
  }
  const x = Number(value);
  const u = ((): number => {
    switch (d.type) {
      case 'int_uniform':
        return (x - d.min + 0.5) / (d.max - d.min + 1);
      case 'uniform':
      case 'q_uniform':
        return (x - d.min) / (d.max - d.min);
      case 'log_uniform_values':
      case 'q_log_uniform_values':
        return (Math.log(x) - Math.log(d.min)) / (Math.log(d.max) - Math.log(d.min));
      case 'log_uniform':
      case 'q_log_uniform':
        return (Math.log(x) - d.min) / (d.max - d.min);
      case 'inv_log_uniform':
        return (d.max + Math.log(x)) / (d.max - d.min);
      case 'inv_log_uniform_values':
        return (Math.log(x) - Math.log(d.min)) / (Math.log(d.max) - Math.log(d.min));
      case 'normal':
      case 'q_normal':
        return normalCdf((x - d.mu) / d.sigma);
      case 'log_normal':
      case 'q_log_normal':
        return normalCdf((Math.log(x) - d.mu) / d.sigma);
      case 'beta':
      case 'q_beta':
        return betaCdf(x, d.a, d.b);
    }
  })();
  return Math.min(1, Math.max(0, u));
}

/** Draw from the distribution itself (categorical probabilities included). */
export function sample(d: Distribution, rng: Rng): ParamValue {
  switch (d.type) {
    case 'normal':
      return rng.normal(d.mu, d.sigma);
    case 'log_normal':
      return Math.exp(rng.normal(d.mu, d.sigma));
    default:
      return fromUnit(d, rng.next());
  }
}

export function sameValue(a: ParamValue, b: ParamValue): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

/** Where `value` stands among a categorical's values; −1 when it is not one of them. */
export function valueIndex(d: { values: readonly ParamValue[] }, value: ParamValue): number {
  const key = canonicalJson(value);
  return d.values.findIndex((x) => canonicalJson(x) === key);
}

/** JSON with object keys sorted: the identity of a parameter set (used to keep grid points unique). */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/** Whether a value lies in the distribution's domain (quantized values on their grid, categoricals listed). */
export function contains(d: Distribution, value: ParamValue): boolean {
  if (d.type === 'constant') return sameValue(d.value, value);
  if (d.type === 'categorical') return d.values.some((x) => sameValue(x, value));
  if (typeof value !== 'number' || !Number.isFinite(value)) return false;
  const onGrid = (q: number): boolean => Math.abs(value / q - Math.round(value / q)) < 1e-6;
  switch (d.type) {
    case 'int_uniform':
      return Number.isInteger(value) && value >= d.min && value <= d.max;
    case 'uniform':
      return value >= d.min && value <= d.max;
    case 'q_uniform':
      return onGrid(d.q) && value >= quantize(d.min, d.q) - d.q && value <= quantize(d.max, d.q) + d.q;
    case 'log_uniform_values':
      return value >= d.min && value <= d.max;
    case 'q_log_uniform_values':
      return onGrid(d.q) && value >= quantize(d.min, d.q) - d.q && value <= quantize(d.max, d.q) + d.q;
    case 'log_uniform':
      return value > 0 && Math.log(value) >= d.min - 1e-12 && Math.log(value) <= d.max + 1e-12;
    case 'q_log_uniform':
      return onGrid(d.q) && value >= 0;
    case 'normal':
      return true;
    case 'q_normal':
      return onGrid(d.q);
    case 'log_normal':
      return value > 0;
    case 'q_log_normal':
      return onGrid(d.q) && value >= 0;
    case 'inv_log_uniform':
      return value > 0 && -Math.log(value) >= d.min - 1e-12 && -Math.log(value) <= d.max + 1e-12;
    case 'inv_log_uniform_values':
      return value >= d.min && value <= d.max;
    case 'beta':
      return value >= 0 && value <= 1;
    case 'q_beta':
      return onGrid(d.q) && value >= 0 && value <= quantize(1, d.q);
  }
}

/**
 * The finite list of values a grid search walks for this parameter, or null when the domain is
 * continuous (W&B's grid accepts `value`, `values`, and integer or quantized ranges).
 */
/** The points of a grid over this space, or null when a distribution is continuous. */
export function gridSize(space: SearchSpace): number | null {
  let n = 1;
  for (const d of Object.values(space)) {
    const values = gridValues(d);
    if (values === null) return null;
    n *= values.length;
  }
  return n;
}

/** The most runs a search over this space makes: its run cap, or the points of the grid it walks, whichever is fewer; null for neither. */
export function runBudget(space: SearchSpace, runCap: number | undefined, walksGrid: boolean): number | null {
  const points = walksGrid ? gridSize(space) : null;
  return runCap !== undefined && points !== null ? Math.min(runCap, points) : (runCap ?? points);
}

export function gridValues(d: Distribution, limit = 10000): ParamValue[] | null {
  switch (d.type) {
    case 'constant':
      return [d.value];
    case 'categorical':
      return d.values;
    case 'int_uniform': {
      if (d.max - d.min + 1 > limit) return null;
      const out: number[] = [];
      for (let i = d.min; i <= d.max; i++) out.push(i);
      return out;
    }
    case 'q_uniform':
    case 'q_log_uniform_values':
    case 'q_beta': {
      const [min, max] = valueBounds(d)!;
      const lo = Math.ceil(min / d.q - 1e-9);
      const hi = Math.floor(max / d.q + 1e-9);
      if (hi - lo + 1 > limit || hi < lo) return null;
      const out: number[] = [];
      for (let k = lo; k <= hi; k++) out.push(quantize(k * d.q, d.q));
      return out;
    }
    default:
      return null;
  }
}
