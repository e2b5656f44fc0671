/**
 * Valid configs and command lines mutated at random (fast-check, fixed seeds): every outcome is
 * acceptance or exit 2 with a message that names a field — never exit 1, a stack trace, `undefined` or
 * `[object Object]` — and a refused input leaves the database as it was.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { ConfigError } from '../../src/core/errors.js';
import { parseConfigText, validateStudyConfig } from '../../src/config/index.js';
import { runCli } from '../helpers/cli.js';
import { ROOT, tmpDir } from '../helpers/fixtures.js';

const STUDIES = path.join(ROOT, 'fixtures/studies');
const fixture = (name: string): unknown => parseConfigText(readFileSync(path.join(STUDIES, name), 'utf8'), name).raw;

/** Valid configs that between them use every section a mutation can break. */
const BASES: Record<string, unknown>[] = [
  fixture('quickstart.yaml') as Record<string, unknown>,
  fixture('ladder-sim.yaml') as Record<string, unknown>,
  fixture('demo.yaml') as Record<string, unknown>,
  {
    program: '../trainers/quadratic.mjs',
    method: 'bayes',
    metric: { name: 'loss', goal: 'minimize', target: 2.1 },
    parameters: { lr: { distribution: 'log_uniform_values', min: 1e-4, max: 0.1 }, warmup: { distribution: 'q_uniform', min: 0, max: 0.2, q: 0.05 }, mu: { mu: 0, sigma: 1 } },
    bayes: { acquisition: 'ucb', beta: 2, initial: 4 },
    early_terminate: { type: 'asha', grace: 1, eta: 3, max_t: 27 },
    run_cap: 8,
    env: { A: 1 },
    initial_points: [{ lr: 0.001, warmup: 0.05, mu: 0 }],
  },
  {
    program: '../trainers/pbt_toy.mjs',
    method: 'pbt',
    metric: { name: 'q', goal: 'maximize' },
    parameters: { h0: { min: 0.0, max: 1.0 }, h1: { min: 0.0, max: 1.0 } },
    pbt: { population: 4, perturbation_interval: 4, max_steps: 20, quantile: 0.25, hyperparam_mutations: ['h0', 'h1'] },
  },
  {
    program: '../trainers/quadratic.mjs',
    method: 'llm',
    metric: { name: 'loss' },
    parameters: { lr: { min: 0.0001, max: 0.1 } },
    llm: { base_url: 'http://127.0.0.1:9/v1', model: 'm', candidates: 4 },
    executor: { type: 'slurm', sbatch: ['--partition=gpu'] },
  },
];

/** Every path to a value in a config, as key lists. */
function paths(v: unknown, at: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [at];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...paths(x, [...at, i])));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...at, k]));
  return out;
}

type Mutation = { kind: 'replace'; value: unknown } | { kind: 'delete' } | { kind: 'add'; key: string; value: unknown };

/** The values a hand-edited file may hold where something else was meant. */
const hostile = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(NaN, Infinity, -Infinity, -0, 1e308, -1e308, 2 ** 53 + 2, 1e-320, '', ' ', '${args}', '${nope}', 'a\u0000b', '../../x', 'None', 'True', [], {}),
  fc.string(),
  fc.double(),
  fc.integer(),
);
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  hostile.map((value) => ({ kind: 'replace' as const, value })),
  fc.constant({ kind: 'delete' as const }),
  fc.tuple(fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('type', 'min', 'max', 'values', 'value', 'distribution', 'q', 'run_cap', 'scales', 'model', 'tokens')), hostile).map(([key, value]) => ({ kind: 'add' as const, key, value })),
);

function mutate(base: unknown, at: (string | number)[], m: Mutation): unknown {
  const copy = structuredClone(base) as Record<string | number, unknown>;
  if (at.length === 0) return m.kind === 'replace' ? m.value : m.kind === 'add' && copy && typeof copy === 'object' ? { ...copy, [m.key]: m.value } : copy;
  let parent: Record<string | number, unknown> = copy;
  for (const k of at.slice(0, -1)) parent = parent[k] as Record<string | number, unknown>;
  const last = at.at(-1)!;
  if (m.kind === 'replace') parent[last] = m.value;
  else if (m.kind === 'delete') {
    if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else delete parent[last];
  } else {
    const target = parent[last];
    if (target && typeof target === 'object' && !Array.isArray(target)) (target as Record<string, unknown>)[m.key] = m.value;
    else parent[last] = m.value;
  }
  return copy;
}

const mutatedConfig = fc
  .integer({ min: 0, max: BASES.length - 1 })
  .chain((b) => fc.tuple(fc.constant(b), fc.constantFrom(...paths(BASES[b]))))
  .chain(([b, at]) => fc.tuple(fc.constant(b), fc.constant(at), fc.array(mutation, { minLength: 1, maxLength: 3 })))
  .map(([b, at, ms]) => ms.reduce<unknown>((c, m) => mutate(c, at, m), BASES[b]));

