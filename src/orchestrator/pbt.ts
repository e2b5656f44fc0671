/**
 * Population-based training on the run loop. A member is a chain of segment trials: each trains from a
 * checkpoint (its own, or a copy of a donor's) to the next boundary (`stopAt`) with the member's current
 * hyperparameters. When a segment ends, the member either goes on, or — in the bottom quantile — copies
 * a top member's checkpoint and explored hyperparameters (schedulers/pbt.ts), recorded in the lineage.
 * A population larger than `parallel` is time-multiplexed: waiting segments are claimed least-trained
 * first. Everything lives in storage, so `resume` continues every member from its last checkpoint.
 */
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { chooseDonor, explore, rank, type MemberState, type PbtOptions } from '../../schedulers/pbt.js';
import { pb2Explore, type Pb2Observation } from '../../schedulers/pb2.js';
import { sample, type Params } from '../core/distributions.js';
import { Rng } from '../core/rng.js';
import { segmentCheckpoint, type Trial } from '../core/trial.js';
import type { Storage, StudyRecord } from '../storage/types.js';
import { BaseScheduler, type Scheduler, type SchedulerClaim } from './scheduler.js';

export type PbtClaim = Trial | 'wait' | null;

export class PbtController extends BaseScheduler implements Scheduler {
  private readonly o: PbtOptions;
  private readonly goal: 'minimize' | 'maximize';
  /** set when PBT cannot go on (a trainer without checkpoints): the run stops with this message */
  fatal: string | null = null;
  /** said once, for the reporter */
  private notes: string[] = [];
  readonly shownCap: number | null;
  readonly startNotes: string[] = [];

  constructor(
    private readonly storage: Storage,
    private readonly study: StudyRecord,
    /** how a member that copied a better one changes its hyperparameters */
    private readonly exploreBy: 'perturb' | 'pb2',
    runCap: number | undefined,
  ) {
    super(storage, study);
    this.o = study.config.pbt!;
    this.goal = study.config.metric?.goal ?? 'minimize';
    this.shownCap = runCap ?? null;
    if (runCap !== undefined) this.startNotes.push(`run_cap ${runCap} is not used by method ${study.config.method}: its budget is population × max_steps`);
  }

  override takeNotes(): string[] {
    return this.notes.splice(0);
  }

  /** A segment's end is PBT's decision point: the member goes on, exploits a better one, or is replaced. */
  override async onEnd(trial: Trial): Promise<boolean> {
    await this.afterSegment(trial);
    return true;
  }

  private nextStop(step: number): number {
    return Math.min(this.o.maxSteps, step + this.o.interval);
  }

  /** A waiting segment (least-trained first), a new member while the population is not full, else wait or done. */
  async claim(worker: string): Promise<SchedulerClaim> {
    return (await this.next(worker)) ?? { done: 'exhausted' };
  }

  private async next(worker: string): Promise<PbtClaim> {
    if (this.fatal) return null;
    let trials = await this.storage.getTrials(this.study.id);
    let members = new Set(trials.filter((t) => t.member !== null).map((t) => t.member!));
    // a member not yet started is the least trained of all: the population fills first
    if (members.size < this.o.population) {
      const member = [...Array(this.o.population).keys()].find((k) => !members.has(k))!;
      const piece = this.o.replay?.[0];
      if (piece) return this.storage.createRunning(this.study.id, { params: piece.params, worker, member, stopAt: piece.to });
      const rng = new Rng(this.study.seed, 0x504254, member);
      const params: Params = {};
      for (const [name, d] of Object.entries(this.study.config.parameters)) params[name] = sample(d, rng);
      return this.storage.createRunning(this.study.id, { params, worker, member, stopAt: this.nextStop(0) });
    }
    const waiting = await this.storage.claimWaiting(this.study.id, worker);
    if (waiting) return waiting;
    trials = await this.storage.getTrials(this.study.id);
    members = new Set(trials.filter((t) => t.member !== null).map((t) => t.member!));
    // members with nothing queued: normal in synch mode (waiting for the others), or left so by a crash
    // between a segment's end and its decision — decide for them now (afterSegment is idempotent there)
    const pending = (k: number): boolean => trials.some((t) => t.member === k && (t.state === 'WAITING' || t.state === 'RUNNING'));
    const states = this.memberStates(trials);
    for (const k of [...members].sort((a, b) => a - b)) {
      if (pending(k) || this.isDone(states.get(k)) || this.isDead(trials, k)) continue;
      const last = trials.filter((t) => t.member === k && t.state !== 'STALE').at(-1);
      if (last) await this.afterSegment(last);
    }
    const again = await this.storage.claimWaiting(this.study.id, worker);
    if (again) return again;
    const now = await this.storage.getTrials(this.study.id);
    return now.some((t) => t.state === 'RUNNING' || t.state === 'WAITING') ? 'wait' : null;
  }

