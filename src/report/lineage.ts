/**
 * What a PBT study found, as data: the exploits in order, each member's end, the winner, and the
 * winner's hyperparameter *schedule* — followed back through every exploit to step 0, since a member
 * that copied a donor at step s carries the donor's training before s.
 */
import type { Params } from '../core/distributions.js';
import { segmentCheckpoint, type LineageEntry, type Trial } from '../core/trial.js';

export interface SchedulePiece {
  from: number;
  to: number;
  params: Params;
  /** the member whose run trained these steps */
  member: number;
}

export interface MemberEnd {
  member: number;
  step: number;
  score: number | null;
  exploits: number;
}

export interface LineageModel {
  lineage: LineageEntry[];
  members: MemberEnd[];
  winner: MemberEnd | null;
  schedule: SchedulePiece[];
}

function sameParams(a: Params, b: Params): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The pieces of training that led to `member`'s state at step `end`. */
export function scheduleOf(trials: readonly Trial[], lineage: readonly LineageEntry[], member: number, end: number, depth = 0): SchedulePiece[] {
  if (end <= 0 || depth > 10_000) return [];
  const seg = trials.filter((t) => t.member === member && t.state === 'COMPLETE' && t.stopAt === end).at(-1);
  if (!seg) return [];
  // a re-run (after a crash, or a retry) started where the segment it replaces started
  let origin: Trial = seg;
  for (let guard = 0; guard < 1000; guard++) {
    const retry = lineage.find((e) => e.kind === 'retry' && e.nextTrialId === origin.id);
    const prevId = retry?.trialId ?? origin.retryOf;
    const prev = prevId !== null && prevId !== undefined ? trials.find((t) => t.id === prevId) : undefined;
    if (!prev) break;
    origin = prev;
  }
  const exploit = lineage.find((e) => (e.kind === 'exploit' || e.kind === 'replace') && e.nextTrialId === origin.id);
  let before: SchedulePiece[] = [];
  let start = 0;
  if (exploit && exploit.donor !== null && exploit.donorStep !== null) {
    start = exploit.donorStep;
    before = scheduleOf(trials, lineage, exploit.donor, start, depth + 1);
  } else if (origin.resumeFrom) {
    const own = trials.filter((t) => t.member === member && t.state === 'COMPLETE' && t.stopAt !== null && t.stopAt < end && segmentCheckpoint(t) === origin.resumeFrom).at(-1);
    start = own?.stopAt ?? 0;
    before = scheduleOf(trials, lineage, member, start, depth + 1);
  }
  const pieces = [...before, { from: start, to: end, params: seg.params, member }];
  // adjacent pieces with the same hyperparameters are one piece
  const merged: SchedulePiece[] = [];
  for (const p of pieces) {
    const last = merged.at(-1);
    if (last && last.to === p.from && sameParams(last.params, p.params)) merged[merged.length - 1] = { ...last, to: p.to, member: p.member };
    else merged.push({ ...p });
  }
  return merged;
}

export function lineageModel(trials: readonly Trial[], lineage: readonly LineageEntry[], goal: 'minimize' | 'maximize', maxSteps: number, member?: number): LineageModel {
  const ends = new Map<number, MemberEnd>();
  for (const t of trials) {
    if (t.member === null || t.state !== 'COMPLETE' || t.stopAt === null) continue;
    const prev = ends.get(t.member);
    if (!prev || t.stopAt >= prev.step) ends.set(t.member, { member: t.member, step: t.stopAt, score: t.value, exploits: 0 });
  }
  for (const e of lineage) if (e.kind !== 'retry') ends.get(e.member) && (ends.get(e.member)!.exploits += 1);
  const members = [...ends.values()].sort((a, b) => a.member - b.member);
  const sign = goal === 'maximize' ? -1 : 1;
  const finished = members.filter((m) => m.step >= maxSteps && m.score !== null);
  const winner =
    member !== undefined ? (members.find((m) => m.member === member) ?? null) : (finished.sort((a, b) => sign * (a.score! - b.score!) || a.member - b.member)[0] ?? null);
  return { lineage: [...lineage], members, winner, schedule: winner ? scheduleOf(trials, lineage, winner.member, winner.step) : [] };
}
