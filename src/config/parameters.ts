/** The `parameters:` entries of a study config: W&B's distributions, told apart as W&B does. */
import { DISTRIBUTION_TYPES, type Distribution, type DistributionType, type ParamValue } from '../core/distributions.js';
import { isNum, isObj, type Issues } from '../core/options.js';

/** Where a parser adds its problems, and which numbers were written as integers. */
export interface Ctx {
  issues: Issues;
  /** paths whose value was written as an integer literal (so `min: 0.0` is not mistaken for an integer) */
  intPaths: Set<string> | null;
}

export function isIntLiteral(ctx: Ctx, p: string, v: unknown): boolean {
  if (!Number.isInteger(v)) return false;
  return ctx.intPaths ? ctx.intPaths.has(p) : true;
}

const PARAM_KEYS = ['distribution', 'value', 'values', 'probabilities', 'min', 'max', 'q', 'mu', 'sigma'];

/** Which keys each distribution uses (besides `distribution`), required first. */
const DIST_KEYS: Record<DistributionType, { required: string[]; optional: string[] }> = {
  constant: { required: ['value'], optional: [] },
  categorical: { required: ['values'], optional: ['probabilities'] },
  int_uniform: { required: ['min', 'max'], optional: [] },
  uniform: { required: ['min', 'max'], optional: [] },
  q_uniform: { required: ['min', 'max'], optional: ['q'] },
  log_uniform_values: { required: ['min', 'max'], optional: [] },
  q_log_uniform_values: { required: ['min', 'max'], optional: ['q'] },
  log_uniform: { required: ['min', 'max'], optional: [] },
  q_log_uniform: { required: ['min', 'max'], optional: ['q'] },
  normal: { required: [], optional: ['mu', 'sigma'] },
  q_normal: { required: [], optional: ['mu', 'sigma', 'q'] },
  log_normal: { required: [], optional: ['mu', 'sigma'] },
  q_log_normal: { required: [], optional: ['mu', 'sigma', 'q'] },
};

/**
 * What a double holds: exponents of log_uniform outside [EXP_MIN, EXP_MAX] give e^x = Infinity or 0
 * (or lose precision below the normal range), and whole numbers past 2^53 − 1 are not all there.
 * A draw of a normal is never more than NORMAL_REACH standard deviations out (Box–Muller from
 * 53-bit uniforms reaches 8.6, the inverse CDF 8.3).
 */
const EXP_MIN = -708;
const EXP_MAX = 709;
const WHOLE_MAX = Number.MAX_SAFE_INTEGER;
const NORMAL_REACH = 10;
const EXPONENTS = `an exponent from ${EXP_MIN} to ${EXP_MAX} (values are e^min to e^max, and e^x is a finite, non-zero number only there)`;

