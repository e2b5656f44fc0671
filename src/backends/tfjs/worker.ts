/**
 * The worker thread that trains one run of the tfjs backend. It receives the backend config, the trial's
 * parameters and its folders, and posts reports, log lines and the end of the run to the main thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runInProcess, type WorkerMessage, type WorkerRequest } from './run.js';

const req = workerData as WorkerRequest;
const post = (m: WorkerMessage): void => parentPort!.postMessage(m);

runInProcess(req, post).then(
  () => post({ type: 'done' }),
  (e: unknown) => post({ type: 'error', message: e instanceof Error ? e.message : String(e), diverged: e instanceof Error && e.name === 'DivergedError' }),
);
