/**
 * One run of the tfjs backend, from a config and a trial's parameters: build the task, resolve the
 * settings, load the runtime and train. Runs inside the worker thread (worker.ts) and directly in tests.
 */
import { readFileSync } from 'node:fs';
import type { Params } from '../../core/distributions.js';
import { loadRuntime } from './runtime.js';
import { resolveRunSettings, type SyntheticData, type TextData, type TfjsBackendConfig } from './settings.js';
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

export async function runInProcess(req: WorkerRequest, post: (m: WorkerMessage) => void): Promise<void> {
  const task = taskFor(req.backend);
  const settings = resolveRunSettings(req.backend, req.params, task.vocab);
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
    ...(req.stopAt ? (req.stopUnit === 'tokens' ? { stopAtTokens: req.stopAt } : { stopAfter: req.stopAt }) : {}),
  });
}
