/**
 * Population-based training through the command backend, on the toy problem of the PBT paper
 * (fixtures/trainers/pbt_toy.mjs): maximise Q(θ) = 1.2 − |θ|² while training on the surrogate with
 * hyperparameters h.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CommandBackend } from '../../src/backends/command.js';
import { validateStudyConfig } from '../../src/config/index.js';
import { silentReporter } from '../../src/report/reporter.js';
import { runStudy } from '../../src/orchestrator/run-study.js';
import { MemoryStorage } from '../../src/storage/memory.js';
import { makeStudy, ROOT } from '../helpers/fixtures.js';

const TOY = path.join(ROOT, 'fixtures/trainers/pbt_toy.mjs');
const STEPS = 40;

function toyConfig(method: 'pbt' | 'pb2' | 'random' | 'grid', seed: number, extra: Record<string, unknown> = {}) {
  const h = method === 'grid' ? { values: [0.25, 0.75] } : { distribution: 'uniform', min: 0, max: 1 };
  return validateStudyConfig(
    {
      program: TOY,
      method,
      metric: { name: 'q', goal: 'maximize' },
      parallel: 4,
      seed,
      parameters: { h0: h, h1: h, steps: { value: STEPS } },
      ...(method === 'pbt' || method === 'pb2' ? { pbt: { population: 4, perturbation_interval: 4, max_steps: STEPS, ...extra } } : {}),
      ...(method === 'random' ? { run_cap: 4 } : {}),
    },
    { configDir: ROOT },
  );
}

/** The best Q reached at the last step by any member or trial, and the trainer steps spent. */
async function bestQ(method: 'pbt' | 'pb2' | 'random' | 'grid', seed: number, extra: Record<string, unknown> = {}): Promise<{ q: number; steps: number }> {
  const storage = new MemoryStorage();
  const study = await makeStudy(storage, toyConfig(method, seed, extra));
  await runStudy({ storage, study, backend: new CommandBackend(), reporter: silentReporter });
  const trials = (await storage.getTrials(study.id)).filter((t) => t.state === 'COMPLETE');
  const finals = trials.filter((t) => (t.stopAt ?? STEPS) === STEPS).map((t) => t.value!);
  const metrics = await storage.getMetrics(study.id);
  return { q: Math.max(...finals), steps: metrics.filter((m) => m.name === 'q').length };
}

describe('PBT on the toy problem of the PBT paper', () => {
  it('reaches a higher Q than random and grid search with the same training steps, on at least 8 of 10 seeds', async () => {
    let beatsRandom = 0;
    let beatsGrid = 0;
    const grid = await bestQ('grid', 0);
    const rows: string[] = [];
    for (let seed = 1; seed <= 10; seed++) {
      // synch: every member decides at the same boundary, so PBT spends exactly the same steps; with a
      // population of 4, quantile 0.5 lets the bottom half copy the top half (0.25 gives 7 of 10 seeds)
      const pbt = await bestQ('pbt', seed, { synch: true, quantile: 0.5 });
      const random = await bestQ('random', seed);
      expect(pbt.steps).toBe(4 * STEPS);
      expect(random.steps).toBe(4 * STEPS);
      if (pbt.q > random.q) beatsRandom++;
      if (pbt.q > grid.q) beatsGrid++;
      rows.push(`seed ${seed}: pbt ${pbt.q.toFixed(4)} random ${random.q.toFixed(4)} grid ${grid.q.toFixed(4)}`);
    }
    expect(beatsRandom, rows.join('\n')).toBeGreaterThanOrEqual(8);
    expect(beatsGrid, rows.join('\n')).toBeGreaterThanOrEqual(8);
  }, 180_000);
});

describe('PB2 on the toy problem', () => {
  it('beats random search with the same steps on average, with every segment accounted for', async () => {
    let pb2 = 0;
    let random = 0;
    for (const seed of [1, 2, 3]) {
      const p = await bestQ('pb2', seed, { synch: true, quantile: 0.5 });
      expect(p.steps).toBe(4 * STEPS);
      pb2 += p.q / 3;
      random += (await bestQ('random', seed)).q / 3;
    }
    expect(pb2).toBeGreaterThan(random);
  }, 120_000);
});

