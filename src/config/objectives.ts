/**
 * What a study optimises beyond one metric: `metric:` as a list (several objectives, a Pareto front),
 * `constraints:` (bounds a run's reported metrics must keep) and `cost:` (what a run costs, for
 * cost-aware proposals). Parsed here with their schema; what each method does with them is in the
 * method registry's capabilities.
 */
import { isNum, isObj, type Issues } from '../core/options.js';
import type { ConstraintConfig, CostConfig, MetricConfig } from '../core/trial.js';

const METRIC_KEYS = ['name', 'goal', 'target'];
const METRIC_WHAT = 'a mapping {name, goal: minimize|maximize, target?}';

function parseOne(issues: Issues, m: unknown, at: string, inList: boolean): MetricConfig | undefined {
  if (!isObj(m)) return void issues.bad(at, m, inList ? `${METRIC_WHAT} for each objective` : `${METRIC_WHAT}, or a list of such mappings (two or more: several objectives)`);
  const keys = inList ? ['name', 'goal'] : METRIC_KEYS;
  for (const k of Object.keys(m)) {
    if (k === 'target' && inList) issues.add(`${at}.${k}`, 'a target ends a single-objective study at a value; a multi-objective study has no one value to reach; allowed: name, goal');
    else if (!keys.includes(k)) issues.add(`${at}.${k}`, `unknown key; allowed: ${keys.join(', ')}`);
  }
  const named = typeof m.name === 'string' && m.name.trim() !== '';
  if (!named) issues.bad(`${at}.name`, m.name, 'the name of a metric the trainer prints, e.g. val_loss');
  let goal: MetricConfig['goal'] = 'minimize';
  if (m.goal !== undefined) {
    if (m.goal !== 'minimize' && m.goal !== 'maximize') issues.bad(`${at}.goal`, m.goal, 'minimize, maximize');
    else goal = m.goal;
  }
  if (m.target !== undefined && !inList && !isNum(m.target)) issues.bad(`${at}.target`, m.target, 'a finite number');
  return named ? { name: m.name as string, goal, ...(isNum(m.target) && !inList ? { target: m.target } : {}) } : undefined;
}

/**
 * `metric:` — one mapping, or a list of two or more (each objective's name and goal). The first of a
 * list is also the study's `metric`, so that everything which reads one metric (logs, the live view)
 * shows it; what optimises reads `objectives`.
 */
export function parseObjectives(issues: Issues, raw: unknown): { metric?: MetricConfig; objectives?: MetricConfig[] } {
  if (raw === undefined) return {};
  if (!Array.isArray(raw)) {
    const metric = parseOne(issues, raw, 'metric', false);
    return metric ? { metric } : {};
  }
  if (raw.length === 0) {
    issues.bad('metric', raw, `${METRIC_WHAT}, or a list of such mappings (two or more: several objectives; a list of one is that one metric)`);
    return {};
  }
  const list = raw.map((m, i) => parseOne(issues, m, `metric[${i}]`, true));
  const seen = new Set<string>();
  list.forEach((m, i) => {
    if (!m) return;
    if (seen.has(m.name)) issues.add(`metric[${i}].name`, `found "${m.name}" twice; allowed: each objective once`);
    seen.add(m.name);
  });
  const ok = list.filter((m): m is MetricConfig => m !== undefined);
  if (ok.length !== list.length) return {};
  // a list of one is a single objective written as a list
  return ok.length === 1 ? { metric: ok[0]! } : { metric: ok[0]!, objectives: ok };
}

/** `constraints: [{name, max?, min?}]`: each a metric the trainer reports, and the bounds its last value must keep. */
export function parseConstraints(issues: Issues, raw: unknown, objectives: readonly MetricConfig[]): ConstraintConfig[] | undefined {
  if (raw === undefined) return undefined;
  const what = 'a list of {name, max?, min?}: metrics the trainer reports and the bounds their last value must keep, e.g. [{name: peak_memory_gb, max: 80}]';
  if (!Array.isArray(raw) || raw.length === 0) return void issues.bad('constraints', raw, what);
  const out: ConstraintConfig[] = [];
  const seen = new Set<string>();
  raw.forEach((c: unknown, i) => {
    const at = `constraints[${i}]`;
    if (!isObj(c)) return issues.bad(at, c, '{name, max?, min?}');
    for (const k of Object.keys(c)) if (!['name', 'min', 'max'].includes(k)) issues.add(`${at}.${k}`, 'unknown key; allowed: name, min, max');
    const named = typeof c.name === 'string' && c.name.trim() !== '';
    if (!named) return issues.bad(`${at}.name`, c.name, 'the name of a metric the trainer reports, e.g. peak_memory_gb');
    const name = c.name as string;
    if (seen.has(name)) issues.add(`${at}.name`, `found "${name}" twice; allowed: one entry per metric, with both min and max when both bound it`);
    seen.add(name);
    if (objectives.some((o) => o.name === name)) issues.add(`${at}.name`, `"${name}" is also an objective (metric); allowed: a metric that is not optimised, or remove it from metric`);
    for (const k of ['min', 'max'] as const) if (c[k] !== undefined && !isNum(c[k])) issues.bad(`${at}.${k}`, c[k], 'a finite number');
    if (c.min === undefined && c.max === undefined) issues.add(at, 'has no bound; allowed: max, min or both');
    if (isNum(c.min) && isNum(c.max) && c.min > c.max) issues.add(at, `min ${c.min} is above max ${c.max}; allowed: min ≤ max`);
    out.push({ name, ...(isNum(c.min) ? { min: c.min } : {}), ...(isNum(c.max) ? { max: c.max } : {}) });
  });
  return out;
}