  private isDone(s: MemberState | undefined): boolean {
    return s !== undefined && s.step >= this.o.maxSteps;
  }

  /** A member whose last segment failed beyond its retries and could not be replaced. */
  private isDead(trials: readonly Trial[], member: number): boolean {
    const mine = trials.filter((t) => t.member === member && t.state !== 'STALE');
    const last = mine.at(-1);
    return last !== undefined && (last.state === 'FAIL' || last.state === 'PRUNED') && !mine.some((t) => t.state === 'WAITING' || t.state === 'RUNNING');
  }

  /** Each member's latest completed segment: its step, score, hyperparameters and checkpoint. */
  memberStates(trials: readonly Trial[]): Map<number, MemberState> {
    const out = new Map<number, MemberState>();
    for (const t of trials) {
      if (t.member === null || t.state !== 'COMPLETE' || t.stopAt === null) continue;
      const prev = out.get(t.member);
      if (!prev || t.stopAt >= prev.step) out.set(t.member, { member: t.member, step: t.stopAt, score: t.value, params: t.params, checkpoint: segmentCheckpoint(t) });
    }
    return out;
  }

  /** Decide what a member does after one of its segments ended, and queue its next segment. */
  async afterSegment(trial: Trial): Promise<void> {
    if (trial.member === null || trial.stopAt === null || this.fatal) return;
    const trials = await this.storage.getTrials(this.study.id);
    const states = this.memberStates(trials);
    if (trial.state === 'COMPLETE') {
      if (trial.stopAt >= this.o.maxSteps) return;
      if (!segmentCheckpoint(trial)) {
        this.fatal = `method pbt: trial ${trial.number} (member ${trial.member}) reached step ${trial.stopAt} without reporting a checkpoint, so no member can continue or be exploited. A trainer for PBT must save its state to $SCALETUNE_CHECKPOINT_DIR, print {"checkpoint": "<path>"}, honour $SCALETUNE_STOP_AT_STEP and resume from $SCALETUNE_RESUME_FROM`;
        await this.storage.logEvent(this.study.id, trial.id, 'pbt', 'pbt_no_checkpoint', { member: trial.member, step: trial.stopAt });
        return;
      }
      if (this.o.synch) {
        // everyone alive at this boundary first; then all decide together
        const alive = [...new Set(trials.filter((t) => t.member !== null).map((t) => t.member!))].filter((k) => !this.isDead(trials, k));
        if (!alive.every((k) => (states.get(k)?.step ?? 0) >= trial.stopAt!)) return;
        for (const k of alive.sort((a, b) => a - b)) {
          const s = states.get(k)!;
          if (s.step === trial.stopAt && !trials.some((t) => t.member === k && (t.state === 'WAITING' || t.state === 'RUNNING'))) await this.decide(s, states, trials);
        }
        return;
      }
      await this.decide(states.get(trial.member)!, states, trials);
      return;
    }
    if (trial.state === 'FAIL' || trial.state === 'PRUNED') await this.recover(trial, states, trials);
  }

  private scores(states: Map<number, MemberState>): Record<string, number | null> {
    return Object.fromEntries([...states.values()].sort((a, b) => a.member - b.member).map((s) => [String(s.member), s.score]));
  }

