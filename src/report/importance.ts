/**
 * Which searched parameters mattered, by one of two methods over the same trials: fANOVA (a random
 * forest's variance split into each parameter's main effect: src/report/fanova.ts) or PED-ANOVA (how
 * differently each parameter is spread among the best trials: src/report/ped-anova.ts). The default
 * is the one bench/importance measured as ranking parameters closer to their true importance
 * (bench/RESULTS.md). Pure.
 */
import type { SearchSpace } from '../core/distributions.js';
import { outsideSearch, type Trial } from '../core/trial.js';
import { fanova } from './fanova.js';
import { pedAnova } from './ped-anova.js';

export const IMPORTANCE_METHODS = ['fanova', 'ped-anova'] as const;
export type ImportanceMethod = (typeof IMPORTANCE_METHODS)[number];
export const DEFAULT_IMPORTANCE: ImportanceMethod = 'fanova';

export interface Importance {
  param: string;
  /** this parameter's share of the total (sums to 1 over the parameters) */
  share: number;
  /** fANOVA: the fraction of the variance it explains alone (mean over the trees); PED-ANOVA: the Pearson divergence */
  score: number;
  /** fANOVA: the fraction's standard deviation over the trees; null for PED-ANOVA */
  sd: number | null;
}

export interface ImportanceResult {
  method: ImportanceMethod;
  importances: Importance[];
  /** trials used: completed, feasible, with a finite value */
  trials: number;
  /** PED-ANOVA: how many of them count as the best; null for fANOVA */
  top: number | null;
  /** fANOVA: how much of the values' variance the forest predicts on trials it was not fitted to; null for PED-ANOVA */
  oobR2: number | null;
}

/** Fewer completed trials than this and neither the best tenth nor a forest is more than noise. */
export const MIN_IMPORTANCE_TRIALS = 10;

export interface ImportanceOptions {
  method?: ImportanceMethod;
  /** the forest's seed (fANOVA) */
  seed?: number;
}

/** The trials importance is measured over: completed, feasible, inside the search, with a finite value. */
export const importanceTrials = (trials: readonly Trial[]): Trial[] => trials.filter((t) => t.state === 'COMPLETE' && t.value !== null && Number.isFinite(t.value) && !t.infeasible && !outsideSearch(t));

/**
 * Importance of each searched parameter over a study's completed trials; null with too few of them,
 * none searched, or (fANOVA) every value alike.
 */
export function parameterImportance(trials: readonly Trial[], space: SearchSpace, goal: 'minimize' | 'maximize', o: ImportanceOptions = {}): ImportanceResult | null {
  const rows = importanceTrials(trials);
  if (rows.length < MIN_IMPORTANCE_TRIALS) return null;
  const method = o.method ?? DEFAULT_IMPORTANCE;
  let importances: Omit<Importance, 'share'>[];
  let top: number | null = null;
  let oobR2: number | null = null;
  if (method === 'fanova') {
    const r = fanova(rows, space, { seed: o.seed ?? 0 });
    if (!r) return null;
    importances = r.effects.map((e) => ({ param: e.param, score: e.fraction, sd: e.sd }));
    oobR2 = r.oobR2;
  } else {
    const r = pedAnova(rows, space, goal === 'maximize' ? -1 : 1);
    if (r.divergences.length === 0) return null;
    importances = r.divergences.map((d) => ({ param: d.param, score: d.divergence, sd: null }));
    top = r.top;
  }
  const total = importances.reduce((s, x) => s + x.score, 0);
  const out = importances.map((x) => ({ ...x, share: total > 0 ? x.score / total : 0 })).sort((a, b) => b.score - a.score);
  return { method, importances: out, trials: rows.length, top, oobR2 };
}
