/** One seeded table for every searcher, built through the method registry: the same contract, the same checks. */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateStudyConfig } from '../../src/config/index.js';
import { contains, toUnit, type Distribution, type SearchSpace } from '../../src/core/distributions.js';
import { Rng } from '../../src/core/rng.js';
import { METHOD_NAMES, METHODS, type ClaimSearcher, type Method, type MethodEntry } from '../../src/registry/methods.js';
import { MemoryStorage } from '../../src/storage/memory.js';
import { SEARCHERS } from '../../searchers/index.js';
import { SobolSequence } from '../../searchers/sobol.js';
import type { HistoryTrial } from '../../searchers/types.js';
import { makeStudy, TRAINER } from '../helpers/fixtures.js';
import { startLlmServer, type ScriptedServer } from '../helpers/llm-server.js';

const SPACE: SearchSpace = {
  lr: { type: 'log_uniform_values', min: 1e-4, max: 1e-1 },
  batch_size: { type: 'categorical', values: [16, 32, 64, 128] },
  layers: { type: 'int_uniform', min: 2, max: 4 },
  warmup: { type: 'q_uniform', min: 0, max: 0.2, q: 0.05 },
  opt: { type: 'constant', value: 'adamw' },
};
const GRID_SPACE: SearchSpace = { batch_size: SPACE.batch_size!, layers: SPACE.layers!, opt: SPACE.opt! };

const asHistory = (ps: { params: HistoryTrial['params'] }[]): HistoryTrial[] => ps.map((p, i) => ({ number: i, state: 'COMPLETE', params: p.params, value: i }));

/**
 * Method llm's searcher, run against a loopback OpenAI-compatible server that answers like a
 * deterministic model: the same request, the same candidates (drawn inside the space from a hash of the
 * request), plus two the searcher must refuse (an lr out of range, an unknown batch size).
 */
let llm: ScriptedServer;
beforeAll(async () => {
  llm = await startLlmServer();
  llm.script((req) => {
    const rng = new Rng(Number.parseInt(createHash('sha256').update(JSON.stringify(req.body.messages)).digest('hex').slice(0, 8), 16));
    const lines = Array.from({ length: 12 }, () => JSON.stringify({ lr: 10 ** (-4 + 3 * rng.next()), batch_size: [16, 32, 64, 128][rng.int(0, 3)], layers: rng.int(2, 4), warmup: 0.05 * rng.int(0, 4) }));
    return { content: [JSON.stringify({ lr: 3, batch_size: 64, layers: 2, warmup: 0 }), JSON.stringify({ lr: 0.01, batch_size: 48, layers: 2, warmup: 0 }), ...lines].join('\n') };
  });
});
afterAll(() => llm.close());

const built = new Map<ClaimSearcher, { storage: MemoryStorage; studyId: number }>();

async function makeSearcher(method: Method, space: SearchSpace, seed: number): Promise<ClaimSearcher> {
  const config = validateStudyConfig({
    program: TRAINER,
    method,
    metric: { name: 'loss', goal: 'minimize' },
    parameters: Object.fromEntries(Object.entries(space).map(([k, d]) => [k, asConfig(d)])),
    seed,
    ...(method === 'llm' ? { llm: { base_url: llm.url, model: 'deterministic', initial: 8, retries: 0, timeout: 5 } } : {}),
  });
  const storage = new MemoryStorage();
  const study = await makeStudy(storage, config);
  const searcher = await METHODS[method].searcher!({ context: { space, seed, goal: 'minimize' }, storage, study, env: {} });
  built.set(searcher, { storage, studyId: study.id });
  return searcher;
}

/** A distribution back in the config's words, so that each searcher is built as a study would build it. */
function asConfig(d: Distribution): Record<string, unknown> {
  const { type, ...rest } = d;
  return { distribution: type, ...rest };
}

// every method that proposes through a searcher, the real class each time
const TABLE = METHOD_NAMES.filter((m) => (METHODS[m] as MethodEntry).searcher).map((m) => [m, METHODS[m].capabilities.walksGrid ? GRID_SPACE : SPACE] as const);