/** One entry of `parameters:` (W&B's distribution keys) → a distribution, or null with its problems added. */
export function parseParameter(ctx: Ctx, p: string, spec: unknown): Distribution | null {
  if (!isObj(spec)) {
    ctx.issues.bad(p, spec, 'a mapping with value, values, or min and max (e.g. {min: 0.0001, max: 0.1, distribution: log_uniform_values})');
    return null;
  }
  if ('parameters' in spec) {
    ctx.issues.add(`${p}.parameters`, 'nested parameters are not supported; allowed: flat names, dotted for structure (e.g. optimizer.lr)');
    return null;
  }
  const before = ctx.issues.count;
  for (const k of Object.keys(spec)) {
    if (!PARAM_KEYS.includes(k)) ctx.issues.add(`${p}.${k}`, `unknown key; allowed: ${PARAM_KEYS.join(', ')}`);
  }
  let type: DistributionType;
  if (spec.distribution !== undefined) {
    if (typeof spec.distribution !== 'string' || !(DISTRIBUTION_TYPES as readonly string[]).includes(spec.distribution)) {
      ctx.issues.bad(`${p}.distribution`, spec.distribution, DISTRIBUTION_TYPES.join(', '));
      return null;
    }
    type = spec.distribution as DistributionType;
  } else if ('value' in spec) type = 'constant';
  else if ('values' in spec) type = 'categorical';
  else if ('min' in spec && 'max' in spec) {
    type = isIntLiteral(ctx, `${p}.min`, spec.min) && isIntLiteral(ctx, `${p}.max`, spec.max) ? 'int_uniform' : 'uniform';
  } else if ('mu' in spec || 'sigma' in spec) type = 'normal';
  else {
    ctx.issues.add(
      p,
      `cannot tell the distribution from keys {${Object.keys(spec).join(', ')}}; allowed: value, values, min and max, or distribution (${DISTRIBUTION_TYPES.join(', ')})`,
    );
    return null;
  }
  const keys = DIST_KEYS[type];
  for (const k of Object.keys(spec)) {
    if (k === 'distribution' || !PARAM_KEYS.includes(k)) continue;
    if (!keys.required.includes(k) && !keys.optional.includes(k)) {
      ctx.issues.add(`${p}.${k}`, `is not used by distribution ${type}; it takes ${[...keys.required, ...keys.optional].join(', ') || 'no other keys'}`);
    }
  }
  for (const k of keys.required) {
    if (!(k in spec)) ctx.issues.add(`${p}.${k}`, `missing; distribution ${type} needs ${keys.required.join(' and ')}`);
  }
  if (ctx.issues.count > before) return null;

  const num = (k: string, allowed = 'a finite number'): number | null => {
    const v = spec[k];
    if (!isNum(v)) {
      ctx.issues.bad(`${p}.${k}`, v, allowed);
      return null;
    }
    return v;
  };
  const q = (): number | null => {
    if (spec.q === undefined) return 1;
    const v = num('q', 'a positive number');
    if (v !== null && v <= 0) {
      ctx.issues.bad(`${p}.q`, v, 'a positive number');
      return null;
    }
    return v;
  };
  const range = (positive: boolean, integer: boolean): [number, number] | null => {
    const allowed = integer ? 'a whole number' : positive ? 'a positive number' : 'a finite number';
    const lo = num('min', allowed);
    const hi = num('max', allowed);
    if (lo === null || hi === null) return null;
    let ok = true;
    if (integer && !Number.isInteger(lo)) (ctx.issues.bad(`${p}.min`, lo, 'a whole number'), (ok = false));
    if (integer && !Number.isInteger(hi)) (ctx.issues.bad(`${p}.max`, hi, 'a whole number'), (ok = false));
    if (positive && lo <= 0) (ctx.issues.bad(`${p}.min`, lo, `a positive number (distribution ${type} is over values, not exponents)`), (ok = false));
    if (ok && (integer ? hi < lo : hi <= lo)) (ctx.issues.bad(`${p}.max`, hi, `a number ${integer ? 'at least' : 'greater than'} min (${lo})`), (ok = false));
    return ok && representable(lo, hi, integer) ? [lo, hi] : null;
  };
  const representable = (lo: number, hi: number, integer: boolean): boolean => {
    const before = ctx.issues.count;
    if (integer) {
      for (const [k, v] of [['min', lo], ['max', hi]] as const) {
        if (!Number.isSafeInteger(v)) ctx.issues.bad(`${p}.${k}`, v, `a whole number from -${WHOLE_MAX} to ${WHOLE_MAX} (2^53 − 1; past it not every whole number is a double)`);
      }
      if (ctx.issues.count === before && hi - lo > WHOLE_MAX) ctx.issues.bad(`${p}.max`, hi, `a whole number at most ${WHOLE_MAX} (2^53 − 1) above min (${lo}), so that every value between can be drawn`);
    } else if (type === 'log_uniform' || type === 'q_log_uniform') {
      if (lo < EXP_MIN) ctx.issues.bad(`${p}.min`, lo, EXPONENTS);
      if (hi > EXP_MAX) ctx.issues.bad(`${p}.max`, hi, EXPONENTS);
    } else if (!Number.isFinite(hi - lo)) {
      ctx.issues.bad(`${p}.max`, hi, `a number at most ${Number.MAX_VALUE} above min (${lo}): values are drawn as min + u·(max − min), which must be a finite number`);
    }
    return ctx.issues.count === before;
  };
  const normalParams = (): [number, number] | null => {
    const mu = spec.mu === undefined ? 0 : num('mu');
    const sigma = spec.sigma === undefined ? 1 : num('sigma', 'a positive number');
    if (sigma !== null && sigma <= 0) (ctx.issues.bad(`${p}.sigma`, sigma, 'a positive number'), null);
    if (mu === null || sigma === null || sigma <= 0) return null;
    return normalReach(mu, sigma) ? [mu, sigma] : null;
  };
  // a draw is mu ± NORMAL_REACH·sigma at most, e to that power for the log variants
  const normalReach = (mu: number, sigma: number): boolean => {
    const reach = `${NORMAL_REACH} standard deviations`;
    if (type === 'log_normal' || type === 'q_log_normal') {
      if (mu < EXP_MIN || mu > EXP_MAX) {
        ctx.issues.bad(`${p}.mu`, mu, `an exponent from ${EXP_MIN} to ${EXP_MAX} (values are e^x, a finite, non-zero number only there)`);
        return false;
      }
      const most = Math.min(EXP_MAX - mu, mu - EXP_MIN) / NORMAL_REACH;
      if (sigma > most) {
        ctx.issues.bad(`${p}.sigma`, sigma, `a positive number at most ${most} (values reach e^(mu ± ${reach}), a finite, non-zero number only for exponents from ${EXP_MIN} to ${EXP_MAX})`);
        return false;
      }
    } else if (!Number.isFinite(Math.abs(mu) + NORMAL_REACH * sigma)) {
      ctx.issues.bad(`${p}.sigma`, sigma, `a positive number at most ${(Number.MAX_VALUE - Math.abs(mu)) / NORMAL_REACH} (values reach mu ± ${reach}, which must be a finite number)`);
      return false;
    }
    return true;
  };

  switch (type) {
    case 'constant':
      return checkValue(ctx, `${p}.value`, spec.value) ? { type, value: spec.value as ParamValue } : null;
    case 'categorical': {
      const values = spec.values;
      if (!Array.isArray(values) || values.length === 0) {
        ctx.issues.bad(`${p}.values`, values, 'a non-empty list of values');
        return null;
      }
      if (!values.every((v, i) => checkValue(ctx, `${p}.values[${i}]`, v))) return null;
      if (spec.probabilities === undefined) return { type, values: values as ParamValue[] };
      const pr = spec.probabilities;
      if (!Array.isArray(pr) || pr.length !== values.length || !pr.every((x) => isNum(x) && x >= 0)) {
        ctx.issues.bad(`${p}.probabilities`, pr, `a list of ${values.length} non-negative numbers, one per value`);
        return null;
      }
      const sum = (pr as number[]).reduce((s, x) => s + x, 0);
      if (Math.abs(sum - 1) > 1e-6) {
        ctx.issues.add(`${p}.probabilities`, `found probabilities that sum to ${sum}; allowed: numbers that sum to 1`);
        return null;
      }
      return { type, values: values as ParamValue[], probabilities: pr as number[] };
    }
    case 'int_uniform': {
      const r = range(false, true);
      return r ? { type, min: r[0], max: r[1] } : null;
    }
    case 'uniform':
    case 'log_uniform': {
      const r = range(false, false);
      return r ? { type, min: r[0], max: r[1] } : null;
    }
    case 'log_uniform_values': {
      const r = range(true, false);
      return r ? { type, min: r[0], max: r[1] } : null;
    }
    case 'q_uniform':
    case 'q_log_uniform': {
      const r = range(false, false);
      const qq = q();
      return r && qq !== null ? { type, min: r[0], max: r[1], q: qq } : null;
    }
    case 'q_log_uniform_values': {
      const r = range(true, false);
      const qq = q();
      return r && qq !== null ? { type, min: r[0], max: r[1], q: qq } : null;
    }
    case 'normal':
    case 'log_normal': {
      const n = normalParams();
      return n ? { type, mu: n[0], sigma: n[1] } : null;
    }
    case 'q_normal':
    case 'q_log_normal': {
      const n = normalParams();
      const qq = q();
      return n && qq !== null ? { type, mu: n[0], sigma: n[1], q: qq } : null;
    }
  }
}

function checkValue(ctx: Ctx, p: string, v: unknown): boolean {
  if (v === undefined) {
    ctx.issues.bad(p, v, 'a number, string, boolean, null or a list/mapping of those');
    return false;
  }
  if (typeof v === 'number' && !Number.isFinite(v)) {
    ctx.issues.bad(p, v, 'a finite number');
    return false;
  }
  // written as a whole number but read as the nearest double: the trainer would get other digits
  if (typeof v === 'number' && !Number.isSafeInteger(v) && ctx.intPaths?.has(p)) {
    ctx.issues.bad(p, v, `a whole number from -${WHOLE_MAX} to ${WHOLE_MAX} (2^53 − 1), or a string for larger ones`);
    return false;
  }
  return true;
}

/** A distribution's domain in words, for messages. */
export function describeDomain(d: Distribution): string {
  if (d.type === 'categorical') return `one of ${d.values.map((v) => JSON.stringify(v)).join(', ')}`;
  if (d.type === 'constant') return JSON.stringify(d.value);
  if ('min' in d) return `${d.type} from ${d.min} to ${d.max}${'q' in d ? ` in steps of ${d.q}` : ''}`;
  return d.type;
}
