/**
 * Harvesting (`harvest:`): one run per (scale, hyperparameters) measures the loss at several token
 * budgets, so that the laws see N and D vary apart. Budgets are fractions f of the scale's tokens D; the
 * point of budget f is the loss with the learning rate annealed at d = f·D, after a linear decay over
 * `decay` of the tokens trained when it began (it starts at d/(1+decay)). Two designs reach those points:
 *
 * - `cooldown` (Hägele et al. 2024): the run is a WSD run to D (stable until D/(1+decay), then the
 *   decay), so its own end is the point of budget 1; on the way it saves a checkpoint at the start of
 *   each smaller budget's decay, and from each a branch (a trial of its own, resuming from it) decays
 *   to d. Extra compute: decay/(1+decay) of the smaller budgets' tokens (0.15 of a run for the defaults).
 * - `wsds` (WSD-S, Wen et al. 2024; OLMo-core's ladder): one run whose learning rate decays before
 *   every budget, is measured at its bottom and re-warms after it. No extra compute; the points after
 *   the first come from a run whose learning rate went down and up again.
 *
 * Pure: what each trial is told, which branches a finished run needs, and the runs each budget yields.
 */
import type { Params } from '../../src/core/distributions.js';
import type { Metric, Trial } from '../../src/core/trial.js';
import type { LadderRun } from './types.js';

export const HARVEST_DESIGNS = ['cooldown', 'wsds'] as const;
export type HarvestDesign = (typeof HARVEST_DESIGNS)[number];

export interface HarvestConfig {
  design: HarvestDesign;
  /** fractions of a scale's tokens, ascending, the last 1 */
  budgets: number[];
  /** the decay before each point, as a fraction of the tokens trained when it starts */
  decay: number;
}

export const HARVEST_DEFAULTS: HarvestConfig = { design: 'cooldown', budgets: [0.125, 0.25, 0.5, 1], decay: 0.2 };

/** What a trainer does in one harvesting trial; token counts are the run's own (batch × sequence per step). */
export type HarvestPlan =
  /** a WSD run to `tokens`, stable until `decayFrom`, saving a checkpoint at each of `checkpoints` */
  | { kind: 'cooldown'; tokens: number; decayFrom: number; checkpoints: number[] }
  /** resume at `from` tokens (SCALETUNE_RESUME_FROM) and decay linearly to the end at `tokens` */
  | { kind: 'branch'; from: number; tokens: number }
  /** one run to `tokens` that decays over [point/(1+decay), point] before each point, reports it, and re-warms */
  | { kind: 'wsds'; tokens: number; points: number[]; decay: number };

/** What a branch trial stores in its scale, besides its scale's own record. */
export interface BranchRecord {
  /** the number of the run it branches from */
  parent: number;
  budget: number;
  from: number;
  tokens: number;
}

export const decayStart = (point: number, decay: number): number => point / (1 + decay);

export function branchOf(t: Pick<Trial, 'scale'>): BranchRecord | null {
  const b = t.scale?.role === 'branch' ? (t.scale.branch as BranchRecord | undefined) : undefined;
  return b ?? null;
}

/**
 * The plan of a ladder trial under `harvest`; null for studies without it. A verify run is a WSD run
 * with no checkpoints to branch from: its end annealed as every harvested point is, so comparable.
 */
export function harvestPlan(h: HarvestConfig | undefined, trial: Pick<Trial, 'scale'>): HarvestPlan | null {
  if (!h || !trial.scale || typeof trial.scale.tokens !== 'number') return null;
  const branch = branchOf(trial);
  if (branch) return { kind: 'branch', from: branch.from, tokens: branch.tokens };
  const D = trial.scale.tokens;
  if (trial.scale.role !== undefined) return { kind: 'cooldown', tokens: D, decayFrom: decayStart(D, h.decay), checkpoints: [] };
  const points = h.budgets.map((f) => f * D);
  if (h.design === 'wsds') return { kind: 'wsds', tokens: D, points, decay: h.decay };
  return { kind: 'cooldown', tokens: D, decayFrom: decayStart(D, h.decay), checkpoints: points.slice(0, -1).map((p) => decayStart(p, h.decay)) };
}

/** The share of a point's tokens its decay takes. */
export const plainDecayShare = (decay: number): number => decay / (1 + decay);

/** A checkpoint a harvesting run announced, and the tokens it had seen. */
export interface HarvestCheckpoint {
  path: string;
  tokens: number;
}

