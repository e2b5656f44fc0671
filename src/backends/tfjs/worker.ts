/**
 * A training thread of the tfjs backend. It loads TensorFlow.js once and trains one run at a time, as
 * the main thread asks: a request in, reports, log lines and the end of the run out. Threads are kept
 * between runs (a PBT study runs many short segments), so only the first run pays for loading.
 */
import { parentPort } from 'node:worker_threads';
import { runInProcess, type WorkerMessage, type WorkerRequest } from './run.js';

const post = (m: WorkerMessage): void => parentPort!.postMessage(m);

parentPort!.on('message', (req: WorkerRequest) => {
  runInProcess(req, post).then(
    () => post({ type: 'done' }),
    (e: unknown) => post({ type: 'error', message: e instanceof Error ? e.message : String(e), diverged: e instanceof Error && e.name === 'DivergedError' }),
  );
});
