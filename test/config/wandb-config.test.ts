/** `wandb:` in study configs: stand-in or off, and only for a backend that launches the trainer. */
import Ajv2020 from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { studyConfigSchema, validateStudyConfig } from '../../src/config/index.js';
import { expectConfigRefused } from '../helpers/refused.js';

const BASE = { method: 'random', parameters: { lr: { value: 0.1 } } };
const validate = (raw: Record<string, unknown>) => validateStudyConfig({ ...BASE, ...raw }, { forRun: false });

describe('wandb: in a study config', () => {
  it('stand-in is kept; off, false and absent mean no stand-in', () => {
    expect(validate({ wandb: 'stand-in' }).wandb).toBe('stand-in');
    for (const off of [{ wandb: 'off' }, { wandb: false }, {}]) expect(validate(off)).not.toHaveProperty('wandb');
  });

  it('anything else is refused, naming the key and the allowed values', async () => {
    await expectConfigRefused('program: train.mjs\nmethod: random\nparameters: {a: {value: 1}}\nwandb: real\n', ['wandb: found "real"', 'allowed: stand-in, off']);
    expect(() => validate({ wandb: true })).toThrow(/wandb: found true.*allowed: stand-in, off/);
  });

  it('is refused with a backend that runs in-process', async () => {
    for (const type of ['tfjs', 'sim']) {
      expect(() => validate({ backend: { type }, wandb: 'stand-in' })).toThrow(`wandb: found "stand-in", but backend ${type} runs its own training and launches no program of yours; allowed: off, or backend: command`);
      expect(validate({ backend: { type }, wandb: 'off' })).not.toHaveProperty('wandb');
    }
  });

  it('the JSON Schema agrees', () => {
    const check = new Ajv2020.default({ strict: false }).compile(studyConfigSchema());
    for (const v of ['stand-in', 'off', false]) expect(check({ ...BASE, wandb: v }), JSON.stringify(check.errors)).toBe(true);
    for (const v of ['real', true, 1]) expect(check({ ...BASE, wandb: v })).toBe(false);
  });
});
