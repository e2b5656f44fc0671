/** The `parameters:` entries of a study config: W&B's distributions, told apart as W&B does. */
import { DISTRIBUTION_TYPES, type Distribution, type DistributionType, type LiteralPath, type ParamValue, type Quantized, type SearchSpace } from '../core/distributions.js';
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

const PARAM_KEYS = ['distribution', 'value', 'values', 'probabilities', 'min', 'max', 'q', 'mu', 'sigma', 'a', 'b'];

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
  inv_log_uniform: { required: ['min', 'max'], optional: [] },
  inv_log_uniform_values: { required: ['min', 'max'], optional: [] },
  beta: { required: [], optional: ['a', 'b'] },
  q_beta: { required: [], optional: ['a', 'b', 'q'] },
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
const INV_EXPONENTS = `an exponent from ${-EXP_MAX} to ${-EXP_MIN} (values are e^-max to e^-min, and e^x is a finite, non-zero number only for x from ${EXP_MIN} to ${EXP_MAX})`;

const NAME = /^[A-Za-z_][A-Za-z0-9_.\-/]*$/;
const NAME_ALLOWED = 'a name of letters, digits, `_`, `-`, `/` and `.` (dotted names such as model.lr are fine)';

/**
 * The search space of a `parameters:` mapping. A parameter whose entry is itself `{parameters: …}`
 * (W&B's nested parameters) is searched under its dotted name (`optimizer.lr`), so that searchers see
 * flat names; `nested` remembers the path of each such name, so that the trainer gets
 * `--optimizer={'lr': …}` as from W&B while a flat name the user wrote with a dot stays flat.
 */
export function parseSearchSpace(ctx: Ctx, at: string, raw: Record<string, unknown>): { space: SearchSpace; nested: Record<string, string[]> } {
  const space: SearchSpace = {};
  const nested: Record<string, string[]> = {};
  const where: Record<string, string> = {};
  const walk = (at: string, raw: Record<string, unknown>, prefix: string[]): void => {
    for (const [pname, spec] of Object.entries(raw)) {
      const p = `${at}.${pname}`;
      if (!NAME.test(pname)) {
        ctx.issues.bad(p, pname, NAME_ALLOWED);
        continue;
      }
      if (isObj(spec) && 'parameters' in spec) {
        for (const k of Object.keys(spec)) if (k !== 'parameters') ctx.issues.add(`${p}.${k}`, 'not allowed beside parameters; allowed: a parameter is either nested parameters ({parameters: {…}}) or a distribution');
        const inner = spec.parameters;
        const what = 'a non-empty mapping from parameter name to its values or distribution';
        if (!isObj(inner)) ctx.issues.bad(`${p}.parameters`, inner, what);
        else if (Object.keys(inner).length === 0) ctx.issues.add(`${p}.parameters`, `is empty; allowed: ${what}`);
        else walk(`${p}.parameters`, inner, [...prefix, pname]);
        continue;
      }
      const path = [...prefix, pname];
      const flat = path.join('.');
      if (flat in where) {
        ctx.issues.add(p, `is searched as ${flat}, as ${where[flat]} is; allowed: one parameter per dotted name (nested parameters are searched under their dotted names)`);
        continue;
      }
      where[flat] = p;
      const d = parseParameter(ctx, p, spec);
      if (!d) continue;
      space[flat] = d;
      if (prefix.length > 0) nested[flat] = path;
    }
  };
  walk(at, raw, []);
  return { space, nested };
}

