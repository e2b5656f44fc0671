/**
 * A finished trial's named values (`Trial.values`) and feasibility, from the last value it reported of
 * each metric the study tracks: shared by runs (run-trial) and by `tell`, so both judge alike.
 */
import { constraintViolation, trackedMetrics } from '../config/objectives.js';
import type { StudyConfig } from '../config/index.js';

export interface SettledValues {
  /** null when the study tracks no metric beyond its one objective */
  values: Record<string, number | null> | null;
  /** why the trial breaks a constraint */
  infeasible: string | null;
  /** why the trial cannot complete: an objective never reported, or not a finite number */
  missing: string | null;
}

export function settleValues(cfg: Pick<StudyConfig, 'objectives' | 'constraints' | 'cost'>, last: Readonly<Record<string, number | null | undefined>>): SettledValues {
  const names = trackedMetrics(cfg);
  if (names.length === 0) return { values: null, infeasible: null, missing: null };
  const values = Object.fromEntries(names.map((n) => [n, last[n] ?? null])) as Record<string, number | null>;
  const lacking = (cfg.objectives ?? []).filter((o) => values[o.name] === null || !Number.isFinite(values[o.name]!));
  const missing = lacking.length
    ? `objective${lacking.length > 1 ? 's' : ''} ${lacking.map((o) => `'${o.name}'`).join(', ')} ${lacking.length > 1 ? 'were' : 'was'} never reported as a finite number (a multi-objective trial needs every objective)`
    : null;
  return { values, infeasible: cfg.constraints ? constraintViolation(values, cfg.constraints) : null, missing };
}
