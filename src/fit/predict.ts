/** Predicting from a kept fit, as `scaletune predict` does: the fit, the law's outputs, and their bootstrap interval. */
import { LAWS, predictWithInterval, type LawName, type Prediction } from '../../fitters/laws.js';
import { UsageError } from '../core/errors.js';
import { commandHint } from '../core/hint.js';
import type { Storage, StoredFit } from '../storage/types.js';

/** Inputs that have a flag of their own on `predict`; a generic law's others come as `--at name=value`. */
export const NAMED_INPUTS = ['N', 'D', 'M', 'loss', 'C', 'T', 'batch', 'Smin'] as const;

const flagOf = (k: string): string => ((NAMED_INPUTS as readonly string[]).includes(k) ? `--${k}` : `--at ${k}=<value>`);

/** Fit `id`, or the newest fit of `law`; a UsageError when there is none or it is of another law. */
export async function findFit(storage: Storage, law: LawName, id?: number): Promise<StoredFit> {
  if (id === undefined) {
    const fit = await storage.latestFit(law);
    if (!fit) throw new UsageError(`no ${law} fit in ${storage.location}; make one with: ${commandHint(`fit ${law} …`, storage.location, process.cwd())}`);
    return fit;
  }
  const fit = await storage.getFit(id);
  if (!fit) throw new UsageError(`--fit ${id}: no such fit in ${storage.location}`);
  if (fit.law !== law) throw new UsageError(`--fit ${id}: that fit is of law ${fit.law}, not ${law}`);
  return fit;
}

export interface PredictOptions {
  /** which kept fit; default the newest of the law */
  fit?: number;
}

/** What the kept fit of `law` predicts at the inputs `at`, with the interval of its bootstrap refits. */
export async function predict(storage: Storage, law: LawName, at: Record<string, number>, o: PredictOptions = {}): Promise<Prediction & { fit: StoredFit }> {
  // sizes, token counts, losses and compute are all positive: anything else printed NaN or Infinity
  for (const [k, v] of Object.entries(at)) if (!Number.isFinite(v) || v <= 0) throw new UsageError(`predict ${law}: ${flagOf(k)} is ${v}; allowed: a positive finite number such as 7e9`);
  // a generic law's inputs are its fit's columns; the named laws' are known before any fit is read
  const known = LAWS[law].predictInputs({});
  if (known.length) refuseForeign(law, at, known);
  const fit = await findFit(storage, law, o.fit);
  const inputs = LAWS[law].predictInputs(fit.spec);
  refuseForeign(law, at, inputs);
  const missing = inputs.filter((k) => !(k in at));
  if (missing.length) throw new UsageError(`predict ${law}: missing ${missing.map(flagOf).join(', ')}`);
  return { ...predictWithInterval(law, fit.result, at, fit.spec), fit };
}

/** An input the law does not take would be silently ignored; say which ones it takes. */
function refuseForeign(law: LawName, at: Record<string, number>, inputs: readonly string[]): void {
  const foreign = Object.keys(at).filter((k) => !inputs.includes(k));
  if (foreign.length) throw new UsageError(`predict ${law}: ${foreign.map(flagOf).join(', ')} ${foreign.length === 1 ? 'is not an input' : 'are not inputs'} of ${law}; it takes ${inputs.map(flagOf).join(', ')}`);
}