describe('PBT runs', () => {
  it('async: every member reaches max_steps; exploits are in the lineage with the scores of the moment', async () => {
    const storage = new MemoryStorage();
    const study = await makeStudy(storage, toyConfig('pbt', 5, { population: 4, perturbation_interval: 8 }));
    const end = await runStudy({ storage, study, backend: new CommandBackend(), reporter: silentReporter, parallel: 2 });
    expect(end.reason).toBe('exhausted');
    const trials = await storage.getTrials(study.id);
    expect(trials.every((t) => t.state === 'COMPLETE')).toBe(true);
    for (let k = 0; k < 4; k++) expect(Math.max(...trials.filter((t) => t.member === k).map((t) => t.stopAt!))).toBe(STEPS);
    const lineage = await storage.getLineage(study.id);
    expect(lineage.length).toBeGreaterThan(0);
    for (const e of lineage) {
      expect(e.kind).toBe('exploit');
      expect(e.donor).not.toBe(e.member);
      expect(Object.keys(e.scores).length).toBeGreaterThanOrEqual(2);
      // the next segment starts from a copy of the donor's checkpoint, with the explored parameters
      const next = trials.find((t) => t.id === e.nextTrialId)!;
      expect(next.resumeFrom).toMatch(new RegExp(`pbt[\\\\/]member-00${e.member}[\\\\/]step-${e.step}-from-${e.donor}`));
      expect(next.params).toEqual(e.paramsAfter);
    }
    // old checkpoints were collected: per member at most keep_checkpoints (2) of its own remain, plus
    // those a member's latest state points at
    const { existsSync } = await import('node:fs');
    for (let k = 0; k < 4; k++) {
      const own = trials.filter((t) => t.member === k && t.checkpoint && existsSync(t.checkpoint));
      expect(own.length).toBeLessThanOrEqual(3);
      const latest = trials.filter((t) => t.member === k && t.state === 'COMPLETE').sort((a, b) => a.stopAt! - b.stopAt!).at(-1)!;
      expect(existsSync(latest.checkpoint!)).toBe(true);
    }
    expect(trials.filter((t) => t.checkpoint && !existsSync(t.checkpoint)).length).toBeGreaterThan(0);

    // the report: the winner, the exploits, each member's curve, the winning schedule as charts
    const { buildReport } = await import('../../src/report/model.js');
    const { reportCharts, renderSvg } = await import('../../src/report/charts.js');
    const model = buildReport({ study, trials, metrics: await storage.getMetrics(study.id), lineage });
    expect(model.pbt!.exploits).toHaveLength(lineage.length);
    expect(model.pbt!.winner!.step).toBe(STEPS);
    expect(new Set(model.pbt!.curves.map((c) => c.member))).toEqual(new Set([0, 1, 2, 3]));
    expect(model.pbt!.schedule.at(-1)!.to).toBe(STEPS);
    const charts = reportCharts(model);
    expect(charts.map((c) => c.id)).toEqual(expect.arrayContaining(['history', 'pbt-members', 'pbt-schedule']));
    const svg = await renderSvg(charts.find((c) => c.id === 'pbt-schedule')!.spec);
    expect(svg).toMatch(/^<svg[\s\S]*h0[\s\S]*<\/svg>$/);
  }, 60_000);

  it('a trainer that reports no checkpoint stops the study at the first boundary, saying what PBT needs', async () => {
    const storage = new MemoryStorage();
    const cfg = toyConfig('pbt', 1, { population: 2, perturbation_interval: 5, max_steps: 20 });
    cfg.parameters.mode = { type: 'constant', value: 'nocheckpoint' };
    const study = await makeStudy(storage, cfg);
    await expect(runStudy({ storage, study, backend: new CommandBackend(), reporter: silentReporter })).rejects.toThrow(/method pbt: trial \d+ \(member \d\) reached step 5 without reporting a checkpoint.*SCALETUNE_CHECKPOINT_DIR.*SCALETUNE_STOP_AT_STEP.*SCALETUNE_RESUME_FROM/s);
  }, 60_000);

  it('a crashed segment is retried from the member\'s last good checkpoint', async () => {
    const storage = new MemoryStorage();
    const cfg = toyConfig('pbt', 2, { population: 2, perturbation_interval: 5, max_steps: 20 });
    cfg.parameters.crash_at = { type: 'constant', value: 12 };
    const study = await makeStudy(storage, cfg);
    await runStudy({ storage, study, backend: new CommandBackend(), reporter: silentReporter });
    const trials = await storage.getTrials(study.id);
    const failed = trials.filter((t) => t.state === 'FAIL');
    expect(failed).toHaveLength(1);
    const retry = (await storage.getLineage(study.id)).find((e) => e.kind === 'retry')!;
    expect(retry.trialId).toBe(failed[0]!.id);
    const again = trials.find((t) => t.id === retry.nextTrialId)!;
    expect(again).toMatchObject({ state: 'COMPLETE', member: failed[0]!.member, stopAt: 15, resumeFrom: failed[0]!.resumeFrom });
    for (let k = 0; k < 2; k++) expect(Math.max(...trials.filter((t) => t.member === k && t.state === 'COMPLETE').map((t) => t.stopAt!))).toBe(20);
  }, 60_000);
});