const SHOWS_A_BUG = /undefined|\[object Object\]|\n\s+at \S+ \(|TypeError|RangeError|ReferenceError/;

describe('config validation under random mutations', () => {
  it('the bases themselves are valid', () => {
    for (const b of BASES) expect(() => validateStudyConfig(b, { file: 'base.yaml', configDir: STUDIES })).not.toThrow();
  });

  it('accepts or refuses with a ConfigError whose every problem names a field and says what is allowed', () => {
    fc.assert(
      fc.property(mutatedConfig, (raw) => {
        try {
          validateStudyConfig(raw, { file: 'mutated.yaml', configDir: STUDIES });
        } catch (e) {
          if (!(e instanceof ConfigError)) throw new Error(`not a ConfigError for ${JSON.stringify(raw)?.slice(0, 300)}: ${(e as Error).stack}`);
          expect(e.issues.length).toBeGreaterThan(0);
          for (const i of e.issues) {
            expect(typeof i.path).toBe('string');
            expect(i.message).not.toMatch(SHOWS_A_BUG);
            expect(i.message).toMatch(/allowed|missing|unknown|not |needs|must|cannot|is empty|belongs|found/);
          }
          expect(e.message).toContain('mutated.yaml');
        }
      }),
      { seed: 20261201, numRuns: 3000 },
    );
  });
});

describe('the command line under random mutations', () => {
  const dir = tmpDir();
  copyFileSync(path.join(ROOT, 'fixtures/trainers/quadratic.mjs'), path.join(dir, 'train.mjs'));
  const db = path.join(dir, 'fuzz.db');
  const digest = (): string => (existsSync(db) ? createHash('sha256').update(readFileSync(db)).digest('hex') : 'none');

  it('scaletune create on a mutated config file: created, or exit 2 naming the file, with the database untouched', async () => {
    const seen = new Set<number>();
    await fc.assert(
      fc.asyncProperty(mutatedConfig, async (raw) => {
        const file = path.join(dir, 'study.yaml');
        // configs point their programs at ../trainers/…: here the trainer sits beside the file
        const text = YAML.stringify(raw, { aliasDuplicateObjects: false }).replace(/\.\.\/trainers\/[a-z_]+\.mjs/g, 'train.mjs');
        writeFileSync(file, text);
        const before = digest();
        const r = await runCli(['create', file, '--db', db], { cwd: dir });
        seen.add(r.code);
        expect([0, 2], r.stderr).toContain(r.code);
        expect(r.stderr).not.toMatch(SHOWS_A_BUG);
        if (r.code === 2) {
          expect(r.stderr).toMatch(/study\.yaml|--|scaletune/);
          expect(digest()).toBe(before);
        }
      }),
      { seed: 7, numRuns: 150 },
    );
    // the mutations reach both outcomes, so neither branch above goes untested
    expect([...seen].sort()).toEqual([0, 2]);
  });

  it('commands with random arguments and flags: success, exit 2 or 3, never an unexpected failure', async () => {
    const r0 = await runCli(['run', path.join(STUDIES, 'quickstart.yaml'), '--db', db, '--name', 'base', '--run-cap', '2'], { cwd: dir });
    expect(r0.code, r0.stderr).toBe(0);
    const word = fc.oneof(fc.constantFrom('base', 'nope', '0', '-1', '1e400', 'NaN', '', '--json', '--csv', '--db', db, dir, '--state', 'fail', '--law', 'power', 'chinchilla', '--x', 'lr', '--y', 'value', '--N', '--D', '7', '../x', '%s', 'a\u0000b'), fc.string({ maxLength: 8 }));
    const seen = new Set<number>();
    const COMMANDS = ['studies', 'trials', 'best', 'ask', 'tell', 'report', 'fit', 'fits', 'predict', 'lineage', 'verify', 'check', 'schema', 'llm-log', 'export', 'schedule'];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...COMMANDS), fc.array(word, { maxLength: 5 }), async (cmd, args) => {
        const before = digest();
        // a --db among the random words comes later and wins: bad database paths are part of the test
        const r = await runCli([cmd, '--db', db, ...args], { cwd: dir });
        seen.add(r.code);
        expect([0, 2, 3, 5], `${cmd} ${args.join(' ')}: ${r.stderr}`).toContain(r.code);
        expect(r.stderr + r.stdout).not.toMatch(SHOWS_A_BUG);
        if (r.code === 2) expect(digest(), `${cmd} ${args.join(' ')}`).toBe(before);
      }),
      { seed: 11, numRuns: 300 },
    );
    expect(seen.has(0) && seen.has(2)).toBe(true);
  });
});