describe.each(TABLE)('searcher %s', (method, space) => {
  const make = (seed: number): Promise<ClaimSearcher> => makeSearcher(method, space, seed);
  const suggest = async (seed: number, history: HistoryTrial[], n: number) => (await make(seed)).suggest(history, n);

  it('same seed, same proposals', async () => {
    expect(await suggest(11, [], 6)).toEqual(await suggest(11, [], 6));
  });

  it('proposes only values inside the space, for every parameter', async () => {
    for (const p of await suggest(3, [], 12)) {
      expect(Object.keys(p.params).sort()).toEqual(Object.keys(space).sort());
      for (const [k, d] of Object.entries(space)) expect(contains(d, p.params[k]!)).toBe(true);
    }
  });

  it('continues the same sequence after a resume (history-based, no hidden state)', async () => {
    const all = await suggest(5, [], 6);
    const first = await suggest(5, [], 3);
    const rest = await suggest(5, asHistory(first), 3);
    expect([...first, ...rest]).toEqual(all);
  });

  if (METHODS[method].capabilities.parallelProposals) {
    it('returns n distinct proposals for parallel workers', async () => {
      const ps = (await suggest(9, [], 8)).map((p) => JSON.stringify(p.params));
      expect(new Set(ps).size).toBe(8);
    });
  }

  // a grid has one order; an LLM's zero-shot warm start is its answer to a prompt without examples, the same for every seed
  if (!METHODS[method].capabilities.walksGrid && !METHODS[method].capabilities.asyncProposals) {
    it('another seed, other proposals', async () => {
      expect(await suggest(1, [], 4)).not.toEqual(await suggest(2, [], 4));
    });
  }
});

/**
 * W&B's inverse log-uniform and beta distributions through every searcher (llm aside: its scripted
 * model answers for SPACE), each proposal checked against its domain.
 */
const LATER_SPACE: SearchSpace = {
  decay: { type: 'inv_log_uniform', min: 1, max: 6 },
  lr: { type: 'inv_log_uniform_values', min: 1e-5, max: 1e-2 },
  mix: { type: 'beta', a: 0.5, b: 2 },
  dropout: { type: 'q_beta', a: 2, b: 5, q: 0.05 },
};
const LATER_TABLE = TABLE.filter(([m]) => !METHODS[m].capabilities.asyncProposals).map(([m]) => [m, METHODS[m].capabilities.walksGrid ? { dropout: LATER_SPACE.dropout!, opt: SPACE.opt! } : LATER_SPACE] as const);

describe.each(LATER_TABLE)('searcher %s over inv_log_uniform, inv_log_uniform_values, beta and q_beta', (method, space) => {
  it('proposes values inside each domain, the same for the same seed', async () => {
    const ps = await (await makeSearcher(method, space, 7)).suggest([], 10);
    expect(ps.length).toBeGreaterThan(0);
    for (const p of ps) for (const [k, d] of Object.entries(space)) expect(contains(d, p.params[k]!)).toBe(true);
    expect(await (await makeSearcher(method, space, 7)).suggest([], 10)).toEqual(ps);
  });

  it('proposes inside each domain after a history', async () => {
    const s = await makeSearcher(method, space, 8);
    const first = await s.suggest([], 6);
    const next = await s.suggest(asHistory(first), 4);
    for (const p of next) for (const [k, d] of Object.entries(space)) expect(contains(d, p.params[k]!)).toBe(true);
  });
});

describe('searcher llm in the table', () => {
  it('proposes what the model answered, refusing what lies outside the space, without falling back', async () => {
    const s = await makeSearcher('llm', SPACE, 4);
    const before = llm.received.length;
    const ps = await s.suggest([], 3);
    expect(llm.received.length).toBe(before + 1);
    const { storage, studyId } = built.get(s)!;
    const events = await storage.getEvents(studyId);
    expect(events.filter((e) => e.kind === 'llm_fallback')).toEqual([]);
    expect(events.find((e) => e.kind === 'llm_rejected')?.detail?.reasons).toHaveLength(2);
    expect(ps.map((p) => p.params.lr).every((lr) => typeof lr === 'number' && lr < 0.1)).toBe(true);
  });
});

describe('grid (W&B semantics)', () => {
  const grid = SEARCHERS.grid({ space: GRID_SPACE, seed: 0 });
  it('walks every combination once, last parameter fastest, then is exhausted', () => {
    const all = grid.suggest([], 100);
    expect(all.length).toBe(12);
    expect(all.slice(0, 4).map((p) => [p.params.batch_size, p.params.layers])).toEqual([
      [16, 2],
      [16, 3],
      [16, 4],
      [32, 2],
    ]);
    expect(grid.suggest(asHistory(all), 1)).toEqual([]);
  });
  it('gives a STALE point out again, and skips points other workers hold', () => {
    const all = grid.suggest([], 12);
    const history = asHistory(all.slice(0, 3));
    history[1]!.state = 'STALE';
    history[2]!.state = 'RUNNING';
    expect(grid.suggest(history, 2).map((p) => p.params)).toEqual([all[1]!.params, all[3]!.params]);
  });
});