/** One entry of `parameters:` (W&B's distribution keys) → a distribution, or null with its problems added. */
export function parseParameter(ctx: Ctx, p: string, spec: unknown): Distribution | null {
  if (!isObj(spec)) {
    ctx.issues.bad(p, spec, 'a mapping with value, values, or min and max (e.g. {min: 0.0001, max: 0.1, distribution: log_uniform_values})');
    return null;
  }
  if ('parameters' in spec) {
    ctx.issues.add(`${p}.parameters`, 'nested parameters are allowed only in the study\'s parameters; here, name the nested parameter by its dotted name (e.g. optimizer.lr)');
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
  // W&B's default q is 1.0, a float: its values are then floats too
  const q = (): Quantized | null => {
    if (spec.q === undefined) return { q: 1, qFloat: true };
    const v = num('q', 'a positive number');
    if (v !== null && v <= 0) {
      ctx.issues.bad(`${p}.q`, v, 'a positive number');
      return null;
    }
    if (v === null) return null;
    return isIntLiteral(ctx, `${p}.q`, v) ? { q: v } : { q: v, qFloat: true };
  };
  const betaParams = (): [number, number] | null => {
    const [a, b] = (['a', 'b'] as const).map((k) => {
      const v = spec[k] === undefined ? 1 : num(k, 'a positive number');
      if (v !== null && v <= 0) ctx.issues.bad(`${p}.${k}`, v, 'a positive number (a shape of the beta distribution)');
      return v !== null && v > 0 ? v : null;
    });
    return a != null && b != null ? [a, b] : null;
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
    } else if (type === 'inv_log_uniform') {
      if (lo < -EXP_MAX) ctx.issues.bad(`${p}.min`, lo, INV_EXPONENTS);
      if (hi > -EXP_MIN) ctx.issues.bad(`${p}.max`, hi, INV_EXPONENTS);
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
    case 'constant': {
      if (!checkValue(ctx, `${p}.value`, spec.value)) return null;
      const floats = floatsIn(ctx, `${p}.value`, spec.value, []);
      return { type, value: spec.value as ParamValue, ...(floats.length ? { floats } : {}) };
    }
    case 'categorical': {
      const values = spec.values;
      if (!Array.isArray(values) || values.length === 0) {
        ctx.issues.bad(`${p}.values`, values, 'a non-empty list of values');
        return null;
      }
      if (!values.every((v, i) => checkValue(ctx, `${p}.values[${i}]`, v))) return null;
      const found = values.flatMap((v, i) => floatsIn(ctx, `${p}.values[${i}]`, v, [i]));
      const floats = found.length ? { floats: found } : {};
      if (spec.probabilities === undefined) return { type, values: values as ParamValue[], ...floats };
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
      return { type, values: values as ParamValue[], probabilities: pr as number[], ...floats };
    }
    case 'int_uniform': {
      const r = range(false, true);
      return r ? { type, min: r[0], max: r[1] } : null;
    }
    case 'uniform':
    case 'log_uniform':
    case 'inv_log_uniform': {
      const r = range(false, false);
      return r ? { type, min: r[0], max: r[1] } : null;
    }
    case 'log_uniform_values':
    case 'inv_log_uniform_values': {
      const r = range(true, false);
      return r ? { type, min: r[0], max: r[1] } : null;
    }
    case 'q_uniform':
    case 'q_log_uniform': {
      const r = range(false, false);
      const qq = q();
      return r && qq !== null ? { type, min: r[0], max: r[1], ...qq } : null;
    }
    case 'q_log_uniform_values': {
      const r = range(true, false);
      const qq = q();
      return r && qq !== null ? { type, min: r[0], max: r[1], ...qq } : null;
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
      return n && qq !== null ? { type, mu: n[0], sigma: n[1], ...qq } : null;
    }
    case 'beta': {
      const ab = betaParams();
      return ab ? { type, a: ab[0], b: ab[1] } : null;
    }
    case 'q_beta': {
      const ab = betaParams();
      const qq = q();
      return ab && qq !== null ? { type, a: ab[0], b: ab[1], ...qq } : null;
    }
  }
}

/**
 * The whole numbers inside a value that the file wrote as floats (`1.0`, `1e3`), as paths from `at`.
 * A config given as an object has no literals: its whole numbers are ints.
 */
export function floatsIn(ctx: Ctx, p: string, v: unknown, at: LiteralPath): LiteralPath[] {
  if (typeof v === 'number') return ctx.intPaths && Number.isInteger(v) && !ctx.intPaths.has(p) ? [at] : [];
  if (Array.isArray(v)) return v.flatMap((x, i) => floatsIn(ctx, `${p}[${i}]`, x, [...at, i]));
  if (isObj(v)) return Object.entries(v).flatMap(([k, x]) => floatsIn(ctx, `${p}.${k}`, x, [...at, k]));
  return [];
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
  if ('a' in d) return `${d.type} with a = ${d.a}, b = ${d.b}${'q' in d ? ` in steps of ${d.q}` : ''}`;
  return d.type;
}
