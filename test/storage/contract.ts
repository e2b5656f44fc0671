/**
 * The storage contract: every storage (memory, SQLite, PostgreSQL) runs this same suite, one block per
 * interface of src/storage/types.ts, so a broken concern shows by name.
 */
import { describe, expect, it } from 'vitest';
import { FrozenTrialError, UsageError } from '../../src/core/errors.js';
import type { Storage } from '../../src/storage/types.js';
import { makeStudy, trainerConfig } from '../helpers/fixtures.js';

export function storageContract(name: string, open: () => Storage): void {
  describe(`Storage contract: ${name}`, () => {
    const setup = async (raw: Record<string, unknown> = {}) => {
      const s = open();
      const study = await makeStudy(s, trainerConfig(raw));
      return { s, study };
    };

    describe('TrialStore: studies', () => {
      it('creates, finds and lists studies; refuses a taken name', async () => {
        const { s, study } = await setup();
        expect((await s.getStudy('study'))?.id).toBe(study.id);
        expect(await s.getStudy('nope')).toBeNull();
        expect((await s.getStudy('study'))?.config.parameters.lr).toEqual({ type: 'log_uniform_values', min: 1e-4, max: 1e-1 });
        await expect(makeStudy(s, trainerConfig())).rejects.toThrow(UsageError);
        await makeStudy(s, trainerConfig(), 'second');
        expect((await s.listStudies()).map((x) => x.name)).toEqual(['study', 'second']);
        await s.close();
      });

      it('renames a study (refusing a taken name) and deletes one with everything recorded of it, leaving the others whole', async () => {
        const s = open();
        const a = await makeStudy(s, trainerConfig(), 'a');
        const b = await makeStudy(s, trainerConfig(), 'b');
        for (const st of [a, b]) {
          const t = (await s.createRunning(st.id, { params: { v: st.id }, worker: 'w' }))!;
          await s.addMetrics(t.id, [{ step: 1, name: 'loss', value: 1 }]);
          await s.appendLogs(t.id, [{ stream: 'stdout', line: 'hi' }]);
          await s.setTrialAttr(t.id, 'k', 1);
          await s.setStudyAttr(st.id, 'note', 'x');
          await s.logEvent(st.id, t.id, 'w', 'trial_started');
          await s.finishTrial(t.id, { state: 'COMPLETE', value: 1 });
        }
        await expect(s.renameStudy(a.id, 'b')).rejects.toThrow(UsageError);
        expect((await s.renameStudy(a.id, 'a2')).name).toBe('a2');
        expect(await s.getStudy('a')).toBeNull();
        expect((await s.getStudy('a2'))?.artifactsDir).toBe(a.artifactsDir);
        await s.deleteStudy(a.id);
        expect((await s.listStudies()).map((x) => x.name)).toEqual(['b']);
        expect(await s.getTrials(a.id)).toEqual([]);
        expect(await s.getMetrics(a.id)).toEqual([]);
        expect(await s.getEvents(a.id)).toEqual([]);
        expect(await s.getStudyAttrs(a.id)).toEqual({});
        const [tb] = await s.getTrials(b.id);
        expect((await s.getMetrics(b.id)).length).toBe(1);
        expect((await s.getLogs(tb!.id)).length).toBe(1);
        // a new study after a deletion gets ids of its own
        const c = await makeStudy(s, trainerConfig(), 'c');
        const tc = (await s.createRunning(c.id, { params: {}, worker: 'w' }))!;
        expect(tc.id).not.toBe(tb!.id);
        expect(tc.number).toBe(0);
        await s.close();
      });

      it('summarises studies: counts per state and best by goal', async () => {
        const s = open();
        const lo = await makeStudy(s, trainerConfig(), 'min');
        const hi = await makeStudy(s, trainerConfig({ metric: { name: 'acc', goal: 'maximize' } }), 'max');
        for (const st of [lo, hi]) {
          for (const v of [0.3, 0.1, 0.7]) {
            const t = (await s.createRunning(st.id, { params: { v }, worker: 'w' }))!;
            await s.finishTrial(t.id, { state: 'COMPLETE', value: v });
          }
          const f = (await s.createRunning(st.id, { params: {}, worker: 'w' }))!;
          await s.finishTrial(f.id, { state: 'FAIL', error: 'x' });
          await s.enqueue(st.id, { params: {} });
        }
        const [a, b] = await s.listStudies();
        expect(a!.counts).toMatchObject({ COMPLETE: 3, FAIL: 1, WAITING: 1, RUNNING: 0, STALE: 0 });
        expect(a!.best).toBe(0.1);
        expect(b!.best).toBe(0.7);
        await s.close();
      });

      it("a ladder's verify run is not its study's best; a scale's runs are", async () => {
        const s = open();
        const st = await makeStudy(s, trainerConfig(), 'ladder');
        for (const [v, scale] of [[0.5, { name: 'a', index: 0, tokens: 1, model: {} }], [0.05, { name: 'a', index: 0, tokens: 1, model: {}, role: 'verify' }], [0.3, { name: 'b', index: 1, tokens: 2, model: {} }]] as const) {
          const t = await s.enqueue(st.id, { params: { v }, scale: scale as unknown as Record<string, unknown> });
          const run = (await s.claimWaiting(st.id, 'w'))!;
          expect(run.id).toBe(t.id);
          await s.finishTrial(run.id, { state: 'COMPLETE', value: v });
        }
        const [l] = await s.listStudies();
        expect(l!.counts.COMPLETE).toBe(3);
        expect(l!.best).toBe(0.3);
        await s.close();
      });
    });

    describe('TrialStore: claims (claimWaiting, createRunning with a ClaimPolicy)', () => {
      it('numbers trials from 0 and enforces run_cap on every state but STALE', async () => {
        const { s, study } = await setup();
        const a = await s.createRunning(study.id, { params: { lr: 1 }, worker: 'w' }, { runCap: 2 });
        const b = await s.createRunning(study.id, { params: { lr: 2 }, worker: 'w' }, { runCap: 2 });
        expect([a?.number, b?.number]).toEqual([0, 1]);
        expect(a?.state).toBe('RUNNING');
        expect(a?.worker).toBe('w');
        expect(await s.createRunning(study.id, { params: { lr: 3 }, worker: 'w' }, { runCap: 2 })).toBeNull();
        await s.finishTrial(a!.id, { state: 'FAIL', error: 'boom' });
        expect(await s.createRunning(study.id, { params: { lr: 3 }, worker: 'w' }, { runCap: 2 })).toBeNull();
        // a STALE trial frees its slot, but its WAITING copy takes it again
        const copy = await s.requeue(b!.id, 'runner died');
        expect(await s.createRunning(study.id, { params: { lr: 3 }, worker: 'w' }, { runCap: 2 })).toBeNull();
        expect(copy.state).toBe('WAITING');
        await s.close();
      });

      it('refuses a duplicate parameter set when asked for unique trials', async () => {
        const { s, study } = await setup();
        expect(await s.createRunning(study.id, { params: { a: 1, b: 'x' }, worker: 'w' }, { unique: true })).not.toBeNull();
        expect(await s.createRunning(study.id, { params: { b: 'x', a: 1 }, worker: 'w' }, { unique: true })).toBeNull();
        expect(await s.createRunning(study.id, { params: { a: 2, b: 'x' }, worker: 'w' }, { unique: true })).not.toBeNull();
        await s.close();
      });

      it('refuses a proposal made from a history that is no longer current (seen)', async () => {
        const { s, study } = await setup();
        expect(await s.createRunning(study.id, { params: { lr: 1 }, worker: 'a' }, { seen: 0 })).not.toBeNull();
        // worker b read the history before a's trial existed: its proposal may be a's, so it must look again
        expect(await s.createRunning(study.id, { params: { lr: 1 }, worker: 'b' }, { seen: 0 })).toBeNull();
        expect(await s.createRunning(study.id, { params: { lr: 2 }, worker: 'b' }, { seen: 1 })).not.toBeNull();
        await s.close();
      });

      it('counts the cap and duplicates per scale when asked (a ladder)', async () => {
        const { s, study } = await setup();
        const at = (name: string) => ({ name, params: 1e6, tokens: 2e7 });
        const make = (lr: number, scale: string, runCap = 2) => s.createRunning(study.id, { params: { lr }, worker: 'w', scale: at(scale) }, { runCap, unique: true, perScale: true });
        expect(await make(1, 's1')).not.toBeNull();
        expect(await make(1, 's1')).toBeNull(); // same point, same scale
        expect(await make(1, 's2')).not.toBeNull(); // same point, another scale
        expect(await make(2, 's1')).not.toBeNull();
        expect(await make(3, 's1')).toBeNull(); // s1 is at its cap of 2
        expect(await make(3, 's2')).not.toBeNull(); // s2 has its own
        // without perScale the cap counts the whole study
        expect(await s.createRunning(study.id, { params: { lr: 9 }, worker: 'w', scale: at('s3') }, { runCap: 4 })).toBeNull();
        await s.close();
      });

      it("leaves a scale's verify runs and harvesting branches out of its cap and its duplicates (they are no configurations of its search)", async () => {
        const { s, study } = await setup();
        const at = { name: 's1', params: 1e6, tokens: 2e7 };
        await s.enqueue(study.id, { params: { lr: 1 }, scale: { ...at, role: 'branch', branch: { parent: 0, budget: 0.5, from: 8e6, tokens: 1e7 } } });
        await s.enqueue(study.id, { params: { lr: 2 }, scale: { ...at, role: 'verify' } });
        const make = (lr: number) => s.createRunning(study.id, { params: { lr }, worker: 'w', scale: at }, { runCap: 2, unique: true, perScale: true });
        expect(await make(1)).not.toBeNull();
        expect(await make(2)).not.toBeNull();
        expect(await make(3)).toBeNull();
        await s.close();
      });

      it('claims waiting trials oldest first, once each', async () => {
        const { s, study } = await setup();
        await s.enqueue(study.id, { params: { lr: 1 } });
        await s.enqueue(study.id, { params: { lr: 2 } });
        const first = await s.claimWaiting(study.id, 'w1');
        const second = await s.claimWaiting(study.id, 'w2');
        expect([first?.number, second?.number]).toEqual([0, 1]);
        expect([first?.worker, second?.worker]).toEqual(['w1', 'w2']);
        expect(first?.state).toBe('RUNNING');
        expect(first?.startedAt).not.toBeNull();
        expect(await s.claimWaiting(study.id, 'w3')).toBeNull();
        await s.close();
      });

      it('keeps PBT segments (member, stop_at): the least-trained waits first, a re-queued copy keeps them', async () => {
        const { s, study } = await setup();
        await s.enqueue(study.id, { params: { lr: 0.1 }, member: 0, stopAt: 20 });
        const b = await s.enqueue(study.id, { params: { lr: 0.2 }, member: 1, stopAt: 10, resumeFrom: '/ck/1' });
        expect(b).toMatchObject({ member: 1, stopAt: 10, resumeFrom: '/ck/1' });
        const first = (await s.claimWaiting(study.id, 'w'))!;
        expect(first.member).toBe(1);
        await s.setCheckpoint(first.id, '/ck/1b');
        const copy = await s.requeue(first.id, 'worker died');
        expect(copy).toMatchObject({ member: 1, stopAt: 10, resumeFrom: '/ck/1b', retryOf: first.id });
        const made = (await s.createRunning(study.id, { params: { lr: 0.3 }, worker: 'w', member: 2, stopAt: 10 }))!;
        expect(made).toMatchObject({ member: 2, stopAt: 10 });
        const plain = await s.enqueue(study.id, { params: { lr: 0.4 } });
        expect(plain).toMatchObject({ member: null, stopAt: null });
        await s.close();
      });
    });

    describe('TrialStore: trial lifecycle, metrics and logs', () => {
      it('re-queues a running trial: STALE keeps its metrics, the copy resumes from its checkpoint', async () => {
        const { s, study } = await setup();
        const t = (await s.createRunning(study.id, { params: { lr: 0.1 }, worker: 'w', scale: { params: 1e6 } }))!;
        await s.addMetrics(t.id, [{ step: 1, name: 'loss', value: 3 }]);
        await s.setCheckpoint(t.id, '/ck/step-1');
        const copy = await s.requeue(t.id, 'runner died');
        const stale = (await s.getTrial(t.id))!;
        expect(stale.state).toBe('STALE');
        expect(stale.error).toContain('runner died');
        expect(copy).toMatchObject({ state: 'WAITING', params: { lr: 0.1 }, retryOf: t.id, resumeFrom: '/ck/step-1', number: 1, scale: { params: 1e6 } });
        expect((await s.getMetrics(study.id, t.id)).map((m) => m.value)).toEqual([3]);
        await expect(s.requeue(t.id, 'again')).rejects.toThrow(FrozenTrialError);
        await s.close();
      });

      it('stores metrics in step order, NaN as null; a finished trial is frozen', async () => {
        const { s, study } = await setup();
        const t = (await s.createRunning(study.id, { params: {}, worker: 'w' }))!;
        await s.addMetrics(t.id, [
          { step: 2, name: 'loss', value: 2.5, tokens: 200 },
          { step: 1, name: 'loss', value: 3.5, tokens: 100 },
          { step: 3, name: 'loss', value: Number.NaN },
        ]);
        const ms = await s.getMetrics(study.id);
        expect(ms.map((m) => [m.step, m.value, m.tokens])).toEqual([
          [1, 3.5, 100],
          [2, 2.5, 200],
          [3, null, null],
        ]);
        const done = await s.finishTrial(t.id, { state: 'COMPLETE', value: 2.5 });
        expect(done).toMatchObject({ state: 'COMPLETE', value: 2.5, error: null });
        expect(done.finishedAt).not.toBeNull();
        await expect(s.finishTrial(t.id, { state: 'FAIL' })).rejects.toThrow(FrozenTrialError);
        await expect(s.addMetrics(t.id, [{ step: 4, name: 'loss', value: 1 }])).rejects.toThrow(FrozenTrialError);
        expect((await s.getTrial(t.id))?.value).toBe(2.5);
        await s.close();
      });

      it("keeps a finished trial's named values (non-finite as null) and why it is infeasible; an infeasible trial is never the best", async () => {
        const { s, study } = await setup();
        const a = (await s.createRunning(study.id, { params: { v: 1 }, worker: 'w' }))!;
        const done = await s.finishTrial(a.id, { state: 'COMPLETE', value: 0.1, values: { val_loss: 0.1, params: 2e8, peak: Number.NaN, never: null }, infeasible: 'params 2e8 is above its max 1e8' });
        expect(done).toMatchObject({ values: { val_loss: 0.1, params: 2e8, peak: null, never: null }, infeasible: 'params 2e8 is above its max 1e8' });
        const b = (await s.createRunning(study.id, { params: { v: 2 }, worker: 'w' }))!;
        await s.finishTrial(b.id, { state: 'COMPLETE', value: 0.4, values: { val_loss: 0.4, params: 5e7 } });
        const c = (await s.createRunning(study.id, { params: { v: 3 }, worker: 'w' }))!;
        await s.finishTrial(c.id, { state: 'COMPLETE', value: 0.5 });
        const [ta, tb, tc] = await s.getTrials(study.id);
        expect(ta).toMatchObject({ values: { val_loss: 0.1, params: 2e8, peak: null, never: null }, infeasible: 'params 2e8 is above its max 1e8' });
        expect(tb).toMatchObject({ values: { val_loss: 0.4, params: 5e7 }, infeasible: null });
        expect(tc).toMatchObject({ values: null, infeasible: null });
        expect((await s.listStudies())[0]!.best).toBe(0.4);
        await s.close();
      });

      it('refuses to finish a trial that was never started', async () => {
        const { s, study } = await setup();
        const w = await s.enqueue(study.id, { params: {} });
        await expect(s.finishTrial(w.id, { state: 'COMPLETE', value: 1 })).rejects.toThrow(UsageError);
        await s.close();
      });

      it('heartbeats only the trials a worker holds', async () => {
        const { s, study } = await setup();
        const t = (await s.createRunning(study.id, { params: {}, worker: 'me' }))!;
        const before = t.heartbeatAt!;
        await new Promise((r) => setTimeout(r, 5));
        await s.heartbeat([t.id], 'someone-else');
        expect((await s.getTrial(t.id))?.heartbeatAt).toBe(before);
        await s.heartbeat([t.id], 'me');
        expect((await s.getTrial(t.id))!.heartbeatAt!).toBeGreaterThan(before);
        await s.setTrialPid(t.id, 4242);
        expect((await s.getTrial(t.id))?.pid).toBe(4242);
        await s.close();
      });

      it('keeps a trial’s logs in the order appended', async () => {
        const { s, study } = await setup();
        const t = (await s.createRunning(study.id, { params: {}, worker: 'w' }))!;
        await s.appendLogs(t.id, [
          { stream: 'stdout', line: 'one' },
          { stream: 'stderr', line: 'two' },
        ]);
        await s.appendLogs(t.id, [{ stream: 'stdout', line: 'three' }]);
        expect((await s.getLogs(t.id)).map((l) => `${l.stream}:${l.line}`)).toEqual(['stdout:one', 'stderr:two', 'stdout:three']);
        await s.close();
      });
    });

    describe('TrialStore: study and trial attributes', () => {
      it('keeps JSON attributes; setting a key again replaces it', async () => {
        const { s, study } = await setup();
        const t = (await s.createRunning(study.id, { params: {}, worker: 'w' }))!;
        await s.setStudyAttr(study.id, 'searcher', { k: [1, 2] });
        await s.setStudyAttr(study.id, 'searcher', { k: [3] });
        await s.setTrialAttr(t.id, 'note', 'hi');
        expect(await s.getStudyAttrs(study.id)).toEqual({ searcher: { k: [3] } });
        expect(await s.getTrialAttrs(t.id)).toEqual({ note: 'hi' });
        await s.close();
      });

      it('keeps any JSON value, keys sorted, each study and trial its own; {} when none', async () => {
        const { s, study } = await setup();
        const other = await makeStudy(s, trainerConfig(), 'other');
        const a = (await s.createRunning(study.id, { params: { lr: 1 }, worker: 'w' }))!;
        const b = (await s.createRunning(study.id, { params: { lr: 2 }, worker: 'w' }))!;
        expect(await s.getStudyAttrs(study.id)).toEqual({});
        expect(await s.getTrialAttrs(a.id)).toEqual({});
        // what the next features keep here: a trial's GPU, a branch's parent run, feasibility, study notes
        const notes = ['warm start', { by: 'me' }];
        const values = { parent: 7, gpu: 'H100:0', feasible: false, none: null, notes };
        for (const [k, v] of Object.entries(values)) await s.setTrialAttr(a.id, k, v);
        await s.setStudyAttr(study.id, 'notes', 'lr sweep');
        await s.setStudyAttr(study.id, 'baseline', { loss: 2.5 });
        notes.push('changed after it was set');
        const got = await s.getTrialAttrs(a.id);
        expect(got).toEqual({ ...values, notes: ['warm start', { by: 'me' }] });
        expect(Object.keys(got)).toEqual(['feasible', 'gpu', 'none', 'notes', 'parent']);
        expect(Object.keys(await s.getStudyAttrs(study.id))).toEqual(['baseline', 'notes']);
        expect(await s.getTrialAttrs(b.id)).toEqual({});
        expect(await s.getStudyAttrs(other.id)).toEqual({});
        // what a caller gets is its own copy
        (got.notes as unknown[]).push('x');
        expect((await s.getTrialAttrs(a.id)).notes).toEqual(['warm start', { by: 'me' }]);
        await s.close();
      });
    });

    describe('EventLog', () => {
      it('keeps events in the order logged, with their trial and detail', async () => {
        const { s, study } = await setup();
        const t = (await s.createRunning(study.id, { params: {}, worker: 'w' }))!;
        await s.logEvent(study.id, t.id, 'tester', 'poke', { n: 1 });
        await s.logEvent(study.id, null, 'tester', 'done');
        const ev = await s.getEvents(study.id);
        expect(ev.map((e) => [e.kind, e.trialId, e.detail])).toEqual([
          ['poke', t.id, { n: 1 }],
          ['done', null, null],
        ]);
        await s.close();
      });
    });

    describe('LineageStore', () => {
      it('keeps the lineage of exploits in order', async () => {
        const { s, study } = await setup();
        const t = await s.enqueue(study.id, { params: { lr: 0.1 }, member: 0, stopAt: 10 });
        const e = await s.addLineage({ studyId: study.id, member: 0, step: 10, kind: 'exploit', donor: 3, donorStep: 10, paramsBefore: { lr: 0.1 }, paramsAfter: { lr: 0.024 }, scores: { '0': 2.5, '3': 1.5, '1': null }, trialId: t.id, nextTrialId: null });
        await s.addLineage({ studyId: study.id, member: 1, step: 20, kind: 'retry', donor: null, donorStep: null, paramsBefore: { lr: 0.2 }, paramsAfter: { lr: 0.2 }, scores: {}, trialId: null, nextTrialId: null });
        expect(e.id).toBeGreaterThan(0);
        const all = await s.getLineage(study.id);
        expect(all.map((x) => x.kind)).toEqual(['exploit', 'retry']);
        expect(all[0]).toMatchObject({ member: 0, step: 10, donor: 3, donorStep: 10, paramsAfter: { lr: 0.024 }, scores: { '0': 2.5, '3': 1.5, '1': null }, trialId: t.id });
        expect(await s.getLineage(study.id + 1000)).toEqual([]);
        await s.close();
      });
    });

    describe('LlmCallStore', () => {
      it('keeps the LLM searcher’s calls, and finds recorded answers by key across studies', async () => {
        const { s, study } = await setup();
        const other = await s.createStudy({ name: 'other', config: study.config, seed: 2, cwd: '/', artifactsDir: '/' });
        const call = (studyId: number, key: string, recorded: boolean, status: 'ok' | 'error', response: string | null) => ({
          studyId, key, purpose: 'candidates', model: 'm', request: { model: 'm', messages: [{ role: 'user', content: 'hi' }] }, response, status, recorded, error: status === 'error' ? 'HTTP 500' : null, promptTokens: 10, completionTokens: 5, cost: 0.001, latencyMs: 12, attempts: 1,
        });
        const a = await s.addLlmCall(call(study.id, 'k1', true, 'ok', '{"lr": 0.1}'));
        await s.addLlmCall(call(study.id, 'k2', false, 'ok', 'live only'));
        await s.addLlmCall(call(other.id, 'k1', true, 'error', null));
        expect(a).toMatchObject({ id: expect.any(Number), at: expect.any(Number), request: { model: 'm' } });
        expect((await s.getLlmCalls(study.id)).map((c) => c.key)).toEqual(['k1', 'k2']);
        expect((await s.getLlmCalls(other.id)).map((c) => c.status)).toEqual(['error']);
        expect((await s.findLlmRecording('k1'))?.response).toBe('{"lr": 0.1}'); // the failed recording is not an answer
        expect(await s.findLlmRecording('k2')).toBeNull(); // live calls are logged, not recorded
        expect(await s.findLlmRecording('nope')).toBeNull();
        await s.close();
      });
    });

    describe('FitStore', () => {
      it('keeps fits with their inputs; the latest of a law is found', async () => {
        const { s, study } = await setup();
        const result = { law: 'power', nPoints: 2, params: { a: 1, C: -0.1 }, intervals: { C: [-0.2, 0] as [number, number] }, objective: 0.5, residuals: { rmse: 0.1, meanAbsRelError: 0.01, maxAbsRelError: 0.02 }, backtest: null, samples: [{ a: 1, C: -0.11 }] };
        const first = await s.saveFit({ studyId: study.id, law: 'power', source: { study: 'study' }, spec: { x: ['C'], y: 'loss' }, points: [{ C: 1, loss: 2 }], result });
        const second = await s.saveFit({ studyId: null, law: 'power', source: { csv: 'x.csv' }, spec: { x: ['C'], y: 'loss' }, points: [], result: { ...result, objective: 0.25 } });
        await s.saveFit({ studyId: null, law: 'chinchilla', source: {}, spec: {}, points: [], result });
        expect(second.id).toBeGreaterThan(first.id);
        expect(await s.getFit(first.id)).toMatchObject({ law: 'power', studyId: study.id, spec: { x: ['C'], y: 'loss' }, points: [{ C: 1, loss: 2 }], result: { params: { a: 1, C: -0.1 }, samples: [{ a: 1, C: -0.11 }] } });
        expect((await s.latestFit('power'))?.id).toBe(second.id);
        expect(await s.latestFit('kaplan')).toBeNull();
        expect((await s.listFits()).map((f) => f.law)).toEqual(['power', 'power', 'chinchilla']);
        await s.close();
      });
    });
  });
}
