/**
 * A ladder's scales as its search sees them: the order they are searched in, which trials belong to
 * a scale's search, and the scale a trial stores. Shared by the claimer, the summary and the views,
 * so that all three count the same trials.
 */
import type { ScaleConfig, StudyConfig } from '../../src/config/index.js';
import { gridValues, type SearchSpace } from '../../src/core/distributions.js';
import { outsideSearch, type ScaleRecord, type Trial } from '../../src/core/trial.js';

export function scaleRecord(s: ScaleConfig, index: number): ScaleRecord {
  return { name: s.name, index, ...(s.params !== undefined ? { params: s.params } : {}), tokens: s.tokens, model: s.model };
}

/** Scales in the order they are searched: by compute 6·N·D where N is known, else by tokens. */
export function ladderOrder(cfg: StudyConfig): { scale: ScaleConfig; index: number }[] {
  const size = (s: ScaleConfig): number => (s.params ?? 1) * s.tokens;
  return (cfg.scales ?? []).map((scale, index) => ({ scale, index })).sort((a, b) => size(a.scale) - size(b.scale) || a.index - b.index);
}

/** Is this trial part of a scale's search (not a verify run, nor a harvesting branch)? */
export function inSearch(t: Pick<Trial, 'scale'>, name: string): boolean {
  return t.scale?.name === name && !outsideSearch(t);
}

/** Is the learning rate a range (not listed values) in the study's space and at every scale that overrides it? */
export function lrContinuousEverywhere(parameters: SearchSpace, scales: readonly Pick<ScaleConfig, 'parameters'>[], lrParam: string): boolean {
  const lrs = [parameters[lrParam], ...scales.map((s) => s.parameters?.[lrParam])];
  return lrs[0] !== undefined && lrs.every((d) => d === undefined || gridValues(d) === null);
}
