/**
 * `verify`: one run with the hyperparameters the laws predict, at the largest proxy scale (the laws
 * refitted without it, so the run checks a real extrapolation) or at the target. Planning it and
 * reading its outcome back are here; queueing and running it are the orchestrator's.
 */
import type { StudyConfig } from '../../src/config/index.js';
import type { Distribution, Params, ParamValue } from '../../src/core/distributions.js';
import { isVerifyRun, type Metric, type ScaleRecord, type Trial } from '../../src/core/trial.js';
import { largestScale } from './backtest.js';
import { predictLadder } from './predict.js';
import { inSearch, scaleRecord } from './scales.js';
import { summarizeLadder } from './summary.js';
import type { LadderSummary, Predicted } from './types.js';

export type VerifyAt = 'largest' | 'target';

export interface VerifyPlan {
  at: VerifyAt;
  params: Params;
  scale: ScaleRecord & { role: 'verify'; predicted: { lr: number; batch: number | null; loss: number | null; lossInterval: [number, number] | null } };
}

export interface VerifyResult {
  at: VerifyAt;
  scale: string;
  N: number;
  D: number;
  trial: number;
  state: string;
  error: string | null;
  params: Params;
  heldBack: boolean;
  predicted: Predicted | null;
  measured: number | null;
  /** the best run of the scale's own search (largest only) */
  bestAtScale: number | null;
}

/** An integer-valued distribution gets a whole number; a list of values, the nearest (in log space). */
function fitToDomain(d: Distribution | undefined, v: number): ParamValue {
  if (!d) return v;
  if (d.type === 'categorical') {
    const nums = d.values.filter((x): x is number => typeof x === 'number' && x > 0);
    if (nums.length) return nums.reduce((a, b) => (Math.abs(Math.log(b / v)) < Math.abs(Math.log(a / v)) ? b : a));
  }
  const integer = d.type === 'int_uniform' || ((d.type === 'q_uniform' || d.type === 'q_log_uniform_values' || d.type === 'q_log_uniform') && Number.isInteger(d.q ?? 1));
  return integer ? Math.max(1, Math.round(v)) : v;
}

/** The verify run at `at`; a RangeError says why there is none (no target, too few scales, no lr law). */
export function planVerify(config: StudyConfig, trials: readonly Trial[], metrics: readonly Metric[], at: VerifyAt, seed = 0): VerifyPlan {
  const scales = config.scales ?? [];
  const full = summarizeLadder({ config, trials, metrics, seed });
  let fitted: LadderSummary;
  let where: ScaleRecord;
  let N: number;
  if (at === 'target') {
    if (!config.target) throw new RangeError('verify at the target: the study has no target (add target: {params, tokens})');
    fitted = full;
    N = config.target.params;
    where = { name: config.target.name, index: -1, params: N, tokens: config.target.tokens, model: config.target.model, target: true };
  } else {
    const known = full.scales.filter((s) => s.N !== null && s.optimum);
    if (known.length < 3) throw new RangeError(`verify at the largest scale: ${known.length} scale${known.length === 1 ? ' has' : 's have'} an optimum; fitting without the largest needs at least 2 others`);
    const largest = largestScale(known);
    const index = scales.findIndex((s) => s.name === largest.name);
    fitted = summarizeLadder({ config: { ...config, scales: scales.filter((s) => s.name !== largest.name) }, trials, metrics, seed });
    N = largest.N!;
    where = { ...scaleRecord(scales[index]!, index), params: N };
  }
  const pred = predictLadder(fitted, N, where.tokens);
  if (!pred.lr) throw new RangeError(`verify: no law for ${fitted.lrParam} could be fitted${fitted.notes.length ? ` (${fitted.notes.join('; ')})` : ''}`);
  // other searched parameters: as in the best run of the largest scale searched
  const largestSearched = [...full.scales].reverse().find((s) => s.best);
  const bestTrial = largestSearched?.best ? trials.find((t) => t.number === largestSearched.best!.trial) : undefined;
  const params: Params = { ...(bestTrial?.params ?? {}) };
  for (const [k, d] of Object.entries(config.parameters)) if (d.type === 'constant') params[k] = d.value;
  params[fitted.lrParam] = pred.lr.value;
  if (fitted.batchParam && pred.batch) params[fitted.batchParam] = fitToDomain(config.parameters[fitted.batchParam], pred.batch.value);
  return {
    at,
    params,
    scale: {
      ...where,
      role: 'verify',
      predicted: { lr: pred.lr.value, batch: pred.batch?.value ?? null, loss: pred.loss?.value ?? null, lossInterval: pred.loss?.interval ?? null },
    },
  };
}

/** The study's verify runs (latest per place), read back with what was predicted. */
export function verifyResults(config: StudyConfig, trials: readonly Trial[]): VerifyResult[] {
  const latest = new Map<string, Trial>();
  for (const t of trials) if (isVerifyRun(t) && t.state !== 'STALE') latest.set(t.scale?.target ? 'target' : 'largest', t);
  return [...latest.entries()].map(([at, t]) => {
    const s = t.scale as unknown as VerifyPlan['scale'];
    const own = trials.filter((x) => inSearch(x, s.name) && x.state === 'COMPLETE' && x.value !== null);
    const best = at === 'largest' && own.length ? Math.min(...own.map((x) => x.value!)) : null;
    return {
      at: at as VerifyAt,
      scale: s.name,
      N: s.params ?? NaN,
      D: s.tokens,
      trial: t.number,
      state: t.state,
      error: t.error,
      params: t.params,
      heldBack: at === 'largest',
      predicted: s.predicted?.loss !== null && s.predicted?.loss !== undefined ? { value: s.predicted.loss, interval: s.predicted.lossInterval } : null,
      measured: t.state === 'COMPLETE' ? t.value : null,
      bestAtScale: best,
    };
  });
}
