/**
 * Crash recovery: a trial left RUNNING by a process that is gone becomes STALE and a WAITING copy is
 * queued (resuming from its last checkpoint), so `resume` loses no trial and runs none twice.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Trial } from '../core/trial.js';
import type { Storage, StudyRecord } from '../storage/types.js';

/** `host:pid:nonce` for orchestrator workers; `ask:…` workers belong to an outside driver. */
export function newWorkerId(kind: 'run' | 'ask' = 'run'): string {
  const base = `${os.hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  return kind === 'ask' ? `ask:${base}` : base;
}

/** Whether a trial was claimed with `ask`: only such a trial's result comes from outside (`tell`). */
export function isAskWorker(worker: string | null): boolean {
  return worker?.startsWith('ask:') ?? false;
}

/** A worker id in words, for messages that name who runs a trial. */
export function describeWorker(worker: string | null): string {
  const w = parseWorker(worker);
  return w ? `a scaletune process (pid ${w.pid} on ${w.host})` : `worker ${worker ?? 'unknown'}`;
}

function parseWorker(worker: string | null): { host: string; pid: number } | null {
  if (!worker || isAskWorker(worker)) return null;
  const [host, pid] = worker.split(':');
  const n = Number(pid);
  return host && Number.isInteger(n) ? { host, pid: n } : null;
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** End a trainer orphaned by a dead scaletune, but only if that pid is still that trial's process. */
function killOrphan(t: Trial): boolean {
  if (t.pid === null || !processAlive(t.pid)) return false;
  try {
    const env = readFileSync(`/proc/${t.pid}/environ`, 'utf8').split('\0');
    if (!env.includes(`SCALETUNE_TRIAL_ID=${t.id}`)) return false;
    process.kill(-t.pid, 'SIGKILL');
    return true;
  } catch {
    return false;
  }
}

/**
 * A RUNNING trial of another orchestrator process: recoverStaleTrials re-queues it once that process is
 * found dead, so whoever is still running the study must not call it finished before it ends.
 */
export function runByPeer(t: Trial, me: string): boolean {
  return t.state === 'RUNNING' && t.worker !== me && parseWorker(t.worker) !== null;
}

export interface Recovered {
  stale: Trial;
  copy: Trial;
  killedOrphan: boolean;
}

/**
 * Re-queue the study's RUNNING trials whose worker is gone: a dead process on this host, or no
 * heartbeat for `staleAfterMs` from any host. Trials claimed with `ask` are left to their driver.
 */
export async function recoverStaleTrials(storage: Storage, study: StudyRecord, opts: { staleAfterMs?: number; me?: string } = {}): Promise<Recovered[]> {
  const staleAfter = opts.staleAfterMs ?? 60_000;
  const host = os.hostname();
  const now = Date.now();
  const out: Recovered[] = [];
  for (const t of await storage.getTrials(study.id)) {
    if (t.state !== 'RUNNING' || t.worker === opts.me) continue;
    const w = parseWorker(t.worker);
    if (!w) continue;
    const deadHere = w.host === host && !processAlive(w.pid);
    const silent = t.heartbeatAt !== null && now - t.heartbeatAt > staleAfter;
    if (!deadHere && !silent) continue;
    const reason = deadHere ? `its runner (pid ${w.pid}) died` : `no heartbeat for ${Math.round((now - t.heartbeatAt!) / 1000)}s`;
    const killedOrphan = w.host === host ? killOrphan(t) : false;
    try {
      const copy = await storage.requeue(t.id, `stale: ${reason}; re-queued`);
      await storage.logEvent(study.id, t.id, opts.me ?? 'scaletune', 'trial_stale', { reason, copy: copy.number, killedOrphan });
      out.push({ stale: { ...t, state: 'STALE', error: reason }, copy, killedOrphan });
    } catch {
      // another process recovered or finished it first
    }
  }
  return out;
}
