/**
 * `backend: {type: sim, …}`: which run a simulated trial stands for, and the constants of its loss model.
 *
 *   backend:
 *     type: sim
 *     params: 1.2e8        # non-embedding parameters N (a ladder's scales set their own)
 *     tokens: 2.4e9        # training tokens D (likewise)
 *     seq_len: 2048        # tokens per sequence: batch_size counts sequences
 *     batch_size: 256      # when it is not searched (default: the planted optimum)
 *     reports: 20          # losses reported per run
 *     constants: {E: 1.82, lr_coef: 1.79, noise: 0.002, …}
 *
 * Searched parameters may be lr, batch_size, params and tokens: nothing else reaches the model, and a
 * parameter that changes nothing would only waste the search, so others are refused.
 */
import type { ConfigIssue } from '../../core/errors.js';
import { describe, isNum, isObj } from '../../core/options.js';
import type { SearchSpace } from '../../core/distributions.js';
import { SIM_DEFAULTS, type SimConstants } from './model.js';

export interface SimBackendConfig {
  type: 'sim';
  params?: number;
  tokens?: number;
  seqLen: number;
  batchSize?: number;
  reports: number;
  constants: SimConstants;
}

/** Config names (snake case, as written) of the model's constants. */
export const SIM_CONSTANT_KEYS: Record<string, keyof SimConstants> = {
  E: 'E',
  A: 'A',
  B: 'B',
  alpha: 'alpha',
  beta: 'beta',
  lr_coef: 'lrCoef',
  lr_exp_n: 'lrExpN',
  lr_exp_d: 'lrExpD',
  batch_coef: 'batchCoef',
  batch_exp_d: 'batchExpD',
  lr_curvature: 'lrCurv',
  lr_skew: 'lrSkew',
  lr_diverge: 'lrDiverge',
  batch_curvature: 'bCurv',
  b_crit_star: 'bCritStar',
  alpha_b: 'alphaB',
  noise: 'noise',
};

/** Constants that must be positive; the others (exponents, skew) may take any finite value. */
const POSITIVE = new Set(['E', 'A', 'B', 'lr_coef', 'batch_coef', 'lr_diverge', 'b_crit_star', 'alpha_b']);
const NON_NEGATIVE = new Set(['lr_curvature', 'batch_curvature', 'noise', 'alpha', 'beta']);
export const SIM_PARAMETERS = ['lr', 'batch_size', 'params', 'tokens'];
const KEYS = ['type', 'params', 'tokens', 'seq_len', 'batch_size', 'reports', 'constants'];


export function validateSimBackend(raw: Record<string, unknown>, parameters: SearchSpace): { config: SimBackendConfig | null; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const bad = (p: string, v: unknown, allowed: string): void => void issues.push({ path: p, message: `found ${describe(v)}; allowed: ${allowed}` });
  for (const k of Object.keys(raw)) if (!KEYS.includes(k)) issues.push({ path: `backend.${k}`, message: `unknown key; allowed for backend sim: ${KEYS.join(', ')}` });
  const positive = (k: string, integer = false): number | undefined => {
    const v = raw[k];
    if (v === undefined) return undefined;
    if (!isNum(v) || v <= 0 || (integer && !Number.isInteger(v))) return void bad(`backend.${k}`, v, integer ? 'a whole number, at least 1' : 'a positive number');
    return v;
  };
  const params = positive('params');
  const tokens = positive('tokens');
  const seqLen = positive('seq_len', true) ?? 2048;
  const batchSize = positive('batch_size');
  const reports = positive('reports', true) ?? 20;
  if (reports > 10_000) bad('backend.reports', reports, 'a whole number from 1 to 10000');
  const constants: SimConstants = { ...SIM_DEFAULTS };
  if (raw.constants !== undefined) {
    if (!isObj(raw.constants)) bad('backend.constants', raw.constants, `a mapping of loss-model constants (${Object.keys(SIM_CONSTANT_KEYS).join(', ')})`);
    else
      for (const [k, v] of Object.entries(raw.constants)) {
        const key = SIM_CONSTANT_KEYS[k];
        const at = `backend.constants.${k}`;
        if (!key) issues.push({ path: at, message: `unknown constant; allowed: ${Object.keys(SIM_CONSTANT_KEYS).join(', ')}` });
        else if (!isNum(v)) bad(at, v, 'a finite number');
        else if (POSITIVE.has(k) && !(v > 0)) bad(at, v, 'a positive number');
        else if (NON_NEGATIVE.has(k) && v < 0) bad(at, v, 'a number, 0 or more');
        // lr_diverge is written as a factor of the optimal lr (10 = ten times it); the model keeps its log
        else if (k === 'lr_diverge') v > 1 ? (constants.lrDiverge = Math.log(v)) : bad(at, v, 'a factor above 1 (the run diverges beyond that many times the optimal lr)');
        else constants[key] = v;
      }
  }
  for (const name of Object.keys(parameters)) {
    if (!SIM_PARAMETERS.includes(name)) issues.push({ path: `parameters.${name}`, message: `not modelled by backend sim; allowed parameter names: ${SIM_PARAMETERS.join(', ')} (the simulator rehearses the machinery, and a parameter it ignores would only waste the search)` });
  }
  if (!('lr' in parameters)) issues.push({ path: 'parameters', message: 'backend sim needs a parameter lr (searched, or a constant: {value: 0.001})' });
  const config: SimBackendConfig = {
    type: 'sim',
    ...(params !== undefined ? { params } : {}),
    ...(tokens !== undefined ? { tokens } : {}),
    seqLen,
    ...(batchSize !== undefined ? { batchSize } : {}),
    reports,
    constants,
  };
  return { config: issues.length ? null : config, issues };
}

/** JSON Schema of the block, for editors (mirrors the validation above). */
export function simBackendSchema(): Record<string, unknown> {
  return {
    type: 'object',
    required: ['type'],
    additionalProperties: false,
    properties: {
      type: { const: 'sim' },
      params: { type: 'number', exclusiveMinimum: 0, description: 'non-embedding parameters N of the simulated run' },
      tokens: { type: 'number', exclusiveMinimum: 0, description: 'training tokens D' },
      seq_len: { type: 'integer', minimum: 1, description: 'tokens per sequence (batch_size counts sequences)' },
      batch_size: { type: 'number', exclusiveMinimum: 0, description: 'batch size in sequences when it is not searched (default: the planted optimum)' },
      reports: { type: 'integer', minimum: 1, maximum: 10000 },
      constants: {
        type: 'object',
        additionalProperties: false,
        properties: Object.fromEntries(Object.keys(SIM_CONSTANT_KEYS).map((k) => [k, { type: 'number' }])),
      },
    },
  };
}
