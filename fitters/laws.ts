/**
 * The law registry: one table feeds `scaletune fit`/`predict`, the stored fits and the tests. Each law
 * names the inputs it needs, how to fit rows of them, and how to predict from its parameters.
 */
import { fitChinchilla, predictChinchilla, type ChinchillaParams } from './chinchilla.js';
import { fitErrorLaw, fitOvertrain, predictError, predictOvertrain, type ErrorLawParams, type OvertrainParams } from './overtraining.js';
import { fitPower, fitPowerOffset, predictPower, predictPowerOffset } from './power.js';
import { fitStepLaw, predictStepLaw, type StepLawParams } from './steplaw.js';
import type { BootstrapOptions } from './bootstrap.js';
import { fitDeepSeek, fitIsoflop, fitPowerScheduler, predictDeepSeek, predictIsoflop, predictPowerScheduler } from './compute.js';
import { criticalBatch, fitCriticalBatch, fitKaplan, fitKaplanSteps, predictKaplan, predictKaplanSteps } from './kaplan.js';
import { FitError, type FitResult } from './types.js';

export interface LawFitOptions {
  bootstrap?: BootstrapOptions;
  /** for the generic laws: the x columns and the y column */
  x?: string[];
  y?: string;
}

export interface LawSpec {
  formula: string;
  /** inputs each row must have (for generic laws: decided by --x/--y) */
  inputs(opts: LawFitOptions): string[];
  /** inputs a prediction needs */
  predictInputs(spec: { x?: string[] }): string[];
  fit(rows: Record<string, number>[], opts: LawFitOptions): FitResult;
  /** named outputs for one set of parameters */
  predict(params: Record<string, number>, at: Record<string, number>, spec: { x?: string[]; y?: string }): Record<string, number>;
}

/** The bootstrap options a fitter takes, when the caller gave any. */
const boot = (o: LawFitOptions): { bootstrap?: BootstrapOptions } => (o.bootstrap ? { bootstrap: o.bootstrap } : {});

const need = (opts: LawFitOptions, law: string): { x: string[]; y: string } => {
  if (!opts.x?.length || !opts.y) throw new FitError(`law ${law} needs --x (the input columns) and --y (the output column)`);
  return { x: opts.x, y: opts.y };
};

