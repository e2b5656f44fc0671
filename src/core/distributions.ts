/**
 * Distributions are data: a JSON-serialisable description of one parameter's domain, in the W&B sweep
 * vocabulary. Every searcher works in the unit cube through `toUnit`/`fromUnit`, which warp log-scale
 * parameters so that equal steps in the cube are equal ratios of the value.
 */
import { Rng } from './rng.js';

export type ParamValue = number | string | boolean | null | ParamValue[] | { [k: string]: ParamValue };
export type Params = Record<string, ParamValue>;

export type Distribution =
  | { type: 'constant'; value: ParamValue }
  | { type: 'categorical'; values: ParamValue[]; probabilities?: number[] }
  | { type: 'int_uniform'; min: number; max: number }
  | { type: 'uniform'; min: number; max: number }
  | { type: 'q_uniform'; min: number; max: number; q: number }
  | { type: 'log_uniform_values'; min: number; max: number }
  | { type: 'q_log_uniform_values'; min: number; max: number; q: number }
  /** bounds are natural-log exponents: values lie in [e^min, e^max] */
  | { type: 'log_uniform'; min: number; max: number }
  | { type: 'q_log_uniform'; min: number; max: number; q: number }
  | { type: 'normal'; mu: number; sigma: number }
  | { type: 'q_normal'; mu: number; sigma: number; q: number }
  | { type: 'log_normal'; mu: number; sigma: number }
  | { type: 'q_log_normal'; mu: number; sigma: number; q: number };

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
  'normal',
  'q_normal',
  'log_normal',
  'q_log_normal',
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

/** True when the distribution has a single value and so takes no dimension of the search cube. */
export function isFixed(d: Distribution): boolean {
  return d.type === 'constant' || (d.type === 'categorical' && d.values.length === 1);
}

/** True when the parameter is searched on a log scale (searchers warp it so). */
export function isLogScale(d: Distribution): boolean {
  return ['log_uniform_values', 'q_log_uniform_values', 'log_uniform', 'q_log_uniform', 'log_normal', 'q_log_normal'].includes(d.type);
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
  if (typeof x === 'number' && 'min' in d && d.type !== 'log_uniform' && d.type !== 'q_log_uniform' && !('q' in d)) return Math.min(d.max, Math.max(d.min, x));
  return x;
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
    case 'normal':
      return d.mu + d.sigma * normalQuantile(v);
    case 'q_normal':
      return quantize(d.mu + d.sigma * normalQuantile(v), d.q);
    case 'log_normal':
      return Math.exp(d.mu + d.sigma * normalQuantile(v));
    case 'q_log_normal':
      return quantize(Math.exp(d.mu + d.sigma * normalQuantile(v)), d.q);
  }
}

/** Map a value of the distribution to [0, 1]; for categoricals, the middle of the value's cell. */
export function toUnit(d: Distribution, value: ParamValue): number {
  if (d.type === 'constant') return 0.5;
  if (d.type === 'categorical') {
    const i = d.values.findIndex((x) => sameValue(x, value));
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
      case 'normal':
      case 'q_normal':
        return normalCdf((x - d.mu) / d.sigma);
      case 'log_normal':
      case 'q_log_normal':
        return normalCdf((Math.log(x) - d.mu) / d.sigma);
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
  }
}

/**
 * The finite list of values a grid search walks for this parameter, or null when the domain is
 * continuous (W&B's grid accepts `value`, `values`, and integer or quantized ranges).
 */
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
    case 'q_log_uniform_values': {
      const lo = Math.ceil(d.min / d.q - 1e-9);
      const hi = Math.floor(d.max / d.q + 1e-9);
      if (hi - lo + 1 > limit || hi < lo) return null;
      const out: number[] = [];
      for (let k = lo; k <= hi; k++) out.push(quantize(k * d.q, d.q));
      return out;
    }
    default:
      return null;
  }
}
