/**
 * A trial's parameters as the trainer receives them: Python values, typed as W&B's agent types them,
 * nested parameters nested again, and the argument forms of each `${args…}` macro. Pure: the command
 * backend writes what this computes.
 */
import type { ScaleConfig, StudyConfig } from '../config/study.js';
import { valueIndex, type Distribution, type DistributionType, type LiteralPath, type Params, type ParamValue, type SearchSpace } from '../core/distributions.js';
import { isPyDict, PyFloat, pyJsonDumps, pyStr, type PyDict, type PyValue } from '../core/python.js';

/** What the formatter needs of a study: the space (with the kinds of its literals) and which names are nested. */
export type ParamKinds = Pick<StudyConfig, 'parameters' | 'nested'>;

/** Every value of these is a float, whole or not (W&B draws them with scipy: numpy floats). */
const FLOAT_TYPES: ReadonlySet<DistributionType> = new Set<DistributionType>(['uniform', 'log_uniform', 'log_uniform_values', 'inv_log_uniform', 'inv_log_uniform_values', 'normal', 'log_normal', 'beta']);

/** The space a trial was drawn from: the study's, with its scale's distributions over it (a ladder). */
export function paramKinds(config: ParamKinds & Pick<StudyConfig, 'scales' | 'target'>, scale: Record<string, unknown> | null): ParamKinds {
  const own: ScaleConfig | undefined = scale ? config.scales?.find((s) => s.name === scale.name) : undefined;
  const size: Pick<ScaleConfig, 'model' | 'modelFloats'> | undefined = own ?? (scale && config.target?.name === scale.name ? config.target : undefined);
  // the trial's own parameters over its model's settings, as runParams puts them
  return { parameters: { ...modelKinds(size), ...config.parameters, ...own?.parameters }, ...(config.nested ? { nested: config.nested } : {}) };
}

/** A scale's model settings as constants, so that `dropout: 0.0` in its model reaches the trainer as the float it was written as. */
function modelKinds(size: Pick<ScaleConfig, 'model' | 'modelFloats'> | undefined): SearchSpace {
  const out: SearchSpace = {};
  for (const [k, value] of Object.entries(size?.model ?? {})) {
    const floats = (size?.modelFloats ?? []).filter((p) => p[0] === k).map((p) => p.slice(1));
    out[k] = { type: 'constant', value, ...(floats.length ? { floats } : {}) };
  }
  return out;
}

/**
 * One parameter's value as Python sees it. A name outside the space (a scale's model settings) and a
 * config stored before kinds were kept have whole numbers as ints, as before.
 */
export function pythonValue(d: Distribution | undefined, v: ParamValue): PyValue {
  if (!d) return v;
  if (d.type === 'constant') return markFloats(v, d.floats ?? []);
  if (d.type === 'categorical') {
    const i = valueIndex(d, v);
    return markFloats(v, i < 0 ? [] : (d.floats ?? []).filter((p) => p[0] === i).map((p) => p.slice(1)));
  }
  if (typeof v !== 'number') return v;
  if (FLOAT_TYPES.has(d.type)) return new PyFloat(v);
  return 'qFloat' in d && d.qFloat ? new PyFloat(v) : v;
}

function markFloats(v: ParamValue, paths: readonly LiteralPath[]): PyValue {
  if (paths.length === 0) return v;
  if (typeof v === 'number') return paths.some((p) => p.length === 0) ? new PyFloat(v) : v;
  const below = (key: string | number): LiteralPath[] => paths.filter((p) => p.length > 0 && String(p[0]) === String(key)).map((p) => p.slice(1));
  if (Array.isArray(v)) return v.map((x, i) => markFloats(x, below(i)));
  if (v !== null && typeof v === 'object') {
    const out: PyDict = {};
    for (const [k, x] of Object.entries(v)) put(out, k, markFloats(x, below(k)));
    return out;
  }
  return v;
}

// defineProperty, so that a key such as `__proto__` is a key like any other
function put(o: PyDict, k: string, v: PyValue): void {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

/** A trial's parameters as stored (flat names), each typed as the trainer got it: for machine output that keeps `1.0` a float. */
export function typedParams(config: ParamKinds & Pick<StudyConfig, 'scales' | 'target'>, trial: { params: Params; scale: Record<string, unknown> | null }): PyDict {
  const kinds = paramKinds(config, trial.scale);
  const out: PyDict = {};
  for (const [name, v] of Object.entries(trial.params)) put(out, name, pythonValue(kinds.parameters[name], v));
  return out;
}

/** The trial's parameters for the trainer, in their order, nested ones gathered under their first name. */
export function trainerParams(kinds: ParamKinds, params: Params): PyDict {
  const out: PyDict = {};
  for (const [name, v] of Object.entries(params)) {
    const py = pythonValue(kinds.parameters[name], v);
    const path = kinds.nested?.[name];
    if (!path) {
      put(out, name, py);
      continue;
    }
    let node = out;
    for (const seg of path.slice(0, -1)) {
      const next = Object.hasOwn(node, seg) ? node[seg]! : undefined;
      if (next === undefined || !isPyDict(next)) put(node, seg, {});
      node = node[seg] as PyDict;
    }
    put(node, path[path.length - 1]!, py);
  }
  return out;
}

/** The list macros' arguments, as W&B's agent builds them (`f"--{name}={value}"`: Python's str). */
export function argForms(values: PyDict): Record<'args' | 'args_no_hyphens' | 'args_no_equals' | 'args_no_boolean_flags', string[]> {
  const pairs = Object.entries(values).map(([k, v]) => [k, v, pyStr(v)] as const);
  return {
    args: pairs.map(([k, , s]) => `--${k}=${s}`),
    args_no_hyphens: pairs.map(([k, , s]) => `${k}=${s}`),
    args_no_equals: pairs.flatMap(([k, , s]) => [`--${k}`, s]),
    // a true flag is passed bare and a false one left out, for argparse's store_true
    args_no_boolean_flags: pairs.flatMap(([k, v, s]) => (v === true ? [`--${k}`] : v === false ? [] : [`--${k}=${s}`])),
  };
}

/** `${args_json}`, SCALETUNE_PARAMS and (indented) params.json: what Python's json.dumps writes. */
export function paramsJson(values: PyDict, indent?: number): string {
  return pyJsonDumps(values, indent);
}
