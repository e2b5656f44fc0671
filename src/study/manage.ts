/**
 * Study management: delete, rename, note. The rules live here (what may be deleted, what a name may
 * be); the CLI asks, parses and prints.
 */
import { existsSync, rmSync } from 'node:fs';
import { STUDY_NAME, STUDY_NAME_ALLOWED } from '../config/index.js';
import { describe } from '../core/options.js';
import { UsageError } from '../core/errors.js';
import type { Storage, StudyRecord } from '../storage/types.js';

/** A running trial whose heartbeat is this recent still has a runner: its study is not deleted under it. */
export const LIVE_HEARTBEAT_MS = 60_000;

/** The trials a live runner holds (RUNNING, heartbeat within LIVE_HEARTBEAT_MS); trials claimed by `ask` count too. */
export async function liveTrials(storage: Storage, study: StudyRecord, now = Date.now()): Promise<number[]> {
  return (await storage.getTrials(study.id)).filter((t) => t.state === 'RUNNING' && now - (t.heartbeatAt ?? t.startedAt ?? 0) < LIVE_HEARTBEAT_MS).map((t) => t.number);
}

/** Deletes the study's records (and with `files` its run folder); refuses while a runner holds its trials. Returns the folder removed, if any. */
export async function deleteStudy(storage: Storage, study: StudyRecord, o: { files: boolean }): Promise<{ removed: string | null; kept: string | null }> {
  const live = await liveTrials(storage, study);
  if (live.length) {
    throw new UsageError(`study ${study.name} has ${live.length} running trial${live.length === 1 ? '' : 's'} (${live.map((n) => `#${n}`).join(', ')}) with a live runner; stop its run (Ctrl-C, or scancel its jobs) and delete it then`);
  }
  await storage.deleteStudy(study.id);
  const there = existsSync(study.artifactsDir) ? study.artifactsDir : null;
  if (o.files && there) rmSync(there, { recursive: true, force: true });
  return { removed: o.files ? there : null, kept: o.files ? null : there };
}

export async function renameStudy(storage: Storage, study: StudyRecord, name: string): Promise<StudyRecord> {
  if (!STUDY_NAME.test(name)) throw new UsageError(`new name: found ${describe(name)}; allowed: ${STUDY_NAME_ALLOWED}`);
  return storage.renameStudy(study.id, name);
}

/** The note `note <study> "text"` keeps (a study attribute); "" clears it. */
export const NOTE_ATTR = 'note';

export async function setNote(storage: Storage, study: StudyRecord, text: string): Promise<void> {
  if (text.length > 10_000) throw new UsageError(`note: ${text.length} characters; allowed: at most 10000`);
  await storage.setStudyAttr(study.id, NOTE_ATTR, text.trim() === '' ? null : text);
}

export async function noteOf(storage: Storage, study: Pick<StudyRecord, 'id'>): Promise<string | null> {
  const v = (await storage.getStudyAttrs(study.id))[NOTE_ATTR];
  return typeof v === 'string' ? v : null;
}
