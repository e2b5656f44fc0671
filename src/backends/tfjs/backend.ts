/**
 * `backend: {type: tfjs}`: each run trains in its own worker thread, so `parallel: 2` uses both cores
 * and stopping a run is terminating its thread.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { formatDuration } from '../../core/duration.js';
import type { Backend, RunEvents, RunHandle, RunOutcome, RunRequest } from '../types.js';
import type { WorkerMessage, WorkerRequest } from './run.js';
import type { TfjsBackendConfig } from './settings.js';

/** The compiled worker script (tests run the TypeScript sources, whose worker is the built one). */
export function workerScript(): string {
  const here = fileURLToPath(import.meta.url);
  // the bundle (dist/bundle) keeps the worker as its own file beside the one that holds this module
  const candidates = here.endsWith('.ts')
    ? [here.replace(/([\\/])src([\\/])backends([\\/])tfjs([\\/])backend\.ts$/, '$1dist$2src$3backends$4tfjs$4worker.js')]
    : here.endsWith('backend.js')
      ? [here.replace(/backend\.js$/, 'worker.js')]
      : [path.join(path.dirname(here), 'tfjs-worker.mjs')];
  const found = candidates.find((c) => existsSync(c));
  if (!found) throw new Error(`the tfjs worker script is missing (looked for ${candidates.join(', ')}); run npm run build`);
  return found;
}

/** Idle training threads, kept for the next run (unref'd: they never keep the process alive). */
const idle: Worker[] = [];
const MAX_IDLE = 4;

function acquire(): Worker {
  const w = idle.pop();
  if (w) {
    w.ref();
    return w;
  }
  return new Worker(workerScript());
}

function release(w: Worker): void {
  w.removeAllListeners('message');
  w.removeAllListeners('error');
  w.removeAllListeners('exit');
  if (idle.length >= MAX_IDLE) {
    void w.terminate();
    return;
  }
  w.unref();
  // a thread that dies while idle leaves the pool
  w.once('exit', () => {
    const i = idle.indexOf(w);
    if (i >= 0) idle.splice(i, 1);
  });
  idle.push(w);
}

export class TfjsBackend implements Backend {
  start(req: RunRequest, events: RunEvents): RunHandle {
    const cfg = req.study.config.backend as TfjsBackendConfig;
    const data: WorkerRequest = { backend: cfg, params: req.params, checkpointDir: req.checkpointDir, resumeFrom: req.resumeFrom, stopAt: req.stopAt ?? null, stopUnit: req.stopUnit ?? 'steps', harvest: req.harvest ?? null };
    let stopped: string | null = null;
    let timedOut = false;
    let failure: string | null = null;
    let worker: Worker;
    try {
      worker = acquire();
    } catch (e) {
      const outcome: RunOutcome = { exitCode: null, signal: null, timedOut: false, stopped: null, spawnError: (e as Error).message, stderrTail: '' };
      return { done: Promise.resolve(outcome), stop: () => undefined };
    }
    let settle!: (o: RunOutcome) => void;
    const done = new Promise<RunOutcome>((resolve) => (settle = resolve));
    let over = false;
    const end = (keepThread: boolean): void => {
      if (over) return;
      over = true;
      if (timer) clearTimeout(timer);
      if (keepThread) release(worker);
      else {
        worker.removeAllListeners('message');
        void worker.terminate();
      }
      settle({ exitCode: failure || timedOut ? 1 : 0, signal: null, timedOut, stopped, spawnError: null, stderrTail: '', failure });
    };
    const timer =
      req.timeoutMs !== undefined
        ? setTimeout(() => {
            timedOut = true;
            failure ??= `timed out after ${formatDuration(req.timeoutMs!)} (the training thread was stopped)`;
            end(false);
          }, req.timeoutMs)
        : null;
    worker.on('message', (m: WorkerMessage) => {
      if (over) return;
      if (m.type === 'report') {
        const r = m.report;
        events.onReport({ step: r.step, tokens: r.tokens, metrics: r.metrics, checkpoint: r.checkpoint ?? null, totalSteps: r.totalSteps });
      } else if (m.type === 'log') events.onLog('stdout', m.line);
      else if (m.type === 'error') {
        failure = m.message;
        events.onLog('stderr', m.message);
        end(true);
      } else if (m.type === 'done') end(true);
    });
    worker.on('error', (e) => {
      failure ??= `the training thread crashed: ${e.message}`;
      events.onLog('stderr', failure);
    });
    worker.on('exit', (code) => {
      if (!stopped && !timedOut) failure ??= `the training thread exited (code ${code}) before the run finished`;
      end(false);
    });
    worker.postMessage(data);
    return {
      done,
      stop: (reason) => {
        stopped ??= reason;
        // the run cannot be interrupted inside a step: its thread is ended, not reused
        end(false);
      },
    };
  }
}
