/**
 * One trial's outcome from what a real trainer process printed: values of the study's metric that are
 * not numbers, and steps that cannot be stored as given.
 */
import { describe, expect, it } from 'vitest';
import { CommandBackend } from '../../src/backends/command.js';
import { startTrial } from '../../src/orchestrator/run-trial.js';
import { MemoryStorage } from '../../src/storage/memory.js';
import { makeStudy, tmpDir, trainerConfig, writeFile } from '../helpers/fixtures.js';

/** Run a trainer that prints these JSON lines, then exits (after `linger` ms), with metric val_loss. */
async function printing(lines: unknown[], linger = 0) {
  const dir = tmpDir();
  const program = writeFile(dir, 'prints.mjs', `for (const l of ${JSON.stringify(lines.map((l) => JSON.stringify(l)))}) console.log(l);\nsetTimeout(() => {}, ${linger});`);
  const storage = new MemoryStorage();
  const study = await makeStudy(storage, trainerConfig({ program, metric: { name: 'val_loss', goal: 'minimize' } }), 'reports', dir);
  const trial = (await storage.createRunning(study.id, { params: {}, worker: 'test' }))!;
  const t0 = Date.now();
  const res = await startTrial({ storage, study, trial, backend: new CommandBackend({ killGraceMs: 500 }) }).result;
  if (res.kind !== 'finished') throw new Error('interrupted');
  return { elapsed: Date.now() - t0, trial: res.trial, metrics: await storage.getMetrics(study.id), logs: await storage.getLogs(trial.id) };
}

describe('a trial judged by what its trainer printed', () => {
  it('the metric printed as a boolean fails the trial and stops the trainer; a boolean flag elsewhere stays 1/0', async () => {
    const { trial, metrics, elapsed } = await printing([{ step: 1, val_loss: 2, feasible: true }, { step: 3, val_loss: true }], 20_000);
    expect(elapsed).toBeLessThan(10_000);
    expect(trial.state).toBe('FAIL');
    expect(trial.value).toBeNull();
    expect(trial.error).toBe("metric 'val_loss' was true (a boolean) at step 3; allowed: a number");
    expect(metrics.map((m) => [m.step, m.name, m.value])).toEqual([[1, 'val_loss', 2], [1, 'feasible', 1]]);
  });

  it('the metric printed as a string fails the trial, naming what it printed', async () => {
    const { trial } = await printing([{ step: 3, val_loss: '2.5' }]);
    expect(trial.state).toBe('FAIL');
    expect(trial.error).toBe(`metric 'val_loss' was "2.5" (a string) at step 3; allowed: a number`);
  });

  it('a string elsewhere is ignored as before', async () => {
    const { trial } = await printing([{ step: 1, val_loss: 2.5, phase: 'eval' }]);
    expect(trial.state).toBe('COMPLETE');
    expect(trial.value).toBe(2.5);
  });

  it('a step that is not a whole number keeps the report at the previous step + 1 and says so in the log, once', async () => {
    const { trial, metrics, logs } = await printing([{ step: 4, val_loss: 3 }, { step: 'abc', val_loss: 2 }, { step: -2, val_loss: 1.5 }, { step: 7.5, val_loss: 1 }, { step: 3e9, val_loss: 0.5 }]);
    expect(trial.state).toBe('COMPLETE');
    expect(trial.value).toBe(0.5);
    expect(metrics.map((m) => m.step)).toEqual([4, 5, 6, 7, 8]);
    const notes = logs.filter((l) => l.stream === 'scaletune').map((l) => l.line);
    expect(notes).toEqual(['step "abc" is not a whole number from 0 to 2147483647; the report is stored at step 5, the previous step + 1 (noted once per trial)']);
  });
});

/** Run a trainer script (an .mjs body) with metric val_loss and these `metrics:` settings. */
async function withMetrics(body: string, metrics: unknown) {
  const dir = tmpDir();
  const program = writeFile(dir, 'train.mjs', body);
  const storage = new MemoryStorage();
  const study = await makeStudy(storage, trainerConfig({ program, metric: { name: 'val_loss', goal: 'minimize' }, metrics }), 'patterns', dir);
  const trial = (await storage.createRunning(study.id, { params: {}, worker: 'test' }))!;
  const res = await startTrial({ storage, study, trial, backend: new CommandBackend({ killGraceMs: 500 }) }).result;
  if (res.kind !== 'finished') throw new Error('interrupted');
  return res.trial;
}