export const LAWS = {
  chinchilla: {
    formula: 'loss = E + A/N^alpha + B/D^beta',
    inputs: () => ['N', 'D', 'loss'],
    predictInputs: () => ['N', 'D'],
    fit: (rows, o) => fitChinchilla(rows.map((r) => ({ N: r.N!, D: r.D!, loss: r.loss! })), boot(o)),
    predict: (p, at) => ({ loss: predictChinchilla(p as ChinchillaParams, at.N!, at.D!) }),
  },
  steplaw: {
    formula: 'lr = a * N^alpha * D^beta ; batch = b * D^gamma (batch in tokens)',
    inputs: () => ['N', 'D', 'lr', 'batch', 'loss'],
    predictInputs: () => ['N', 'D'],
    fit: (rows, o) => fitStepLaw(rows.map((r) => ({ N: r.N!, D: r.D!, lr: r.lr!, batch: r.batch!, loss: r.loss! })), boot(o)),
    predict: (p, at) => predictStepLaw(p as StepLawParams, at.N!, at.D!),
  },
  overtrain: {
    formula: 'loss = E + a*N^e + b*6^(e/2)*(M*N)^e',
    inputs: () => ['N', 'M', 'loss'],
    predictInputs: () => ['N', 'M'],
    fit: (rows, o) => fitOvertrain(rows.map((r) => ({ N: r.N!, M: r.M!, loss: r.loss! })), boot(o)),
    predict: (p, at) => ({ loss: predictOvertrain(p as OvertrainParams, at.N!, at.M!) }),
  },
  error: {
    formula: 'err = epsilon - k*exp(-gamma*loss)',
    inputs: () => ['loss', 'err'],
    predictInputs: () => ['loss'],
    fit: (rows, o) => fitErrorLaw(rows.map((r) => ({ loss: r.loss!, err: r.err! })), boot(o)),
    predict: (p, at) => ({ err: predictError(p as ErrorLawParams, at.loss!) }),
  },
  deepseek: {
    formula: 'lr = a_lr * C^alpha_lr ; batch = a_batch * C^alpha_batch (C = M*D)',
    inputs: () => ['C', 'lr', 'batch'],
    predictInputs: () => ['C'],
    fit: (rows, o) => fitDeepSeek(rows.map((r) => ({ C: r.C!, lr: r.lr!, batch: r.batch! })), boot(o)),
    predict: (p, at) => predictDeepSeek(p, at.C!),
  },
  'power-scheduler': {
    formula: 'lr = batch * a * T^b (T tokens)',
    inputs: () => ['T', 'batch', 'lr'],
    predictInputs: () => ['T', 'batch'],
    fit: (rows, o) => fitPowerScheduler(rows.map((r) => ({ T: r.T!, batch: r.batch!, lr: r.lr! })), boot(o)),
    predict: (p, at) => ({ lr: predictPowerScheduler(p, at.T!, at.batch!) }),
  },
  isoflop: {
    formula: 'per budget C a parabola of loss in log N; N* = k_N * C^a_N, D* = C/(6 N*)',
    inputs: () => ['C', 'N', 'loss'],
    predictInputs: () => ['C'],
    fit: (rows, o) => fitIsoflop(rows.map((r) => ({ C: r.C!, N: r.N!, loss: r.loss! })), boot(o)),
    predict: (p, at) => predictIsoflop(p, at.C!),
  },
  kaplan: {
    formula: 'loss = ((N_c/N)^(alpha_N/alpha_D) + D_c/D)^alpha_D',
    inputs: () => ['N', 'D', 'loss'],
    predictInputs: () => ['N', 'D'],
    fit: (rows, o) => fitKaplan(rows.map((r) => ({ N: r.N!, D: r.D!, loss: r.loss! })), boot(o)),
    predict: (p, at) => ({ loss: predictKaplan(p, at.N!, at.D!) }),
  },
  'kaplan-steps': {
    formula: 'loss = (N_c/N)^alpha_N + (S_c/Smin)^alpha_S',
    inputs: () => ['N', 'Smin', 'loss'],
    predictInputs: () => ['N', 'Smin'],
    fit: (rows, o) => fitKaplanSteps(rows.map((r) => ({ N: r.N!, Smin: r.Smin!, loss: r.loss! })), boot(o)),
    predict: (p, at) => ({ loss: predictKaplanSteps(p, at.N!, at.Smin!) }),
  },
  'critical-batch': {
    formula: 'Bcrit = B_star / loss^(1/alpha_B)',
    inputs: () => ['loss', 'Bcrit'],
    predictInputs: () => ['loss'],
    fit: (rows) => fitCriticalBatch(rows.map((r) => ({ loss: r.loss!, Bcrit: r.Bcrit! }))),
    predict: (p, at) => ({ Bcrit: criticalBatch(p, at.loss!) }),
  },
  power: {
    formula: 'y = a * prod(x_i^b_i), one exponent per x column, named after it',
    inputs: (o) => {
      const { x, y } = need(o, 'power');
      return [...x, y];
    },
    predictInputs: (s) => s.x ?? [],
    fit: (rows, o) => {
      const { x, y } = need(o, 'power');
      return fitPower(rows.map((r) => ({ x: Object.fromEntries(x.map((k) => [k, r[k]!])), y: r[y]! })), x, boot(o));
    },
    predict: (p, at, s) => ({ [s.y ?? 'y']: predictPower(p, at, s.x ?? []) }),
  },
  'power-offset': {
    formula: 'y = E + A * x^(-alpha)',
    inputs: (o) => {
      const { x, y } = need(o, 'power-offset');
      if (x.length !== 1) throw new FitError('law power-offset takes one x column');
      return [x[0]!, y];
    },
    predictInputs: (s) => s.x ?? [],
    fit: (rows, o) => {
      const { x, y } = need(o, 'power-offset');
      return fitPowerOffset(rows.map((r) => ({ x: { [x[0]!]: r[x[0]!]! }, y: r[y]! })), x[0]!, boot(o));
    },
    predict: (p, at, s) => ({ [s.y ?? 'y']: predictPowerOffset(p, at[(s.x ?? ['x'])[0]!]!) }),
  },
} satisfies Record<string, LawSpec>;

export type LawName = keyof typeof LAWS;
export const LAW_NAMES = Object.keys(LAWS) as LawName[];

export interface Prediction {
  value: Record<string, number>;
  /** percentile interval of each output over the bootstrap refits; absent without them */
  interval: Record<string, [number, number]>;
}

/** Predict with the fitted parameters, and with every bootstrap refit for an interval. */
export function predictWithInterval(law: LawName, fit: Pick<FitResult, 'params' | 'samples'>, at: Record<string, number>, spec: { x?: string[]; y?: string }, level = 0.95): Prediction {
  const L: LawSpec = LAWS[law];
  const value = L.predict(fit.params, at, spec);
  const interval: Record<string, [number, number]> = {};
  if (fit.samples?.length) {
    const outs = fit.samples.map((s) => L.predict(s, at, spec));
    for (const k of Object.keys(value)) {
      const vs = outs.map((o) => o[k]!).filter(Number.isFinite).sort((a, b) => a - b);
      if (vs.length === 0) continue;
      const q = (p: number): number => vs[Math.min(vs.length - 1, Math.max(0, Math.round(p * (vs.length - 1))))]!;
      interval[k] = [q((1 - level) / 2), q(1 - (1 - level) / 2)];
    }
  }
  return { value, interval };
}
