/**
 * How far a study's search has come, in runs: what `studies` prints as `12 of 16 + 1 verify`. A ladder's
 * budget is the sum of its scales' own; a grid's is its points (at most its run cap); a verify run is
 * counted apart, since it is not part of any scale's search.
 */
import type { StudyConfig } from '../config/index.js';
import { runBudget, type SearchSpace } from '../core/distributions.js';
import { isVerifyRun, type Trial } from '../core/trial.js';
import { methodEntry } from '../registry/index.js';

export interface SearchCount {
  /** completed runs of the search (verify runs not among them) */
  complete: number;
  /** runs the search will make at most; null when it runs until stopped */
  budget: number | null;
  /** completed verify runs */
  verify: number;
}

function budgetOf(config: StudyConfig, space: SearchSpace, runCap: number | undefined): number | null {
  return runBudget(space, runCap, methodEntry(config.method).capabilities.walksGrid);
}

export function searchBudget(config: StudyConfig): number | null {
  if (!config.scales) return budgetOf(config, config.parameters, config.runCap);
  let total = 0;
  for (const s of config.scales) {
    const b = budgetOf(config, { ...config.parameters, ...s.parameters }, s.runCap ?? config.runCap);
    if (b === null) return null;
    total += b;
  }
  return total;
}

export function searchCount(config: StudyConfig, trials: readonly Trial[]): SearchCount {
  const complete = trials.filter((t) => t.state === 'COMPLETE');
  const verify = complete.filter(isVerifyRun).length;
  return { complete: complete.length - verify, budget: searchBudget(config), verify };
}

/** `12 of 16`, `12 of 16 + 1 verify`, `40` (no budget). */
export function formatSearchCount(c: SearchCount): string {
  return `${c.complete}${c.budget !== null ? ` of ${c.budget}` : ''}${c.verify ? ` + ${c.verify} verify` : ''}`;
}