describe('a trial whose metrics are read from log lines', () => {
  it('fails when no line matched, showing the first lines and what was tried', async () => {
    const trial = await withMetrics(`console.log('loading data'); console.error('epoch 1 done: loss=2.0'); console.log('bye');`, { preset: 'nanogpt', patterns: [String.raw`val=(?<val_loss>\S+)`] });
    expect(trial.state).toBe('FAIL');
    expect(trial.error).toMatch(/^the trainer printed no report: no JSON line, and no line matched preset nanogpt \(nanoGPT lines .*\); pattern "val=\(\?<val_loss>\\\\S\+\)"; its first lines were:\n/);
    // both streams, in whatever order the pipes delivered them
    expect(trial.error).toContain('\n  loading data');
    expect(trial.error).toContain('\n  epoch 1 done: loss=2.0');
  });

  it('a trainer that crashed before matching anything fails for its crash', async () => {
    const trial = await withMetrics(`console.log('loading data'); console.error('CUDA out of memory'); process.exit(3);`, 'nanogpt');
    expect(trial.state).toBe('FAIL');
    expect(trial.error).toBe('the trainer exited with code 3: CUDA out of memory');
  });

  it("a crash's error starts with the last line of stderr, where a traceback names the exception, and keeps the lines before it", async () => {
    const tb = ['Traceback (most recent call last):', '  File "train.py", line 3, in <module>', '    api = wandb.Api()', "AttributeError: scaletune's wandb stand-in does not implement wandb.Api"];
    const trial = await withMetrics(`${tb.map((l) => `console.error(${JSON.stringify(l)});`).join(' ')} process.exit(1);`, 'nanogpt');
    expect(trial.error).toBe(`the trainer exited with code 1: ${tb[3]}\n${tb.slice(0, 3).join('\n')}`);
  });

  it('a metric never reported names what was reported and where it was read from', async () => {
    const trial = await withMetrics(`console.log('iter 1: loss 2.0000, time 1.00ms, mfu 1.00%');`, 'nanogpt');
    expect(trial.state).toBe('FAIL');
    expect(trial.error).toBe("the trainer exited without reporting metric 'val_loss' (it reported: loss, time_ms, mfu; metrics are read from JSON lines on stdout, preset nanogpt)");
  });

  it('a JSON report counts as a report in pattern mode', async () => {
    const trial = await withMetrics(`console.log(JSON.stringify({ step: 1, val_loss: 1.25 }));`, 'nanogpt');
    expect(trial.state).toBe('COMPLETE');
    expect(trial.value).toBe(1.25);
  });
});

describe('a trainer killed by a signal', () => {
  // what scancel or a preemption does: the trainer dies of SIGTERM just as this process is told to stop
  async function killedBy(stopping: boolean) {
    const dir = tmpDir();
    const program = writeFile(dir, 'term.mjs', `console.log(JSON.stringify({ step: 1, val_loss: 2 })); setTimeout(() => process.kill(process.pid, 'SIGTERM'), 50);`);
    const storage = new MemoryStorage();
    const study = await makeStudy(storage, trainerConfig({ program, metric: { name: 'val_loss', goal: 'minimize' } }), 'term', dir);
    const trial = (await storage.createRunning(study.id, { params: {}, worker: 'test' }))!;
    const stop = new AbortController();
    const run = startTrial({ storage, study, trial, backend: new CommandBackend({ killGraceMs: 500 }), signal: stop.signal });
    if (stopping) setTimeout(() => stop.abort(), 150);
    return run.result;
  }

  it('while the study run stops is stopped with it: its trial is re-queued, not failed', async () => {
    const res = await killedBy(true);
    expect(res.kind).toBe('interrupted');
    if (res.kind === 'interrupted') expect(res.reason).toBe('the trainer got SIGTERM with this process (interrupted)');
  });

  it('otherwise fails its trial, naming the signal', async () => {
    const res = await killedBy(false);
    expect(res.kind).toBe('finished');
    if (res.kind === 'finished') expect(res.trial).toMatchObject({ state: 'FAIL', error: 'the trainer was killed by SIGTERM' });
  });
});
