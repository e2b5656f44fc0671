import { describe, expect, it } from 'vitest';
import { validateStudyConfig } from '../../../src/config/index.js';
import { ConfigError } from '../../../src/core/errors.js';
import { resolveRunSettings, type TfjsBackendConfig } from '../../../src/backends/tfjs/settings.js';
import { modelSpec } from '../../../src/backends/tfjs/model-spec.js';
import { tmpDir, writeFile } from '../../helpers/fixtures.js';

const good = {
  method: 'random',
  metric: { name: 'val_loss', goal: 'minimize' },
  parameters: { lr: { distribution: 'log_uniform_values', min: 1e-3, max: 1e-1 }, width: { values: [16, 32] } },
  backend: { type: 'tfjs', task: 'synthetic-lm', data: { vocab: 16, order: 2 }, model: { depth: 1, heads: 2 }, train: { steps: 20 } },
};

function issuesOf(raw: unknown): string[] {
  try {
    validateStudyConfig(raw, { file: 'study.yaml' });
  } catch (e) {
    if (e instanceof ConfigError) return e.issues.map((i) => `${i.path}: ${i.message}`);
    throw e;
  }
  return [];
}

describe('backend: {type: tfjs} in a study config', () => {
  it('accepts a study without a program and keeps its settings', () => {
    const c = validateStudyConfig(good, { file: 'study.yaml' });
    expect(c.backend.type).toBe('tfjs');
    const b = c.backend as TfjsBackendConfig;
    expect(b.data).toEqual({ vocab: 16, order: 2, branching: 4, mix: 0.02, seed: 0 });
    expect(b.settings).toEqual({ depth: 1, heads: 2, steps: 20 });
  });

  it.each([
    [{ ...good, parameters: { learning_rate: { values: [0.1] } } }, /parameters\.learning_rate: not a setting of the tfjs backend; allowed parameter names: arch, width/],
    [{ ...good, parameters: { width: { distribution: 'uniform', min: 16, max: 64 } } }, /parameters\.width: distribution uniform gives fractional numbers, but width takes a whole number/],
    [{ ...good, parameters: { mup: { distribution: 'uniform', min: 0, max: 1 } } }, /parameters\.mup: distribution uniform gives numbers, but mup takes true or false/],
    [{ ...good, parameters: { schedule: { values: ['cosine', 'linear'] } } }, /parameters\.schedule: value "linear" is not allowed for the tfjs setting schedule; allowed: constant, cosine, wsd, power/],
    [{ ...good, parameters: { beta2: { distribution: 'uniform', min: 0.9, max: 1.5 } } }, /parameters\.beta2: range 0\.9 to 1\.5 leaves what beta2 allows/],
    [{ ...good, parameters: { steps: { value: 10 } } }, /parameters\.steps: also set in backend\.train\.steps/],
    [{ ...good, backend: { ...good.backend, model: { widht: 3 } } }, /backend\.model\.widht: unknown model setting; allowed: arch, width/],
    [{ ...good, backend: { ...good.backend, model: { lr: 3 } } }, /backend\.model\.lr: unknown model setting \(lr belongs under backend\.train\)/],
    [{ ...good, backend: { ...good.backend, train: { batch_size: 0 } } }, /backend\.train\.batch_size: found 0; allowed: a whole number from 1 to 1000000/],
    [{ ...good, backend: { ...good.backend, task: 'image' } }, /backend\.task: found "image"; allowed: synthetic-lm, text-lm/],
    [{ ...good, backend: { ...good.backend, runtime: 'gpu' } }, /backend\.runtime: found "gpu"; allowed: auto, tensorflow, wasm, cpu/],
    [{ ...good, backend: { ...good.backend, data: { vocab: 16, branching: 40 } } }, /backend\.data\.branching: found 40; allowed: at most vocab \(16\)/],
    [{ ...good, backend: { ...good.backend, data: { vocab: 300, order: 3 } } }, /backend\.data: vocab\^\(order\+1\) = 300\^4 is over/],
    [{ ...good, backend: { ...good.backend, task: 'text-lm', data: {} } }, /backend\.data\.corpus: missing; allowed: the path of a UTF-8 text file/],
    [{ ...good, backend: { ...good.backend, task: 'text-lm', data: { corpus: 'nope.txt' } } }, /backend\.data\.corpus: found "nope\.txt", but .*nope\.txt does not exist/],
    [{ ...good, parameters: { width: { value: 30 } }, backend: { ...good.backend, model: { heads: 4 } } }, /backend: width 30 is not a multiple of heads 4/],
    [{ ...good, backend: { ...good.backend, colour: 'red' } }, /backend\.colour: unknown key; allowed for backend tfjs: type, task, runtime, data, model, train/],
  ])('refuses a bad tfjs config (%#) naming the field', (raw, pattern) => {
    const issues = issuesOf(raw);
    expect(issues.join('\n')).toMatch(pattern);
  });

  it('resolves a text-lm corpus against the config folder', () => {
    const dir = tmpDir();
    writeFile(dir, 'tiny.txt', 'hello world');
    const c = validateStudyConfig({ ...good, backend: { type: 'tfjs', task: 'text-lm', data: { corpus: 'tiny.txt' } } }, { file: 'x.yaml', configDir: dir });
    expect((c.backend as TfjsBackendConfig).data).toMatchObject({ corpus: `${dir}/tiny.txt`, valFraction: 0.1 });
  });
});

