/**
 * How a command trainer is told what a harvesting ladder wants of a run (docs/harvest.md): environment
 * variables in tokens, the trainer's own count (batch × sequence length per step).
 */
import type { HarvestPlan } from '../../fitters/ladder/harvest.js';

const tokens = (n: number): string => String(Math.round(n));

export function harvestEnv(plan: HarvestPlan | null | undefined): Record<string, string> {
  if (!plan) return {};
  switch (plan.kind) {
    case 'cooldown':
      return { SCALETUNE_HARVEST: 'cooldown', SCALETUNE_HARVEST_TOKENS: tokens(plan.tokens), SCALETUNE_DECAY_FROM_TOKENS: tokens(plan.decayFrom), SCALETUNE_HARVEST_CHECKPOINTS: plan.checkpoints.map(tokens).join(',') };
    case 'branch':
      return { SCALETUNE_HARVEST: 'branch', SCALETUNE_HARVEST_TOKENS: tokens(plan.tokens), SCALETUNE_DECAY_FROM_TOKENS: tokens(plan.from) };
    case 'wsds':
      return { SCALETUNE_HARVEST: 'wsds', SCALETUNE_HARVEST_TOKENS: tokens(plan.tokens), SCALETUNE_HARVEST_POINTS: plan.points.map(tokens).join(','), SCALETUNE_HARVEST_DECAY: String(plan.decay) };
  }
}
