/**
 * One run of the tfjs backend, from a config and a trial's parameters: build the task, resolve the
 * settings, load the runtime and train. Runs inside the worker thread (worker.ts) and directly in tests.
 */
import { readFileSync } from 'node:fs';
import type { Params } from '../../core/distributions.js';
import { loadRuntime } from './runtime.js';
import { resolveRunSettings, type RunSettings, type SyntheticData, type TextData, type TfjsBackendConfig } from './settings.js';
import type { HarvestPlan } from '../../../fitters/ladder/harvest.js';
import { SyntheticLmTask, TextLmTask, type Task } from './tasks.js';
import { train, type TrainReport } from './train.js';

export interface WorkerRequest {
  backend: TfjsBackendConfig;
  params: Params;
  checkpointDir: string;
  resumeFrom: string | null;
  /** end after this step, with a checkpoint and a held-out evaluation there (PBT segments) */
  stopAt?: number | null;
  stopUnit?: 'steps' | 'tokens';
  harvest?: HarvestPlan | null;
}

export type WorkerMessage =
  | { type: 'report'; report: TrainReport }
  | { type: 'log'; line: string }
  | { type: 'done' }
  | { type: 'error'; message: string; diverged: boolean };

/** Tasks are deterministic in their data settings; building one (a Markov table) is cached per thread. */
const tasks = new Map<string, Task>();

export function taskFor(cfg: TfjsBackendConfig): Task {
  const key = JSON.stringify([cfg.task, cfg.data]);
  let t = tasks.get(key);
  if (!t) {
    if (cfg.task === 'synthetic-lm') t = new SyntheticLmTask(cfg.data as SyntheticData);
    else {
      const d = cfg.data as TextData;
      let text: string;
      try {
        text = readFileSync(d.corpus, 'utf8');
      } catch (e) {
        throw new Error(`backend.data.corpus: cannot read ${d.corpus}: ${(e as Error).message}`);
      }
      t = new TextLmTask({ path: d.corpus, text }, d.seed, d.valFraction);
    }
    tasks.set(key, t);
  }
  return t;
}

/**
 * A harvesting ladder's plan in steps (fitters/ladder/harvest.ts): a cooldown run or a verify run is WSD
 * with its decay from the plan's token count, a branch WSD that ends at its budget (resumed past the
 * warm-up, it only decays), a WSD-S run decays before every point. The configured schedule gives way.
 */
export function harvestSettings(s: RunSettings, plan: HarvestPlan | null): { settings: RunSettings; checkpoints: Set<number>; points: Set<number> } {
  const none = { settings: s, checkpoints: new Set<number>(), points: new Set<number>() };
  if (!plan) return none;
  const perStep = s.batchSize * s.seqLen;
  const at = (tokens: number): number => Math.max(1, Math.round(tokens / perStep));
  if (plan.kind === 'cooldown') {
    const steps = s.steps;
    return { ...none, settings: { ...s, schedule: 'wsd', decay: 1 - at(plan.decayFrom) / steps }, checkpoints: new Set(plan.checkpoints.map(at)) };
  }
  if (plan.kind === 'branch') {
    const steps = at(plan.tokens);
    return { ...none, settings: { ...s, steps, schedule: 'wsd', decay: 1 - at(plan.from) / steps } };
  }
  const points = plan.points.map(at);
  return { ...none, settings: { ...s, schedule: 'wsds', points, decay: plan.decay }, points: new Set(points) };
}

export async function runInProcess(req: WorkerRequest, post: (m: WorkerMessage) => void): Promise<void> {
  const task = taskFor(req.backend);
  const harvest = harvestSettings(resolveRunSettings(req.backend, req.params, task.vocab), req.harvest ?? null);
  const settings = harvest.settings;
  const runtime = await loadRuntime(settings.runtime);
  const passed = runtime.probes.map((p) => `${p.name} (${p.detail})`).join('; ');
  post({ type: 'log', line: `tfjs runtime: ${runtime.name}${passed ? `; passed over: ${passed}` : ''}` });
  post({ type: 'log', line: `task: ${JSON.stringify(task.describe())}` });
  await train({
    tf: runtime.tf,
    settings,
    task,
    checkpointDir: req.checkpointDir,
    resumeFrom: req.resumeFrom,
    report: (report) => post({ type: 'report', report }),
    log: (line) => post({ type: 'log', line }),
    ...(harvest.checkpoints.size ? { harvestCheckpoints: harvest.checkpoints } : {}),
    ...(harvest.points.size ? { harvestPoints: harvest.points } : {}),
    ...(req.stopAt ? (req.stopUnit === 'tokens' ? { stopAtTokens: req.stopAt } : { stopAfter: req.stopAt }) : {}),
  });
}
