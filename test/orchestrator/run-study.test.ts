import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { CommandBackend } from '../../src/backends/command.js';
import type { Trial } from '../../src/core/trial.js';
import { recoverStaleTrials } from '../../src/orchestrator/recovery.js';
import { silentReporter, type Reporter } from '../../src/report/reporter.js';
import { runStudy } from '../../src/orchestrator/run-study.js';
import { MemoryStorage } from '../../src/storage/memory.js';
import { loadStudyConfig } from '../../src/config/index.js';
import { makeStudy, tmpDir, trainerConfig, writeFile } from '../helpers/fixtures.js';

function recordingReporter() {
  const events: string[] = [];
  let running = 0;
  let maxRunning = 0;
  const r: Reporter = {
    ...silentReporter,
    trialStarted: (t: Trial) => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      events.push(`start ${t.number}`);
    },
    trialFinished: (t: Trial) => {
      running--;
      events.push(`${t.state} ${t.number}`);
    },
    trialRequeued: (s: Trial, c: Trial) => {
      running--;
      events.push(`requeue ${s.number}->${c.number}`);
    },
  };
  return { r, events, max: () => maxRunning };
}

describe('runStudy', () => {
  it('runs run_cap trials, at most `parallel` at a time, and finds the better learning rate', async () => {
    const storage = new MemoryStorage();
    const study = await makeStudy(storage, trainerConfig({ method: 'sobol', run_cap: 8, parallel: 3 }));
    const rec = recordingReporter();
    const end = await runStudy({ storage, study, backend: new CommandBackend(), reporter: rec.r });
    expect(end.reason).toBe('run_cap');
    expect(end.trials.filter((t) => t.state === 'COMPLETE').length).toBe(8);
    expect(rec.max()).toBe(3);
    const lrErr = (t: Trial) => Math.abs(Math.log10(t.params.lr as number) - Math.log10(3e-3));
    expect(Math.min(...end.trials.map(lrErr))).toBe(lrErr(end.best!));
  });

  it('a failing trial never stops the study', async () => {
    const storage = new MemoryStorage();
    const study = await makeStudy(storage, trainerConfig({ method: 'grid', parameters: { mode: { values: ['normal', 'crash', 'nan', 'normal2'] }, steps: { value: 4 }, step_ms: { value: 1 } }, run_cap: undefined }));
    const end = await runStudy({ storage, study, backend: new CommandBackend(), reporter: silentReporter });
    expect(end.reason).toBe('exhausted');
    expect(end.trials.map((t) => t.state)).toEqual(['COMPLETE', 'FAIL', 'FAIL', 'COMPLETE']);
  });

  it('stops launching once the metric reaches its target', async () => {
    const storage = new MemoryStorage();
    const study = await makeStudy(storage, trainerConfig({ metric: { name: 'loss', target: 100 }, run_cap: 10 }));
    const end = await runStudy({ storage, study, backend: new CommandBackend(), reporter: silentReporter });
    expect(end.reason).toBe('target');
    expect(end.trials.length).toBe(1);
  });

  it('an interrupt ends running trials and re-queues them; the next run finishes the study', async () => {
    const storage = new MemoryStorage();
    const study = await makeStudy(storage, trainerConfig({ run_cap: 4, parallel: 2, parameters: { lr: { value: 0.003 }, steps: { value: 50 }, step_ms: { value: 20 }, checkpoint_every: { value: 5 } } }));
    const ac = new AbortController();
    const rec = recordingReporter();
    // interrupt once both running trials have saved a checkpoint (whatever the machine's load)
    const poll = setInterval(async () => {
      const ts = await storage.getTrials(study.id);
      if (ts.filter((t) => t.state === 'RUNNING' && t.checkpoint !== null).length === 2) {
        clearInterval(poll);
        ac.abort();
      }
    }, 20);
    const first = await runStudy({ storage, study, backend: new CommandBackend(), reporter: rec.r, signal: ac.signal });
    expect(first.interrupted).toBe(true);
    expect(first.reason).toBe('interrupted');
    expect(first.trials.filter((t) => t.state === 'STALE').map((t) => t.error)).toEqual(['interrupted; re-queued', 'interrupted; re-queued']);
    const copies = first.trials.filter((t) => t.state === 'WAITING');
    expect(copies.length).toBe(2);
    expect(copies.every((c) => c.resumeFrom !== null)).toBe(true);
    const second = await runStudy({ storage, study, backend: new CommandBackend(), reporter: silentReporter });
    expect(second.trials.filter((t) => t.state === 'COMPLETE').length).toBe(4);
    // resumed copies continued from their checkpoints rather than from step 1
    for (const c of copies) {
      const steps = (await storage.getMetrics(study.id, c.id)).filter((m) => m.name === 'loss').map((m) => m.step);
      expect(steps[0]).toBeGreaterThan(1);
      expect(steps.at(-1)).toBe(50);
    }
  });

  it('recovers trials whose runner died (dead pid here) or went silent (no heartbeat), and leaves ask trials alone', async () => {
    const storage = new MemoryStorage();
    const study = await makeStudy(storage, trainerConfig());
    const dead = (await storage.createRunning(study.id, { params: { a: 1 }, worker: `${os.hostname()}:999999:abc` }))!;
    const alive = (await storage.createRunning(study.id, { params: { a: 2 }, worker: `${os.hostname()}:${process.pid}:abc` }))!;
    const remote = (await storage.createRunning(study.id, { params: { a: 3 }, worker: 'elsewhere:1:abc' }))!;
    const asked = (await storage.createRunning(study.id, { params: { a: 4 }, worker: `ask:${os.hostname()}:999999:abc` }))!;
    const first = await recoverStaleTrials(storage, study, { staleAfterMs: 60_000 });
    expect(first.map((r) => r.stale.id)).toEqual([dead.id]);
    await new Promise((r) => setTimeout(r, 30));
    const second = await recoverStaleTrials(storage, study, { staleAfterMs: 10 });
    expect(second.map((r) => r.stale.id).sort()).toEqual([alive.id, remote.id].sort());
    expect((await storage.getTrial(asked.id))?.state).toBe('RUNNING');
  });

  it('while running, re-queues and runs the trials of another process that died on this study', async () => {
    const storage = new MemoryStorage();
    const study = await makeStudy(storage, trainerConfig({ run_cap: 3, parameters: { lr: { value: 0.003 }, steps: { value: 30 }, step_ms: { value: 20 } } }));
    // a neighbour claimed a trial and died
    const orphan = (await storage.createRunning(study.id, { params: { lr: 0.003, steps: 5, step_ms: 1 }, worker: `${os.hostname()}:999999:dead` }))!;
    const running = runStudy({ storage, study, backend: new CommandBackend(), reporter: silentReporter, recoverEveryMs: 100 });
    // the start-up pass takes that one; a second neighbour dies while the loop runs
    await new Promise((r) => setTimeout(r, 300));
    const later = (await storage.createRunning(study.id, { params: { lr: 0.003, steps: 5, step_ms: 1 }, worker: `${os.hostname()}:999998:dead` }))!;
    const end = await running;
    expect((await storage.getTrial(orphan.id))?.state).toBe('STALE');
    expect((await storage.getTrial(later.id))?.state).toBe('STALE');
    // its copy ran to completion in this loop
    expect(end.trials.find((t) => t.retryOf === later.id)?.state).toBe('COMPLETE');
    expect(end.trials.filter((t) => t.state === 'COMPLETE').length).toBe(3);
    expect(end.trials.filter((t) => t.state === 'RUNNING' || t.state === 'WAITING')).toEqual([]);
  });

  it("does not call the study finished while a live peer's trial runs: the cap counts it, and the peer may still die", async () => {
    const storage = new MemoryStorage();
    const study = await makeStudy(storage, trainerConfig({ run_cap: 3, parameters: { lr: { value: 0.003 }, steps: { value: 5 }, step_ms: { value: 5 } } }));
    // another run in a live process (this one) has a trial of the study running
    const peer = (await storage.createRunning(study.id, { params: { lr: 0.003 }, worker: `${os.hostname()}:${process.pid}:peer` }))!;
    let finished = 0;
    const reporter: Reporter = {
      ...silentReporter,
      trialFinished: () => {
        if (++finished === 2) setTimeout(() => void storage.finishTrial(peer.id, { state: 'COMPLETE', value: 2.5 }), 300);
      },
    };
    const end = await runStudy({ storage, study, backend: new CommandBackend(), reporter });
    expect(end.reason).toBe('run_cap');
    expect(end.trials.map((t) => t.state)).toEqual(['COMPLETE', 'COMPLETE', 'COMPLETE']);
  });

  it("each trial's best is the study's, also over a peer's trials, so workers sharing a study show the same", async () => {
    const storage = new MemoryStorage();
    // trials over a second long: the study is re-read for its best at most once a second
    const study = await makeStudy(storage, trainerConfig({ run_cap: 3, parameters: { lr: { value: 0.003 }, steps: { value: 25 }, step_ms: { value: 50 } } }));
    const peer = (await storage.createRunning(study.id, { params: { lr: 0.003 }, worker: `${os.hostname()}:${process.pid}:peer` }))!;
    const bests: (number | null)[] = [];
    const reporter: Reporter = {
      ...silentReporter,
      trialFinished: (_t, best) => {
        // the peer finishes, better than anything here, while this run's second trial runs
        if (bests.push(best?.number ?? null) === 1) void storage.finishTrial(peer.id, { state: 'COMPLETE', value: 0.5 });
      },
    };
    const end = await runStudy({ storage, study, backend: new CommandBackend(), reporter });
    expect(bests).toEqual([1, peer.number]);
    expect(end.best?.number).toBe(peer.number);
  });
});

