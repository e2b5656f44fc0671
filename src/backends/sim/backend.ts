/**
 * The simulated run behind `backend: {type: sim}`: no process and no training, a learning curve drawn
 * from the loss model (model.ts) and streamed as reports, like a trainer that runs very fast. The noise
 * is seeded by the study's seed, the run's parameters and its scale, so that the same configuration
 * gives the same losses in every study with that seed (a rerun is identical; `scaletune check` relies
 * on it).
 */
import type { Params } from '../../core/distributions.js';
import type { Backend, RunEvents, RunHandle, RunOutcome, RunRequest } from '../types.js';
import { optimalBatch, simCurve, simHarvestCurve, type SimRun } from './model.js';
import type { SimBackendConfig } from './settings.js';

/** FNV-1a of a string, as a 31-bit seed. */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) & 0x7fffffff;
}

const canonical = (p: Params): string => JSON.stringify(Object.keys(p).sort().map((k) => [k, p[k]]));

/** The run a trial stands for: its parameters over the backend's defaults. Throws a RangeError naming what is missing. */
export function simRunOf(cfg: SimBackendConfig, params: Params): SimRun {
  const num = (k: string, fallback: number | undefined): number => {
    const v = params[k] ?? fallback;
    if (typeof v !== 'number' || !(v > 0)) throw new RangeError(`backend sim: ${k} is ${v === undefined ? 'not set' : JSON.stringify(v)}; allowed: a positive number (set backend.${k}, a scale's ${k}, or search it)`);
    return v;
  };
  const N = num('params', cfg.params);
  const D = num('tokens', cfg.tokens);
  const lr = num('lr', undefined);
  const sequences = params.batch_size ?? cfg.batchSize;
  const batch = sequences === undefined ? optimalBatch(cfg.constants, D) : num('batch_size', cfg.batchSize) * cfg.seqLen;
  return { N, D, lr, batch };
}

export class SimBackend implements Backend {
  start(req: RunRequest, events: RunEvents): RunHandle {
    const cfg = req.study.config.backend as SimBackendConfig;
    const metric = req.study.config.metric?.name ?? 'loss';
    let stopped: string | null = null;
    let settle!: (o: RunOutcome) => void;
    const done = new Promise<RunOutcome>((resolve) => (settle = resolve));
    const finish = (failure: string | null): void => settle({ exitCode: failure ? 1 : 0, signal: null, timedOut: false, stopped, spawnError: null, stderrTail: '', failure });
    let run: SimRun;
    try {
      run = simRunOf(cfg, req.params);
    } catch (e) {
      finish((e as Error).message);
      return { done, stop: () => undefined };
    }
    const seed = hash(`${req.study.seed}|${canonical(req.params)}|${JSON.stringify(req.trial.scale ?? null)}`);
    const curve = req.harvest ? simHarvestCurve(cfg.constants, run, req.harvest, cfg.reports, seed) : simCurve(cfg.constants, run, cfg.reports, seed);
    const totalSteps = Math.max(1, Math.round(run.D / run.batch));
    let i = 0;
    const next = (): void => {
      if (stopped) return finish(null);
      const p = curve[i++];
      if (!p) return finish(null);
      if (!Number.isFinite(p.loss)) {
        events.onLog('stderr', `diverged at step ${p.step}: the loss is ${p.loss} (lr ${run.lr})`);
        return finish(`diverged at step ${p.step} (loss ${p.loss}, lr ${run.lr})`);
      }
      const metrics: Record<string, number> = { loss: p.loss, [metric]: p.loss, params: run.N, batch_tokens: run.batch, ...(p.harvest !== undefined ? { harvest: p.harvest } : {}) };
      // nothing to save: a branch's run is recomputed from its parameters, so its checkpoint is a name
      events.onReport({ step: p.step, tokens: p.tokens, metrics, checkpoint: p.checkpoint ? `sim-checkpoint-${p.tokens}` : null, totalSteps });
      setImmediate(next);
    };
    setImmediate(next);
    return {
      done,
      stop: (reason) => {
        stopped ??= reason;
      },
    };
  }
}