/** The trials a finished cooldown run still needs: a branch for every smaller budget it has none for, or why one cannot be made. */
export function branchesFor(h: HarvestConfig, parent: Trial, checkpoints: readonly HarvestCheckpoint[], existing: readonly Trial[], withoutTokens = 0): { branches: { params: Params; scale: Record<string, unknown>; resumeFrom: string }[]; missing: string[] } {
  const out: ReturnType<typeof branchesFor> = { branches: [], missing: [] };
  if (h.design !== 'cooldown' || parent.state !== 'COMPLETE' || !parent.scale || parent.scale.role !== undefined) return out;
  const D = parent.scale.tokens as number;
  const have = new Set(existing.filter((t) => t.state !== 'STALE' && branchOf(t)?.parent === parent.number).map((t) => branchOf(t)!.budget));
  for (const f of h.budgets.slice(0, -1)) {
    if (have.has(f)) continue;
    const from = decayStart(f * D, h.decay);
    // a trainer saves at a step boundary: the checkpoint nearest the decay's start, within a few percent of it
    const near = checkpoints.reduce<HarvestCheckpoint | null>((a, c) => (a === null || Math.abs(c.tokens - from) < Math.abs(a.tokens - from) ? c : a), null);
    if (!near || Math.abs(near.tokens - from) > 0.05 * from) {
      const found = near ? `its nearest at ${Math.round(near.tokens)}` : withoutTokens ? `${withoutTokens} announced without "tokens", which a branch needs to know where it starts` : 'it announced none';
      out.missing.push(`trial ${parent.number} announced no checkpoint near ${Math.round(from)} tokens (${found}), so budget ${f} has no branch from it (docs/harvest.md)`);
      continue;
    }
    const branch: BranchRecord = { parent: parent.number, budget: f, from: near.tokens, tokens: f * D };
    out.branches.push({ params: parent.params, scale: { ...parent.scale, role: 'branch', branch }, resumeFrom: near.path });
  }
  return out;
}

/** The ids of a trial and of the copies it re-runs (a re-queued run's metrics and checkpoints before the crash are its predecessor's). */
export function chainIds(t: Trial, byId: ReadonlyMap<number, Trial>): number[] {
  const ids: number[] = [];
  for (let x: Trial | undefined = t; x; x = x.retryOf !== null ? byId.get(x.retryOf) : undefined) ids.push(x.id);
  return ids;
}

/**
 * Each budget's runs of one scale: for budget f, every completed run's loss at f·D, keyed by the run's
 * number (a branch's loss is its parent's run at that budget). `runs` are the scale's completed runs.
 */
export function harvestedRuns(h: HarvestConfig, runs: readonly LadderRun[], trials: readonly Trial[], metrics: readonly Metric[], metric: string): Map<number, LadderRun[]> {
  const out = new Map<number, LadderRun[]>(h.budgets.map((f) => [f, []]));
  const last = h.budgets[h.budgets.length - 1]!;
  const byNumber = new Map(trials.map((t) => [t.number, t]));
  if (h.design === 'cooldown') {
    const branchLoss = new Map<string, number>();
    for (const t of trials) {
      const b = branchOf(t);
      if (b && t.state === 'COMPLETE' && t.value !== null && Number.isFinite(t.value)) branchLoss.set(`${b.parent}|${b.budget}`, t.value);
    }
    for (const r of runs) {
      for (const f of h.budgets) {
        const loss = f === last ? r.loss : branchLoss.get(`${r.trial}|${f}`);
        if (loss !== undefined) out.get(f)!.push({ ...r, loss });
      }
    }
    return out;
  }
  const byId = new Map(trials.map((t) => [t.id, t]));
  const wanted = new Set<number>();
  const ids = new Map<number, number[]>();
  for (const r of runs) {
    const t = byNumber.get(r.trial);
    if (!t) continue;
    const chain = chainIds(t, byId);
    ids.set(r.trial, chain);
    for (const id of chain) wanted.add(id);
  }
  // (trial id, step) → the metric's value there, and the harvest markers
  const value = new Map<string, number>();
  const markers: Metric[] = [];
  for (const m of metrics) {
    if (!wanted.has(m.trialId) || m.value === null) continue;
    if (m.name === 'harvest') markers.push(m);
    else if (m.name === metric) value.set(`${m.trialId}|${m.step}`, m.value);
  }
  for (const r of runs) {
    const chain = new Set(ids.get(r.trial) ?? []);
    const D = (byNumber.get(r.trial)?.scale?.tokens as number | undefined) ?? null;
    if (D === null) continue;
    for (const m of markers) {
      if (!chain.has(m.trialId)) continue;
      const loss = value.get(`${m.trialId}|${m.step}`);
      const f = h.budgets.find((b) => Math.abs(b * D - m.value!) <= 0.05 * b * D);
      if (f === undefined || loss === undefined || !Number.isFinite(loss)) continue;
      const at = out.get(f)!;
      // a re-run repeats the point its predecessor reported last: the later report stands
      const i = at.findIndex((x) => x.trial === r.trial);
      if (i >= 0) at[i] = { ...r, loss };
      else at.push({ ...r, loss });
    }
    // the run's own end is the last budget's point, marked or not
    if (!out.get(last)!.some((x) => x.trial === r.trial)) out.get(last)!.push(r);
  }
  return out;
}

/** The compute a branch trained, in tokens: from its checkpoint to its end. */
export const branchTokens = (b: BranchRecord): number => Math.max(0, b.tokens - b.from);

/** How much a harvesting run costs against one plain run of the same tokens (branches included). */
export function harvestCostFactor(h: HarvestConfig | undefined): number {
  if (!h || h.design !== 'cooldown') return 1;
  return 1 + h.budgets.slice(0, -1).reduce((s, f) => s + f * plainDecayShare(h.decay), 0);
}