describe('PBT faults in synch mode', () => {
  it('a member that keeps crashing is retried, replaced, then left out, and never blocks the round', async () => {
    const storage = new MemoryStorage();
    // h0 above 0.7 crashes at step 7, every time: such members fail, are retried, replaced by a copy of a
    // top member (whose explored h0 may crash again) and, failing once more, are left out
    const cfg = toyConfig('pbt', 6, { population: 4, perturbation_interval: 5, max_steps: 20, synch: true, max_retries: 1 });
    cfg.parameters.crash_at = { type: 'constant', value: 7 };
    cfg.parameters.crash_h0_above = { type: 'constant', value: 0.7 };
    const study = await makeStudy(storage, cfg);
    const warnings: string[] = [];
    const end = await runStudy({ storage, study, backend: new CommandBackend(), reporter: { ...silentReporter, warn: (m: string) => warnings.push(m) } });
    expect(end.reason).toBe('exhausted');
    const trials = await storage.getTrials(study.id);
    const crashed = new Set(trials.filter((t) => t.state === 'FAIL').map((t) => t.member));
    expect(crashed.size).toBeGreaterThanOrEqual(1);
    const lineage = await storage.getLineage(study.id);
    expect(lineage.some((e) => e.kind === 'retry')).toBe(true);
    // every member either finished or was left out with a warning; the healthy ones reached max_steps
    const finished = new Set(trials.filter((t) => t.state === 'COMPLETE' && t.stopAt === 20).map((t) => t.member));
    expect(finished.size).toBeGreaterThanOrEqual(1);
    for (const k of [0, 1, 2, 3]) if (!finished.has(k)) expect(warnings.join('\n')).toMatch(new RegExp(`member ${k} failed`));
    expect(trials.some((t) => t.state === 'WAITING' || t.state === 'RUNNING')).toBe(false);
  }, 60_000);
});

describe('PBT when every member crashes', () => {
  it('ends instead of waiting for members that cannot go on, and says why', async () => {
    const storage = new MemoryStorage();
    const cfg = toyConfig('pbt', 6, { population: 3, perturbation_interval: 5, max_steps: 20, synch: true, max_retries: 1 });
    cfg.parameters.crash_at = { type: 'constant', value: 7 };
    cfg.parameters.crash_h0_above = { type: 'constant', value: -1 };
    const study = await makeStudy(storage, cfg);
    const warnings: string[] = [];
    await runStudy({ storage, study, backend: new CommandBackend(), reporter: { ...silentReporter, warn: (m: string) => warnings.push(m) } });
    const trials = await storage.getTrials(study.id);
    expect(trials.some((t) => t.state === 'WAITING' || t.state === 'RUNNING')).toBe(false);
    for (const k of [0, 1, 2]) expect(warnings.join('\n')).toMatch(new RegExp(`member ${k} failed .*(left out|replaced)`));
  }, 60_000);
});

describe('lineage and replay', () => {
  it("print the family tree and the winner's schedule; a replay of that schedule from scratch reaches the winner's score", async () => {
    const { runCli } = await import('../helpers/cli.js');
    const { tmpDir, writeFile } = await import('../helpers/fixtures.js');
    const dir = tmpDir();
    const cfg = writeFile(
      dir,
      'pbt.yaml',
      `name: toy\nprogram: ${TOY}\nmethod: pbt\nmetric: {name: q, goal: maximize}\nparallel: 2\nseed: 3\nparameters:\n  h0: {min: 0.0, max: 1.0}\n  h1: {min: 0.0, max: 1.0}\n  steps: {value: 40}\npbt: {population: 4, perturbation_interval: 5, max_steps: 40, quantile: 0.5}\n`,
    );
    const db = path.join(dir, 'st.db');
    expect((await runCli(['run', cfg, '--db', db, '--quiet'], { cwd: dir })).code).toBe(0);
    const j = JSON.parse((await runCli(['lineage', 'toy', '--db', db, '--json'], { cwd: dir })).stdout);
    expect(j.lineage.length).toBeGreaterThan(0);
    expect(j.members).toHaveLength(4);
    const best = Math.max(...j.members.map((m: { score: number }) => m.score));
    expect(j.winner.score).toBe(best);
    // the schedule covers steps 0 to 40 without gaps, and starts in another member when the winner exploited
    expect(j.schedule[0].from).toBe(0);
    expect(j.schedule.at(-1).to).toBe(40);
    for (let i = 1; i < j.schedule.length; i++) expect(j.schedule[i].from).toBe(j.schedule[i - 1].to);
    const plain = await runCli(['lineage', 'toy', '--db', db], { cwd: dir });
    expect(plain.stdout).toMatch(/winner: member \d \(q [\d.]+\); its schedule from step 0/);
    expect(plain.stdout).toMatch(/member \d ← member \d \(step \d+\)/);
    const replay = await runCli(['replay', 'toy', '--db', db, '--json'], { cwd: dir });
    expect(replay.code, replay.stderr).toBe(0);
    const out = JSON.parse(replay.stdout);
    expect(out.study).toBe(`toy-replay-${j.winner.member}`);
    expect(out.best.value).toBeCloseTo(j.winner.score, 10);
    expect((await runCli(['lineage', 'nope', '--db', db], { cwd: dir })).code).toBe(2);
  }, 60_000);
});