/** A reported value in a message: six significant digits (45.1896, not 45.189600000000006). */
const shown = (v: number): string => String(Number(v.toPrecision(6)));

/** Why a trial's last reported values break a constraint, or null when they keep every one. A constraint never reported breaks it. */
export function constraintViolation(values: Readonly<Record<string, number | null>>, constraints: readonly ConstraintConfig[]): string | null {
  const broken: string[] = [];
  for (const c of constraints) {
    const v = values[c.name];
    if (v === null || v === undefined || !Number.isFinite(v)) broken.push(`${c.name} was never reported as a number (a constrained metric must be)`);
    else if (c.max !== undefined && v > c.max) broken.push(`${c.name} = ${shown(v)} is above its max ${c.max}`);
    else if (c.min !== undefined && v < c.min) broken.push(`${c.name} = ${shown(v)} is below its min ${c.min}`);
  }
  return broken.length ? broken.join('; ') : null;
}

/**
 * How far a trial's values lie inside (≤ 0) or outside (> 0) each constraint, in units of the bound
 * (|bound|, or 1 at 0): what the feasibility model learns, so that near misses count as near.
 */
export function constraintSlack(values: Readonly<Record<string, number | null>>, c: ConstraintConfig): number | null {
  const v = values[c.name];
  if (v === null || v === undefined || !Number.isFinite(v)) return null;
  const over = c.max !== undefined ? (v - c.max) / (Math.abs(c.max) || 1) : -Infinity;
  const under = c.min !== undefined ? (c.min - v) / (Math.abs(c.min) || 1) : -Infinity;
  return Math.max(over, under);
}

/** `cost: flops | time | <metric>`. */
export function parseCost(issues: Issues, raw: unknown, objectives: readonly MetricConfig[]): CostConfig | undefined {
  if (raw === undefined) return undefined;
  const what = "flops (the run's reported flops, else 6·params·tokens), time (wall-clock seconds), or the name of a metric the trainer reports";
  if (typeof raw !== 'string' || raw.trim() === '') return void issues.bad('cost', raw, what);
  if (raw === 'flops' || raw === 'time') return { kind: raw };
  if (objectives.some((o) => o.name === raw)) return void issues.add('cost', `"${raw}" is an objective (metric); allowed: ${what} that is not optimised`);
  return { kind: 'metric', name: raw };
}

/** The names a study's trials must keep the last values of (`Trial.values`): objectives, constraints, a cost metric. */
export function trackedMetrics(cfg: { objectives?: readonly MetricConfig[]; constraints?: readonly ConstraintConfig[]; cost?: CostConfig }): string[] {
  const names = [...(cfg.objectives ?? []).map((o) => o.name), ...(cfg.constraints ?? []).map((c) => c.name)];
  if (cfg.cost?.kind === 'metric') names.push(cfg.cost.name);
  if (cfg.cost?.kind === 'flops') names.push('flops', 'params', 'tokens');
  return [...new Set(names)];
}

export function objectivesSchema(): Record<string, unknown> {
  const one = (withTarget: boolean) => ({
    type: 'object',
    additionalProperties: false,
    required: ['name'],
    properties: {
      name: { type: 'string', minLength: 1 },
      goal: { enum: ['minimize', 'maximize'], default: 'minimize' },
      ...(withTarget ? { target: { type: 'number', description: 'stop the study once a trial reaches it' } } : {}),
    },
  });
  return {
    description: 'the metric to optimise, or a list of objectives (a Pareto front)',
    oneOf: [one(true), { type: 'array', minItems: 1, items: one(false) }],
  };
}

export function constraintsSchema(): Record<string, unknown> {
  return {
    type: 'array',
    minItems: 1,
    description: "bounds on metrics the trainer reports (the last value counts); a trial that breaks one, or never reports it, is infeasible and never the best",
    items: {
      type: 'object',
      additionalProperties: false,
      required: ['name'],
      anyOf: [{ required: ['max'] }, { required: ['min'] }],
      properties: { name: { type: 'string', minLength: 1 }, min: { type: 'number' }, max: { type: 'number' } },
    },
  };
}

export function costSchema(): Record<string, unknown> {
  return { type: 'string', minLength: 1, description: "what a run costs, for method bayes's cost-aware proposals: flops, time, or a metric the trainer reports" };
}