describe('resolveRunSettings', () => {
  const cfg = validateStudyConfig(good).backend as TfjsBackendConfig;
  it('applies defaults, then the config, then the parameters; tokens set the steps', () => {
    const s = resolveRunSettings(cfg, { lr: 0.02, width: 32 }, 16);
    expect(s).toMatchObject({ lr: 0.02, width: 32, depth: 1, heads: 2, steps: 20, batchSize: 16, seqLen: 64, warmupSteps: 1, evalEvery: 5, checkpointEvery: 5 });
    expect(s.divergeLoss).toBeCloseTo(2 * Math.log(16), 12);
    const byTokens = resolveRunSettings({ ...cfg, settings: { ...cfg.settings, tokens: 10_000 } }, { lr: 0.02, width: 32 }, 16);
    expect(byTokens.steps).toBe(Math.ceil(10_000 / (16 * 64)));
  });
  it('refuses a sampled value the run cannot take', () => {
    expect(() => resolveRunSettings(cfg, { lr: 0.02, width: 31 }, 16)).toThrow(/width 31 is not a multiple of heads 2/);
    expect(() => resolveRunSettings(cfg, { lr: -1, width: 32 }, 16)).toThrow(/parameter lr = -1 is not allowed/);
  });
});

describe('modelSpec (accounting and muP)', () => {
  const shape = { arch: 'transformer' as const, width: 64, depth: 2, heads: 4, seqLen: 32, mlpRatio: 4, window: 8, mup: false, baseWidth: 64, initStd: 1 };
  it('counts 12·depth·width² non-embedding weights (plus gains) and 6N + readout + attention FLOPs', () => {
    const s = modelSpec(shape, 50);
    expect(s.nonEmbedding).toBe(12 * 2 * 64 * 64 + 2 * 2 * 64 + 64);
    expect(s.total).toBe(s.nonEmbedding + 50 * 64 + 32 * 64 + 64 * 50);
    expect(s.flopsPerToken).toBe(6 * (12 * 2 * 64 * 64 + 64 * 50) + 12 * 2 * 32 * 64);
  });
  it('muP: hidden learning rates divided by the width multiplier, output scaled by 1/m, attention by 1/d_head; identical at the base width', () => {
    const base = modelSpec({ ...shape, mup: true }, 50);
    const sp = modelSpec(shape, 50);
    expect(base.weights).toEqual(sp.weights);
    expect(base.attnScale).toBeCloseTo(sp.attnScale, 12);
    const wide = modelSpec({ ...shape, width: 256, mup: true }, 50);
    const lr = Object.fromEntries(wide.weights.map((w) => [w.name, w.lrMult]));
    expect(lr['h0.qkv']).toBe(0.25);
    expect(lr['tok_emb']).toBe(1);
    expect(lr['h0.ln1']).toBe(1);
    expect(lr['readout']).toBe(1);
    expect(wide.outputMult).toBe(0.25);
    expect(wide.attnScale).toBeCloseTo(Math.sqrt(16) / 64, 12);
  });
});