  private async decide(me: MemberState, states: Map<number, MemberState>, trials: readonly Trial[]): Promise<void> {
    if (this.o.replay) {
      // a replay: the next piece of the schedule, from this member's own checkpoint
      const piece = this.o.replay.find((p) => p.from === me.step);
      if (piece) await this.storage.enqueue(this.study.id, { params: piece.params, member: me.member, stopAt: piece.to, resumeFrom: me.checkpoint });
      return;
    }
    const rng = new Rng(this.study.seed, 0x45585054, me.member, me.step);
    const chosen = chooseDonor(rng, me, [...states.values()], this.o, this.goal);
    // a donor that has finished leaves nothing to train: keep going as is
    const donor = chosen && chosen.step < this.o.maxSteps ? chosen : null;
    // an exploiting member continues from the donor's progress
    const stopAt = this.nextStop(donor ? donor.step : me.step);
    if (!donor) {
      await this.storage.enqueue(this.study.id, { params: me.params, member: me.member, stopAt, resumeFrom: me.checkpoint });
    } else {
      const params = (await this.pb2Params(rng, donor, trials)) ?? explore(rng, donor.params, this.o);
      const copy = this.copyCheckpoint(donor.checkpoint!, me.member, me.step, donor.member);
      const next = await this.storage.enqueue(this.study.id, { params, member: me.member, stopAt, resumeFrom: copy });
      await this.storage.addLineage({
        studyId: this.study.id,
        member: me.member,
        step: me.step,
        kind: 'exploit',
        donor: donor.member,
        donorStep: donor.step,
        paramsBefore: me.params,
        paramsAfter: params,
        scores: this.scores(states),
        trialId: trials.find((t) => t.member === me.member && t.stopAt === me.step && t.state === 'COMPLETE')?.id ?? null,
        nextTrialId: next.id,
      });
    }
    this.collectGarbage(await this.storage.getTrials(this.study.id));
  }

  /** PB2's choice (a GP-UCB bandit on each segment's improvement), or null for PBT or too little data. */
  private async pb2Params(rng: Rng, donor: MemberState, trials: readonly Trial[]): Promise<Params | null> {
    if (this.exploreBy !== 'pb2') return null;
    const lineage = await this.storage.getLineage(this.study.id);
    const sign = this.goal === 'maximize' ? 1 : -1;
    const byCheckpoint = new Map<string, Trial>();
    for (const t of trials) if (t.state === 'COMPLETE' && segmentCheckpoint(t)) byCheckpoint.set(segmentCheckpoint(t)!, t);
    const obs: Pb2Observation[] = [];
    for (const t of trials) {
      if (t.member === null || t.state !== 'COMPLETE' || t.value === null || !t.resumeFrom) continue;
      const copied = lineage.find((e) => e.nextTrialId === t.id && e.donor !== null);
      const start = copied ? trials.find((x) => x.member === copied.donor && x.state === 'COMPLETE' && x.stopAt === copied.donorStep) : byCheckpoint.get(t.resumeFrom);
      if (!start || start.value === null || start.stopAt === null) continue;
      obs.push({ t: start.stopAt, params: t.params, gain: sign * (t.value - start.value) });
    }
    return pb2Explore(rng, donor.params, donor.step, obs, { mutations: this.o.mutations, maxSteps: this.o.maxSteps });
  }