describe('sobol', () => {
  it('is the Sobol sequence (Joe-Kuo directions) before scrambling', () => {
    const s = new SobolSequence(3, 0, false);
    expect([0, 1, 2, 3, 4].map((k) => s.point(k))).toEqual([
      [0, 0, 0],
      [0.5, 0.5, 0.5],
      [0.75, 0.25, 0.25],
      [0.25, 0.75, 0.75],
      [0.375, 0.375, 0.625],
    ]);
  });

  it('scrambled, every 2^k block still fills each of the 2^k strata once per dimension', () => {
    const s = new SobolSequence(32, 123);
    const pts = Array.from({ length: 256 }, (_, k) => s.point(k));
    for (let d = 0; d < 32; d++) expect(new Set(pts.map((p) => Math.floor(p[d]! * 256))).size).toBe(256);
  });

  it('covers a log-scale learning rate evenly in log space (better than random)', () => {
    const strata = (m: 'sobol' | 'random'): number => {
      const ps = SEARCHERS[m]({ space: { lr: SPACE.lr! }, seed: 4 }).suggest([], 32);
      return new Set(ps.map((p) => Math.floor(toUnit(SPACE.lr!, p.params.lr!) * 32))).size;
    };
    expect(strata('sobol')).toBe(32);
    expect(strata('random')).toBeLessThan(32);
  });
});

/**
 * Every method that takes a list of objectives and constraints, on a seeded two-objective problem with
 * a constraint: proposals inside the space, the same for the same seed, and the same sequence after a
 * resume; bayes in both of its multi-objective modes.
 */
const MO_TABLE = [
  ...METHOD_NAMES.filter((m) => (METHODS[m] as MethodEntry).searcher && METHODS[m].capabilities.refusesObjectives === null && m !== 'bayes').map((m) => [m, {}] as const),
  ['bayes', { multiObjective: 'ehvi' }] as const,
  ['bayes', { multiObjective: 'parego' }] as const,
];
const MO_SPACE: SearchSpace = { lr: SPACE.lr!, layers: SPACE.layers!, batch_size: SPACE.batch_size! };
const MO_GRID_SPACE: SearchSpace = { lr: { type: 'categorical', values: [1e-3, 3e-3, 1e-2] }, layers: SPACE.layers!, batch_size: SPACE.batch_size! };
const OBJECTIVES = [{ name: 'loss', goal: 'minimize' as const }, { name: 'size', goal: 'minimize' as const }];
const CONSTRAINTS = [{ name: 'mem', max: 300 }];

/** A trial as the problem scores it: loss falls with layers, size grows with them, mem with batch and layers. */
function moTrial(number: number, params: HistoryTrial['params']): HistoryTrial {
  const lr = params.lr as number;
  const layers = params.layers as number;
  const batch = params.batch_size as number;
  const loss = (Math.log10(lr) + 2.5) ** 2 + 3 / layers;
  const values = { loss, size: layers * 1e6, mem: batch * layers };
  return { number, state: 'COMPLETE', params, value: loss, values, infeasible: values.mem > 300 ? `mem = ${values.mem} is above its max 300` : null };
}

describe.each(MO_TABLE)('searcher %s with two objectives and a constraint %j', (method, bayes) => {
  const space = METHODS[method].capabilities.walksGrid ? MO_GRID_SPACE : MO_SPACE;
  const make = (seed: number) => SEARCHERS[method as 'random'](({ space, seed, goal: 'minimize', objectives: OBJECTIVES, constraints: CONSTRAINTS, bayes: bayes as never }));
  const walk = (seed: number, n: number, from: HistoryTrial[] = []): HistoryTrial[] => {
    const h = [...from];
    while (h.length < n) {
      const [p] = make(seed).suggest(h, 1);
      if (!p) break;
      h.push(moTrial(h.length, p.params));
    }
    return h;
  };

  it('proposes inside the space, the same for the same seed, and continues after a resume', () => {
    const all = walk(4, 14);
    expect(all.length).toBe(14);
    for (const t of all) for (const [k, d] of Object.entries(space)) expect(contains(d, t.params[k]!)).toBe(true);
    expect(walk(4, 14)).toEqual(all);
    expect(walk(4, 14, all.slice(0, 9))).toEqual(all);
  });
});
