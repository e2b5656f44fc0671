import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CommandBackend } from '../../src/backends/command.js';
import { validateStudyConfig } from '../../src/config/index.js';
import { ConfigError } from '../../src/core/errors.js';
import { runStudy } from '../../src/orchestrator/run-study.js';
import { trialDirFor } from '../../src/orchestrator/run-trial.js';
import { silentReporter } from '../../src/report/reporter.js';
import { MemoryStorage } from '../../src/storage/memory.js';
import { makeStudy, tmpDir, writeFile } from '../helpers/fixtures.js';

/**
 * A trainer in nanoGPT's habits: reads a data file and a helper relative to its working folder, writes
 * its checkpoint to `out/` (relative, the default), and checks, after a pause in which a parallel trial
 * would overwrite it, that the checkpoint is still its own.
 */
const TRAINER = `
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
const me = process.env.SCALETUNE_TRIAL_NUMBER;
const data = readFileSync('data/input.txt', 'utf8').trim();
const helper = readFileSync('configurator.txt', 'utf8').trim();
mkdirSync('out', { recursive: true });
writeFileSync('out/ckpt.txt', me);
await new Promise((r) => setTimeout(r, 400));
const still = readFileSync('out/ckpt.txt', 'utf8');
console.log(JSON.stringify({ cwd: process.cwd(), data, helper }));
console.log(JSON.stringify({ step: 1, loss: still === me ? 1 : 99, mine: still === me }));
`;

function studyFolder(): string {
  const dir = tmpDir('scaletune-workdir-');
  mkdirSync(path.join(dir, 'data'));
  writeFile(path.join(dir, 'data'), 'input.txt', 'tokens');
  writeFile(dir, 'configurator.txt', 'config');
  writeFile(dir, 'train.mjs', TRAINER);
  return dir;
}

function config(dir: string, workdir?: unknown) {
  return validateStudyConfig(
    { program: 'train.mjs', method: 'grid', metric: { name: 'loss' }, parameters: { x: { values: [1, 2, 3, 4] } }, parallel: 4, ...(workdir !== undefined ? { workdir } : {}) },
    { configDir: dir },
  );
}

describe('workdir: trial', () => {
  it('runs each trial in its own folder with the study folder reachable, so parallel trials never share a file', async () => {
    const dir = studyFolder();
    const storage = new MemoryStorage();
    const study = await makeStudy(storage, config(dir, 'trial'), 'own', dir);
    const end = await runStudy({ storage, study, backend: new CommandBackend(), reporter: silentReporter });
    expect(end.trials.map((t) => t.state)).toEqual(['COMPLETE', 'COMPLETE', 'COMPLETE', 'COMPLETE']);
    expect(end.trials.map((t) => t.value)).toEqual([1, 1, 1, 1]);
    for (const t of end.trials) {
      const own = trialDirFor(study, t.number);
      expect(readFileSync(path.join(own, 'out/ckpt.txt'), 'utf8')).toBe(String(t.number));
      expect(lstatSync(path.join(own, 'out')).isSymbolicLink()).toBe(false);
      expect(lstatSync(path.join(own, 'data')).isSymbolicLink()).toBe(true);
      // the runs root lies in the study folder: it is never linked into itself
      expect(readdirSync(own)).not.toContain('runs');
      const printed = (await storage.getMetrics(study.id, t.id)).length;
      expect(printed).toBeGreaterThan(0);
    }
    expect(existsSync(path.join(dir, 'out'))).toBe(false);
  });

  it('the default stays the study folder, where parallel trials overwrite one checkpoint', async () => {
    const dir = studyFolder();
    const storage = new MemoryStorage();
    const study = await makeStudy(storage, config(dir), 'shared', dir);
    const end = await runStudy({ storage, study, backend: new CommandBackend(), reporter: silentReporter });
    expect(existsSync(path.join(dir, 'out/ckpt.txt'))).toBe(true);
    expect(end.trials.some((t) => t.value === 99)).toBe(true);
  });

  it("an existing output folder of the study (nanoGPT's out/ from an earlier run) is not linked, and the trial's log says so", async () => {
    const dir = studyFolder();
    mkdirSync(path.join(dir, 'out'));
    writeFile(path.join(dir, 'out'), 'ckpt.txt', 'the user’s own checkpoint');
    const storage = new MemoryStorage();
    const study = await makeStudy(storage, config(dir, 'trial'), 'outlike', dir);
    const end = await runStudy({ storage, study, backend: new CommandBackend(), reporter: silentReporter });
    expect(end.trials.map((t) => t.value)).toEqual([1, 1, 1, 1]);
    expect(readFileSync(path.join(dir, 'out/ckpt.txt'), 'utf8')).toBe('the user’s own checkpoint');
    const log = (await storage.getLogs(end.trials[0]!.id)).map((l) => l.line).join('\n');
    expect(log).toMatch(/workdir: trial: out not linked into this trial's folder \(an output folder by its name, which every trial would share\).*link: \[out\]/);
  });

  it('link: links an output-like folder all the same, exclude keeps any entry out', async () => {
    const dir = studyFolder();
    mkdirSync(path.join(dir, 'out'));
    const storage = new MemoryStorage();
    const study = await makeStudy(storage, config(dir, { type: 'trial', link: ['out'], exclude: ['configurator.txt'] }), 'linked', dir);
    const end = await runStudy({ storage, study, backend: new CommandBackend(), reporter: silentReporter });
    // configurator.txt is not there: every trial fails reading it, and out/ is the study's own
    expect(end.trials.every((t) => t.state === 'FAIL' && /configurator\.txt/.test(t.error ?? ''))).toBe(true);
    expect(lstatSync(path.join(trialDirFor(study, 0), 'out')).isSymbolicLink()).toBe(true);
  });

  it('refuses what it cannot do, naming the field', () => {
    const issues = (raw: Record<string, unknown>): string => {
      try {
        validateStudyConfig({ method: 'random', parameters: { x: { min: 0, max: 1 } }, ...raw }, { forRun: false });
        return '';
      } catch (e) {
        return (e as ConfigError).issues.map((i) => `${i.path}: ${i.message}`).join('\n');
      }
    };
    expect(issues({ workdir: 'trials' })).toMatch(/^workdir: found "trials" \(a string\); allowed: study .* or trial/);
    expect(issues({ workdir: { type: 'trial', exclude: ['out/ckpt'] } })).toMatch(/^workdir.exclude: found a list of 1; allowed: a list of names/);
    expect(issues({ workdir: { type: 'trial', links: [] } })).toMatch(/^workdir.links: unknown key/);
    expect(issues({ workdir: { type: 'trial', link: ['out'], exclude: ['out'] } })).toMatch(/^workdir.link: out is also in workdir.exclude/);
    expect(issues({ workdir: 'trial', backend: { type: 'sim', law: 'chinchilla' } })).toMatch(/^workdir: not used by backend sim/m);
  });
});
