/** LLAMBO's pure parts: prompts, the target score, strict reading of answers. */
import { describe, expect, it } from 'vitest';
import { validateStudyConfig } from '../../src/config/index.js';
import { Rng } from '../../src/core/rng.js';
import { candidatePrompt, describeParameter, expectedImprovement, parseCandidates, parseScore, targetScore, warmStartPrompt } from '../../searchers/llambo/index.js';
import { loadTemplates, proxyScale, templatesDir } from '../../src/llm/searcher.js';

const cfg = validateStudyConfig({
  method: 'random',
  parameters: {
    lr: { distribution: 'log_uniform_values', min: 1e-4, max: 1e-1 },
    depth: { distribution: 'int_uniform', min: 2, max: 12 },
    opt: { values: ['adam', 'sgd'] },
    dropout: { distribution: 'uniform', min: 0.0, max: 0.5 },
    steps: { value: 100 },
  },
}, { forRun: false });
const space = cfg.parameters;
const T = loadTemplates(templatesDir({ templates: null } as never));
const text = { space, metric: 'val_loss', goal: 'minimize' as const, task: 'A 12-layer transformer on web text.' };

describe('LLAMBO prompts', () => {
  it('serialise the task, the metric and every searched parameter with its range, type and scale', () => {
    const [sys, user] = warmStartPrompt(T, text, 5);
    expect(sys!.content).toContain('A 12-layer transformer on web text.');
    expect(sys!.content).toContain('judged by val_loss, which should be as low as possible');
    expect(sys!.content).toContain('- lr: float from 0.0001 to 0.1, log scale');
    expect(sys!.content).toContain('- depth: integer from 2 to 12');
    expect(sys!.content).toContain('- opt: one of "adam", "sgd"');
    expect(sys!.content).not.toContain('steps'); // constants are not asked for
    expect(user!.content).toMatch(/Propose 5 diverse configurations/);
    const scaled = warmStartPrompt(T, { ...text, scale: 'simulated language-model runs of 1.00e+8 non-embedding parameters' }, 5)[0]!.content;
    expect(scaled).toContain('The runs are small proxy runs: simulated language-model runs of 1.00e+8 non-embedding parameters.');
    expect(proxyScale(validateStudyConfig({ method: 'random', metric: { name: 'loss' }, parameters: { lr: { value: 0.001 } }, backend: { type: 'sim', params: 1e8, tokens: 2e9 } }))).toBe('simulated language-model runs of 1.00e+8 non-embedding parameters trained on 2.00e+9 tokens');
    expect(describeParameter('q', { type: 'q_log_uniform_values', min: 16, max: 1024, q: 16 })).toBe('q: multiple of 16 from 16 to 1024, log scale');
  });

  it('candidate prompts aim at f* = best − α·range, with shuffled examples that differ by seed', () => {
    const history = [0, 1, 2, 3, 4].map((i) => ({ number: i, state: 'COMPLETE' as const, params: { lr: 0.001 * (i + 1), depth: 4, opt: 'adam', dropout: 0.1, steps: 100 }, value: 3 - 0.1 * i }));
    expect(targetScore([3, 2.6, 2.8], 'minimize', 0.1)).toBeCloseTo(2.56, 12);
    expect(targetScore([0.7, 0.9], 'maximize', 0.5)).toBeCloseTo(1.0, 12);
    const a = candidatePrompt(T, text, history, 2.56, 4, new Rng(1))[1]!.content;
    const b = candidatePrompt(T, text, history, 2.56, 4, new Rng(2))[1]!.content;
    expect(a).toContain('reach a val_loss of\nabout 2.56');
    expect(a.split('\n').filter((l) => l.includes('-> val_loss')).sort()).toEqual(b.split('\n').filter((l) => l.includes('-> val_loss')).sort());
    expect(a).not.toBe(b);
  });
});

describe('reading answers strictly', () => {
  it('finds configurations in prose, code fences and ## key: value ## lines, and coerces types', () => {
    const r = parseCandidates('Here you go:\n```json\n{"lr": 0.01, "depth": 6.0, "opt": "sgd", "dropout": "0.2"}\n```\nOr: ## lr: 0.001, depth: 3, opt: adam, dropout: 0 ##', space);
    expect(r.valid).toEqual([
      { lr: 0.01, depth: 6, opt: 'sgd', dropout: 0.2, steps: 100 },
      { lr: 0.001, depth: 3, opt: 'adam', dropout: 0, steps: 100 },
    ]);
    expect(r.rejected).toEqual([]);
  });

  it('refuses what does not fit, with the reason', () => {
    const r = parseCandidates(['{"lr": 0.01, "depth": 6.5, "opt": "sgd", "dropout": 0.1}', '{"lr": 0.01, "depth": 6, "opt": "rmsprop", "dropout": 0.1}', '{"lr": 0.01, "depth": 6, "opt": "sgd"}', '{"lr": 0.01, "depth": 6, "opt": "sgd", "dropout": 0.9}', '{"lr": 0.01, "depth": 6, "opt": "sgd", "dropout": 0.1', '[1, 2]'].join('\n'), space);
    expect(r.valid).toEqual([]);
    expect(r.rejected.map((x) => x.why)).toEqual(['depth = 6.5 is not a whole number', 'opt = "rmsprop" is not one of its values', 'dropout missing', 'dropout = 0.9 is outside its range (dropout: float from 0 to 0.5)']);
    expect(parseCandidates('nothing here', space).rejected[0]!.why).toMatch(/no configuration found/);
  });

  it('drops duplicates of the history and of each other', () => {
    const one = '{"lr": 0.01, "depth": 6, "opt": "sgd", "dropout": 0.1}';
    const r = parseCandidates(`${one}\n${one}`, space, new Set());
    expect(r.valid).toHaveLength(1);
    expect(r.rejected.map((x) => x.why)).toEqual(['a duplicate of a configuration already tried or proposed']);
  });

  it('scores and expected improvement for the LLM-as-surrogate', () => {
    expect(parseScore('I would expect about 2.35 (give or take)')).toBe(2.35);
    expect(parseScore('no idea')).toBeNull();
    expect(expectedImprovement(2, 0, 2.5)).toBeCloseTo(0.5, 12);
    expect(expectedImprovement(2.5, 0.1, 2.5)).toBeCloseTo(0.1 / Math.sqrt(2 * Math.PI), 6);
  });
});