describe('a bayes study of a trainer that prints nanoGPT lines', () => {
  it('reads val_loss through metrics: {preset: nanogpt} and completes every trial with its value', async () => {
    const dir = tmpDir();
    // Debian's own interpreter: `python3` on PATH may be another one
    writeFile(
      dir,
      'train.py',
      `import argparse, math
p = argparse.ArgumentParser()
p.add_argument('--learning_rate', type=float)
p.add_argument('--max_iters', type=int)
a = p.parse_args()
print("tokens per iteration will be: 8,192")
for it in range(a.max_iters + 1):
    loss = 2.0 + (math.log10(a.learning_rate) + 3) ** 2 + 1.0 / (1 + it)
    if it % 10 == 0:
        print(f"step {it}: train loss {loss:.4f}, val loss {loss + 0.05:.4f}")
    print(f"iter {it}: loss {loss:.4f}, time 12.50ms, mfu {-100.0 if it < 5 else 10.0:.2f}%", flush=True)
`,
    );
    const file = writeFile(
      dir,
      'study.yaml',
      `program: train.py
command: [/usr/bin/python3, "\${program}", "\${args}"]
method: bayes
metric: {name: val_loss, goal: minimize}
metrics: {preset: nanogpt}
bayes: {initial: 3}
run_cap: 5
seed: 3
parameters:
  learning_rate: {distribution: log_uniform_values, min: 0.0001, max: 0.1}
  max_iters: {value: 20}
`,
    );
    const storage = new MemoryStorage();
    const study = await makeStudy(storage, loadStudyConfig(file), 'nanogpt', dir);
    const end = await runStudy({ storage, study, backend: new CommandBackend(), reporter: silentReporter });
    expect(end.trials.map((t) => [t.state, t.error])).toEqual(Array.from({ length: 5 }, () => ['COMPLETE', null]));
    for (const t of end.trials) {
      const loss = 2.0 + (Math.log10(t.params.learning_rate as number) + 3) ** 2 + 1 / 21;
      expect(t.value).toBeCloseTo(loss + 0.05, 4);
    }
    const names = new Set((await storage.getMetrics(study.id)).map((m) => m.name));
    expect(names).toEqual(new Set(['train_loss', 'val_loss', 'loss', 'time_ms', 'mfu']));
  });
});