  /** A crashed segment: again from the member's last good checkpoint, then replaced by a top member. */
  private async recover(trial: Trial, states: Map<number, MemberState>, trials: readonly Trial[]): Promise<void> {
    const member = trial.member!;
    const failures = trials.filter((t) => t.member === member && t.stopAt === trial.stopAt && (t.state === 'FAIL' || t.state === 'PRUNED')).length;
    if (failures > this.o.maxRetries + 1) {
      this.notes.push(`member ${member} failed again after it was replaced (${failures} failures at step ${trial.stopAt}); it is left out`);
      return;
    }
    if (failures <= this.o.maxRetries) {
      const next = await this.storage.enqueue(this.study.id, { params: trial.params, member, stopAt: trial.stopAt, resumeFrom: trial.resumeFrom });
      await this.storage.addLineage({ studyId: this.study.id, member, step: states.get(member)?.step ?? 0, kind: 'retry', donor: null, donorStep: null, paramsBefore: trial.params, paramsAfter: trial.params, scores: this.scores(states), trialId: trial.id, nextTrialId: next.id });
      return;
    }
    const donors = rank([...states.values()].filter((s) => s.member !== member && s.checkpoint && s.step < this.o.maxSteps), this.goal);
    const donor = donors[0] ?? rank([...states.values()].filter((s) => s.member !== member && s.checkpoint), this.goal)[0];
    if (!donor) {
      this.notes.push(`member ${member} failed ${failures} times at step ${trial.stopAt} and no other member has a checkpoint to replace it with; it is left out`);
      return;
    }
    const rng = new Rng(this.study.seed, 0x52504c43, member, trial.stopAt!);
    const params = explore(rng, donor.params, this.o);
    const copy = this.copyCheckpoint(donor.checkpoint!, member, donor.step, donor.member);
    const stopAt = this.nextStop(donor.step);
    const next = await this.storage.enqueue(this.study.id, { params, member, stopAt, resumeFrom: copy });
    await this.storage.addLineage({ studyId: this.study.id, member, step: donor.step, kind: 'replace', donor: donor.member, donorStep: donor.step, paramsBefore: trial.params, paramsAfter: params, scores: this.scores(states), trialId: trial.id, nextTrialId: next.id });
    this.notes.push(`member ${member} failed ${failures} times at step ${trial.stopAt}; replaced by a copy of member ${donor.member} at step ${donor.step}`);
  }

  private membersDir(member: number): string {
    return path.join(this.study.artifactsDir, 'pbt', `member-${String(member).padStart(3, '0')}`);
  }

  /** Copy the donor's checkpoint before the donor can delete or overwrite it. */
  private copyCheckpoint(src: string, member: number, step: number, donor: number): string {
    const dest = path.join(this.membersDir(member), `step-${step}-from-${donor}`, path.basename(src));
    rmSync(path.dirname(dest), { recursive: true, force: true });
    mkdirSync(path.dirname(dest), { recursive: true });
    cpSync(src, dest, { recursive: true });
    return dest;
  }

  /**
   * Delete checkpoints no member can need: per member, all but its last `keep_checkpoints` segments'
   * and copies, never one a waiting or running segment starts from, nor any member's latest.
   */
  private collectGarbage(trials: readonly Trial[]): void {
    const keep = new Set<string>();
    for (const t of trials) if ((t.state === 'WAITING' || t.state === 'RUNNING') && t.resumeFrom) keep.add(t.resumeFrom);
    for (const s of this.memberStates(trials).values()) if (s.checkpoint) keep.add(s.checkpoint);
    const byMember = new Map<number, Trial[]>();
    for (const t of trials) if (t.member !== null && t.state === 'COMPLETE' && t.checkpoint && t.retryOf === null) byMember.set(t.member, [...(byMember.get(t.member) ?? []), t]);
    for (const segs of byMember.values()) {
      segs.sort((a, b) => (a.stopAt ?? 0) - (b.stopAt ?? 0));
      for (const t of segs.slice(0, Math.max(0, segs.length - this.o.keepCheckpoints))) {
        if (!keep.has(t.checkpoint!) && existsSync(t.checkpoint!)) rmSync(t.checkpoint!, { recursive: true, force: true });
      }
      const copies = segs.map((t) => t.resumeFrom).filter((r): r is string => r !== null && r.includes(`${path.sep}pbt${path.sep}`));
      for (const c of copies.slice(0, Math.max(0, copies.length - this.o.keepCheckpoints))) {
        if (!keep.has(c) && existsSync(c)) rmSync(path.dirname(c), { recursive: true, force: true });
      }
    }
  }
}
