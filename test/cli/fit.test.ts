import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../src/core/csv.js';
import { compileExpression } from '../../src/core/expression.js';
import { runCli } from '../helpers/cli.js';
import { tmpDir, TRAINER, writeFile } from '../helpers/fixtures.js';

const csv = (rows: string[][]) => rows.map((r) => r.join(',')).join('\n') + '\n';

describe('fit and predict', () => {
  it('fits a CSV with mapped and derived columns and filters, keeps the fit, and predicts with an interval', async () => {
    const dir = tmpDir();
    const rows = [['group', 'Model Size', 'Training FLOP', 'loss']];
    for (const N of [1e7, 3e7, 1e8, 3e8, 1e9]) for (const m of [10, 20, 40]) {
      const D = N * m;
      rows.push(['a', String(N), String(6 * N * D), String(1.7 + 400 / N ** 0.34 + 1500 / D ** 0.3)]);
    }
    rows.push(['b', '1e9', '', '9']);
    writeFile(dir, 'runs.csv', csv(rows));
    const db = path.join(dir, 'fits.db');
    const r = await runCli(['fit', 'chinchilla', '--csv', 'runs.csv', '--map', 'N=Model Size,C=Training FLOP', '--map', 'D=C/(6*N)', '--where', 'group=a', '--bootstrap', '10', '--json', '--db', db], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out)).toEqual(['id', 'law', 'n_points', 'params', 'intervals', 'objective', 'residuals', 'backtest', 'notes']);
    expect(Object.keys(out.params)).toEqual(['E', 'A', 'B', 'alpha', 'beta']);
    expect(out.n_points).toBe(15);
    expect(Object.keys(out.residuals)).toEqual(['rmse', 'mean_abs_rel_error', 'max_abs_rel_error']);
    expect(out.params.alpha).toBeCloseTo(0.34, 2);
    const p = JSON.parse((await runCli(['predict', 'chinchilla', '--N', '7e9', '--D', '2e12', '--json', '--db', db], { cwd: dir })).stdout);
    expect(p.fit).toBe(out.id);
    expect(p.prediction.loss).toBeCloseTo(1.7 + 400 / 7e9 ** 0.34 + 1500 / 2e12 ** 0.3, 2);
    // noise-free points: every refit agrees, so the interval is a hair wide around the prediction
    expect(p.interval.loss[0]).toBeLessThanOrEqual(p.prediction.loss + 1e-4);
    expect(p.interval.loss[1]).toBeGreaterThanOrEqual(p.prediction.loss - 1e-4);
    const text = await runCli(['predict', 'chinchilla', '--fit', String(out.id), '--N', '7e9', '--D', '2e12', '--db', db], { cwd: dir });
    expect(text.stdout).toMatch(/^loss = [\d.]+ {2}\(95% interval /);
    const listed = JSON.parse((await runCli(['fits', '--json', '--db', db], { cwd: dir })).stdout);
    expect(listed).toEqual([expect.objectContaining({ id: out.id, law: 'chinchilla', n_points: 15 })]);
    expect((await runCli(['fits', '--db', db], { cwd: dir })).stdout).toContain('runs.csv');
  });

  it('says which row and column hold an empty value, and what is missing', async () => {
    const dir = tmpDir();
    writeFile(dir, 'p.csv', csv([['C', 'n'], ['1e18', '1e6'], ['1e19', ''], ['1e20', '1e7']]));
    const empty = await runCli(['fit', 'power', '--csv', 'p.csv', '--x', 'C', '--y', 'n', '--no-save'], { cwd: dir });
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain("p.csv: row 3, column 'n' (for n) is empty");
    const unmapped = await runCli(['fit', 'chinchilla', '--csv', 'p.csv', '--no-save'], { cwd: dir });
    expect(unmapped.code).toBe(2);
    expect(unmapped.stderr).toContain("no value for 'N'; map it from a column with --map N=<column or expression>; columns: C, n");
    const generic = await runCli(['fit', 'power', '--csv', 'p.csv', '--no-save'], { cwd: dir });
    expect(generic.stderr).toContain('law power needs --x');
    const both = await runCli(['fit', 'power', '--x', 'C', '--y', 'n'], { cwd: dir });
    expect(both.stderr).toContain('--study <name> or --csv <file>');
    const badExpr = await runCli(['fit', 'power', '--csv', 'p.csv', '--map', 'x=C*(2', '--x', 'x', '--y', 'n', '--no-save'], { cwd: dir });
    expect(badExpr.stderr).toContain("--map x: a '(' is not closed in 'C*(2'");
    const unknownLaw = await runCli(['fit', 'kaplan2', '--csv', 'p.csv'], { cwd: dir });
    expect(unknownLaw.code).toBe(2);
  });

  it('predict refuses non-positive and non-finite inputs and inputs the law does not take; fits refuses an unknown law (exit 2)', async () => {
    const dir = tmpDir();
    const rows = [['N', 'D', 'loss']];
    for (const N of [1e7, 3e7, 1e8, 3e8, 1e9]) for (const m of [10, 20, 40]) rows.push([String(N), String(N * m), String(1.7 + 400 / N ** 0.34 + 1500 / (N * m) ** 0.3)]);
    writeFile(dir, 'runs.csv', csv(rows));
    expect((await runCli(['fit', 'chinchilla', '--csv', 'runs.csv', '--bootstrap', '0'], { cwd: dir })).code).toBe(0);
    for (const [args, said] of [
      [['--N', '-1e9', '--D', '2e12'], 'predict chinchilla: --N is -1000000000; allowed: a positive finite number'],
      [['--N', '7e9', '--D', '0'], 'predict chinchilla: --D is 0; allowed: a positive finite number'],
      [['--N', '7e9', '--D', 'Infinity'], "--D: found 'Infinity'; allowed: a finite number"],
      [['--C', '1e22'], 'predict chinchilla: --C is not an input of chinchilla; it takes --N, --D'],
      [['--N', '7e9', '--D', '2e12', '--at', 'x=3'], 'predict chinchilla: --at x=<value> is not an input of chinchilla; it takes --N, --D'],
    ] as const) {
      const r = await runCli(['predict', 'chinchilla', ...args], { cwd: dir });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toContain(said);
      expect(r.stdout).toBe('');
    }
    const fits = await runCli(['fits', '--law', 'banana'], { cwd: dir });
    expect(fits.code).toBe(2);
    expect(fits.stderr).toContain("argument 'banana' is invalid. Allowed choices are chinchilla");
  });

  it('fits the completed trials of a study (value as loss, parameters as columns)', async () => {
    const dir = tmpDir();
    writeFile(dir, 's.yaml', `name: s\nprogram: ${TRAINER}\nmethod: grid\nmetric: {name: loss}\nparameters:\n  lr: {values: [0.0003, 0.001, 0.003, 0.01]}\n  steps: {value: 3}\n  step_ms: {value: 1}\n`);
    expect((await runCli(['run', 's.yaml', '--quiet'], { cwd: dir })).code).toBe(0);
    // the trainer's final loss falls like a power of lr below its optimum: fit loss - 2 against lr
    const r = await runCli(['fit', 'power', '--study', 's', '--map', 'excess=value-2', '--where', 'steps=3', '--x', 'lr', '--y', 'excess', '--json', '--bootstrap', '20'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).n_points).toBe(4);
    const miss = await runCli(['predict', 'power'], { cwd: dir });
    expect(miss.code).toBe(2);
    expect(miss.stderr).toContain('missing --at lr=<value>');
    const none = await runCli(['predict', 'steplaw', '--N', '1e9', '--D', '1e10'], { cwd: dir });
    expect(none.stderr).toContain('no steplaw fit');
  });

  it("Step Law's batch is labelled in the units of the column it came from, tokens only when that column holds tokens", async () => {
    const dir = tmpDir();
    const rows = [['N', 'D', 'lr', 'batch_size', 'batch_tokens', 'loss']];
    for (const N of [1e8, 4e8, 1.6e9]) for (const D of [2e9, 8e9, 3.2e10]) for (const f of [0.5, 1, 2]) for (const g of [0.5, 1, 2]) {
      const lr = 2 * N ** -0.7 * D ** 0.3 * f;
      const B = 0.5 * D ** 0.5 * g;
      rows.push([String(N), String(D), String(lr), String(B / 2048), String(B), String(2 + 400 / N ** 0.34 + 0.01 * Math.log(f) ** 2 + 0.01 * Math.log(g) ** 2)]);
    }
    writeFile(dir, 'runs.csv', csv(rows));
    const seqs = await runCli(['fit', 'steplaw', '--csv', 'runs.csv', '--map', 'batch=batch_size', '--no-save', '--bootstrap', '0'], { cwd: dir });
    expect(seqs.code, seqs.stderr).toBe(0);
    expect(seqs.stdout).toContain('(batch in the units of batch_size, e.g. sequences per step)');
    const toks = await runCli(['fit', 'steplaw', '--csv', 'runs.csv', '--map', 'batch=batch_tokens', '--no-save', '--bootstrap', '0'], { cwd: dir });
    expect(toks.stdout).toContain('(batch in tokens: batch_tokens)');
  });

  it('reads quoted CSV and evaluates expressions with powers and bracketed names', () => {
    expect(parseCsv('a,"b, c"\r\n1,"say ""hi"""\n')).toEqual({ header: ['a', 'b, c'], rows: [['1', 'say "hi"']] });
    const e = compileExpression('[Model Size]^2 / (6*N) - -1');
    expect(e.names).toEqual(['Model Size', 'N']);
    expect(e.fn((n) => (n === 'N' ? 2 : 3))).toBeCloseTo(9 / 12 + 1, 12);
  });

  it('schedule prints the Power scheduler table from --a/--b or from a kept fit; refuses what it lacks', async () => {
    const dir = tmpDir();
    const r = await runCli(['schedule', '--a', '4.6', '--b', '-0.51', '--batch', '0.25', '--tokens', '1e8', '--tokens-per-step', '1e6', '--lr-max', '1e-3', '--every', '50'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(['step,tokens,lr', expect.stringMatching(/^50,50000000,/), expect.stringMatching(/^100,100000000,/)]);
    const rows = [['T', 'batch', 'lr']];
    for (const T of [1e8, 1e9, 1e10]) for (const batch of [64, 128]) rows.push([String(T), String(batch), String(batch * 3 * T ** -0.5)]);
    writeFile(dir, 'ps.csv', csv(rows));
    expect((await runCli(['fit', 'power-scheduler', '--csv', 'ps.csv', '--bootstrap', '20'], { cwd: dir })).code).toBe(0);
    const pred = JSON.parse((await runCli(['predict', 'power-scheduler', '--T', '1e11', '--batch', '256', '--json'], { cwd: dir })).stdout);
    expect(pred.prediction.lr).toBeCloseTo(256 * 3 * 1e11 ** -0.5, 8);
    const fromFit = await runCli(['schedule', '--batch', '1', '--tokens', '4e6', '--tokens-per-step', '1e6', '--lr-max', '1', '--format', 'json'], { cwd: dir });
    expect(JSON.parse(fromFit.stdout)).toHaveLength(4);
    const lacking = await runCli(['schedule', '--a', '1', '--b', '-0.5', '--tokens', '1e6', '--tokens-per-step', '1e3', '--lr-max', '1'], { cwd: dir });
    expect(lacking.code).toBe(2);
    expect(lacking.stderr).toContain("required option '--batch <value>' not specified");
  });
});
