import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { validateStudyConfig, type StudyConfig } from '../../src/config/index.js';
import type { Storage, StudyRecord } from '../../src/storage/types.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const TRAINER = path.join(ROOT, 'fixtures/trainers/quadratic.mjs');
export const BIN = path.join(ROOT, 'bin/scaletune.js');

export function tmpDir(prefix = 'scaletune-test-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function writeFile(dir: string, name: string, text: string): string {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
}

/** A validated config for the fixture trainer, with overrides in the YAML vocabulary. */
export function trainerConfig(raw: Record<string, unknown> = {}): StudyConfig {
  return validateStudyConfig(
    {
      program: TRAINER,
      method: 'random',
      metric: { name: 'loss', goal: 'minimize' },
      parameters: { lr: { distribution: 'log_uniform_values', min: 1e-4, max: 1e-1 }, steps: { value: 5 }, step_ms: { value: 5 } },
      run_cap: 4,
      seed: 1,
      ...raw,
    },
    { configDir: ROOT },
  );
}

export async function makeStudy(storage: Storage, config: StudyConfig, name = 'study', dir = tmpDir()): Promise<StudyRecord> {
  return storage.createStudy({ name, config, seed: config.seed ?? 0, cwd: dir, artifactsDir: path.join(dir, 'runs', name) });
}
