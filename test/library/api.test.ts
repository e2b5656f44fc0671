/**
 * The library the way a TypeScript user meets it: everything from the package's entry point, a real
 * SQLite file, the fixture trainer through the command backend, then laws, predictions and reports.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  buildReport,
  createStudy,
  EXIT,
  exitCodeOf,
  fitLaw,
  keepFit,
  loadStudyConfig,
  openStorage,
  parameterImportance,
  predict,
  REPORT_SCHEMA_ID,
  resumeStudy,
  summarizeLadder,
  UsageError,
  validateStudyConfig,
  type Storage,
  type StudyOutcome,
} from '../../src/index.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const TRAINER = path.join(ROOT, 'fixtures/trainers/quadratic.mjs');

/** The trainer's last reported loss at learning rate lr (see fixtures/trainers/quadratic.mjs). */
const quadraticLoss = (lr: number): number => 2 + 0.5 * (Math.log10(lr) - Math.log10(3e-3)) ** 2 + 3 * Math.exp(-5);

describe('the library API', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'scaletune-api-'));
  const db = path.join(dir, 'studies.db');
  const storage: Storage = openStorage(db, { create: true });
  afterAll(() => storage.close());

  const grid = validateStudyConfig({
    name: 'quad',
    program: TRAINER,
    method: 'grid',
    metric: { name: 'loss', goal: 'minimize' },
    parameters: { lr: { values: [0.0003, 0.003, 0.03] }, steps: { value: 3 }, step_ms: { value: 1 } },
  });
  let outcome: StudyOutcome;

  it('creates a study from a config object in a SQLite file, and makes a taken name unique', async () => {
    const { study, note } = await createStudy(storage, grid, { cwd: dir });
    expect(existsSync(db)).toBe(true);
    expect(study.name).toBe('quad');
    expect(note).toBeNull();
    // trial folders go beside the database unless told otherwise
    expect(study.artifactsDir).toBe(path.join(dir, 'scaletune-runs', 'quad'));
    const again = await createStudy(storage, grid, { cwd: dir });
    expect(again.study.name).toBe('quad-2');
    expect(again.note).toContain("study 'quad' already exists");
    await expect(createStudy(storage, grid, { cwd: dir, name: 'quad' })).rejects.toThrow(UsageError);
  });

  it('runs a study to its end and returns the outcome: counts by state, the best trial, why it ended', async () => {
    outcome = await resumeStudy(storage, 'quad');
    expect(outcome.interrupted).toBe(false);
    expect(outcome.reason).toBe('exhausted');
    expect(outcome.counts).toMatchObject({ COMPLETE: 3, FAIL: 0, WAITING: 0, RUNNING: 0 });
    expect(outcome.best?.params.lr).toBe(0.003);
    expect(outcome.best?.value).toBeCloseTo(quadraticLoss(0.003), 6);
    expect(exitCodeOf(outcome)).toBe(EXIT.OK);
  });

  it('says through the outcome when every trial failed', async () => {
    const crashing = validateStudyConfig({ ...rawGrid(), name: 'crashing', parameters: { lr: { values: [0.003] }, steps: { value: 2 }, mode: { value: 'crash' }, fail_at: { value: 1 } } });
    const { study } = await createStudy(storage, crashing, { cwd: dir });
    const failed = await resumeStudy(storage, study);
    expect(failed.counts).toMatchObject({ COMPLETE: 0, FAIL: 1 });
    expect(failed.best).toBeNull();
    expect(exitCodeOf(failed)).toBe(EXIT.ALL_FAILED);
  });

  it('fits a law to a study’s completed trials: one row per trial, its value and parameters as columns', async () => {
    const all = await fitLaw('power', { study: 'quad', storage }, { map: ['excess=value-2'], x: ['lr'], y: 'excess' });
    expect(all.points.map((p) => p.lr).sort((a, b) => a - b)).toEqual([0.0003, 0.003, 0.03]);
    expect(all.points.find((p) => p.lr === 0.003)?.excess).toBeCloseTo(quadraticLoss(0.003) - 2, 6);
    expect(all.studyId).toBe(outcome.study.id);
  });

  it('fits a power law to rows, keeps the fit and predicts with it, newest first', async () => {
    const rows = [1e18, 1e19, 1e20, 1e21].map((C) => ({ C, N: 0.1 * C ** 0.5 }));
    const fit = await fitLaw('power', { rows, label: 'compute-optimal sizes' }, { x: ['C'], y: 'N' });
    expect(fit.result.params.C).toBeCloseTo(0.5, 6);
    expect(fit.result.params.a).toBeCloseTo(0.1, 6);
    const id = await keepFit(storage, fit);
    const p = await predict(storage, 'power', { C: 1e24 });
    expect(p.fit.id).toBe(id);
    expect(p.value.N! / (0.1 * 1e12) - 1).toBeCloseTo(0, 6);
    await expect(predict(storage, 'power', {})).rejects.toThrow(/missing --C/);
    await expect(predict(storage, 'chinchilla', { N: 1, D: 1 })).rejects.toThrow(/no chinchilla fit/);
  });

  it('builds the report model every renderer draws', async () => {
    const study = outcome.study;
    const model = buildReport({ study, trials: await storage.getTrials(study.id), metrics: await storage.getMetrics(study.id), lineage: await storage.getLineage(study.id) });
    expect(model.schema).toBe(REPORT_SCHEMA_ID);
    expect(model.study.counts).toEqual({ complete: 3 });
    expect(model.best?.params.lr).toBe(0.003);
    expect(model.history.map((h) => h.number)).toEqual([0, 1, 2]);
    expect(model.ladder).toBeNull();
    // three trials are too few for either method to say what mattered
    expect(model.importance).toBeNull();
    expect(parameterImportance(await storage.getTrials(study.id), study.config.parameters, 'minimize', { method: 'ped-anova' })).toBeNull();
  });

  it('runs a simulated ladder and summarizes it: every scale searched, laws fitted, the target predicted', async () => {
    const config = { ...loadStudyConfig(path.join(ROOT, 'fixtures/studies/ladder-sim.yaml')), runCap: 10, transfer: 'none' as const };
    const { study } = await createStudy(storage, config, { cwd: dir });
    const end = await resumeStudy(storage, study);
    // the simulator diverges at the largest learning rates, as real runs do: those trials fail
    // every scale's 10 runs, and the verify run the fixture asks for
    expect(end.counts.COMPLETE + end.counts.FAIL).toBe(config.scales!.length * 10 + 1);
    expect(end.counts.COMPLETE).toBeGreaterThan(end.counts.FAIL);
    const summary = summarizeLadder({ config: study.config, trials: end.trials, metrics: await storage.getMetrics(study.id), seed: study.seed });
    expect(summary.scales.map((s) => s.name)).toEqual(config.scales!.map((s) => s.name));
    expect(summary.scales.every((s) => s.done && s.best !== null)).toBe(true);
    expect(summary.target?.name).toBe('70B');
    expect(summary.laws.lr?.params.a).toBeGreaterThan(0);
    expect(summary.prediction?.lr?.value).toBeGreaterThan(0);
    // the simulator's lr* falls with size: so must the law's
    expect(summary.prediction!.lr!.value).toBeLessThan(summary.scales[0]!.optimum!.lr);
    // the fixture asks for a verify run at the target: resumeStudy makes it, as `run` does, and returns the summary with it
    expect(end.ladder?.verify).toHaveLength(1);
    expect(end.ladder!.verify[0]).toMatchObject({ at: 'target', scale: '70B', state: 'COMPLETE' });
    expect(end.ladder!.summary.prediction!.lr!.value).toBeCloseTo(summary.prediction!.lr!.value, 10);
    expect(end.trials.filter((t) => t.scale?.role === 'verify')).toHaveLength(1);
  }, 120_000);

  function rawGrid(): Record<string, unknown> {
    return { program: TRAINER, method: 'grid', metric: { name: 'loss', goal: 'minimize' } };
  }
});
