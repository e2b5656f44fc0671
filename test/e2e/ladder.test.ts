/**
 * Scale ladders end to end through the CLI on the simulated backend: the fitters recover the planted
 * laws from what the searchers found, reports are written and keep their JSON schema, verify runs, and
 * `check` passes an identical rerun and fails a worse recipe.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { basinPenalty, optimalLr, SIM_DEFAULTS as c } from '../../src/backends/sim/model.js';
import { fmtNum } from '../../src/report/format.js';
import { reportSchema } from '../../src/report/schema.js';
import { runCli } from '../helpers/cli.js';
import { ROOT, tmpDir, writeFile } from '../helpers/fixtures.js';

// pinned to independent search, as these tests were written before transfer became the default
const FIXTURE = `${readFileSync(path.join(ROOT, 'fixtures/studies/ladder-sim.yaml'), 'utf8')}transfer: none\n`;
const T = { N: 7e10, D: 1.4e12 };
const SEQ = 2048;

/** The fixture with another seed and name. */
function config(dir: string, seed: number, edit: (s: string) => string = (s) => s): string {
  return writeFile(dir, `ladder-${seed}.yaml`, edit(FIXTURE.replace(/^seed: \d+$/m, `seed: ${seed}`).replace(/^name: .*$/m, `name: ladder-${seed}`)));
}

interface Interval {
  value: number;
  interval: [number, number] | null;
}
const inside = (v: number, iv: [number, number] | null | undefined): boolean => Boolean(iv && v >= iv[0] && v <= iv[1]);

describe('a simulated 70B ladder, end to end', () => {
  const dir = tmpDir('scaletune-ladder-');
  const db = path.join(dir, 'ladder.db');
  const seeds = [1, 2, 3, 4, 5];
  const out: Record<number, { ladder: any; verify: any[] }> = {};

  beforeAll(async () => {
    for (const seed of seeds) {
      const r = await runCli(['run', config(dir, seed), '--db', db, '--json'], { cwd: dir });
      expect(r.code, r.stderr).toBe(0);
      out[seed] = JSON.parse(r.stdout);
    }
    // five ladders in series take about 35 s alone and several times that on two busy cores; the limit only catches a hang
  }, 600_000);

  it('recovers the planted laws within the intervals it reports, in most seeds', () => {
    const truth = { lr: optimalLr(c, T.N, T.D), loss: c.E + c.A / T.N ** c.alpha + c.B / T.D ** c.beta };
    const hits = { alphaN: 0, betaD: 0, gammaB: 0, lrTarget: 0, lossTarget: 0, E: 0 };
    for (const seed of seeds) {
      const L = out[seed]!.ladder;
      expect(L).toMatchObject({ lr_param: 'lr', batch_param: 'batch_size' });
      expect(L.laws.loss.residuals).toHaveProperty('mean_abs_rel_error');
      expect(L.laws.lr).toMatchObject({ x: ['N', 'D'], chosen: 'auto' });
      expect(L.laws.batch).toMatchObject({ x: ['D'] });
      expect(L.laws.loss).toMatchObject({ law: 'chinchilla' });
      if (inside(c.lrExpN, L.laws.lr.intervals.N)) hits.alphaN++;
      if (inside(c.lrExpD, L.laws.lr.intervals.D)) hits.betaD++;
      if (inside(c.batchExpD, L.laws.batch.intervals.D)) hits.gammaB++;
      if (inside(truth.lr, L.prediction.lr.interval)) hits.lrTarget++;
      if (inside(truth.loss, L.prediction.loss.interval)) hits.lossTarget++;
      if (inside(c.E, L.laws.loss.intervals.E)) hits.E++;
      // Step Law's own test of a prediction: the loss at the predicted (lr, B) is within 0.5% of the optimum's
      const pred = L.prediction as { lr: Interval; batch: Interval };
      const gap = basinPenalty(c, { N: T.N, D: T.D, lr: pred.lr.value, batch: pred.batch.value * SEQ });
      expect(gap, `seed ${seed}`).toBeLessThan(0.005);
      // and the backtest on the largest proxy scale is close
      expect(Math.abs(L.backtest.loss.predicted.value / L.backtest.loss.measured - 1), `seed ${seed}`).toBeLessThan(0.01);
    }
    for (const [k, n] of Object.entries(hits)) expect(n, `${k} covered in ${n} of ${seeds.length} seeds`).toBeGreaterThanOrEqual(4);
  });

  it('trains the verify run at the target with the predicted hyperparameters and reports predicted against measured', () => {
    for (const seed of seeds) {
      const [v] = out[seed]!.verify;
      expect(v).toMatchObject({ at: 'target', scale: '70B', state: 'complete', held_back: false });
      expect(v.params.lr).toBeCloseTo(out[seed]!.ladder.prediction.lr.value, 12);
      expect(Math.abs(v.measured / v.predicted.value - 1)).toBeLessThan(0.02);
    }
  });

  it('writes the report as JSON that keeps its schema, as Markdown with SVG charts, and as one HTML file', async () => {
    const ajv = new Ajv2020.default({ allErrors: true, strict: false, validateFormats: false });
    const validate = ajv.compile(reportSchema());
    const json = await runCli(['report', 'ladder-1', '--db', db, '--format', 'json'], { cwd: dir });
    expect(json.code, json.stderr).toBe(0);
    const model = JSON.parse(json.stdout);
    expect(validate(model), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
    expect(model).toMatchObject({ schema: 'scaletune.report/2', schema_version: 2 });
    expect(model.ladder.scales).toHaveLength(9);
    expect(model.ladder).toMatchObject({ lr_param: 'lr', batch_param: 'batch_size' });
    expect(model.ladder.at_scales).toHaveLength(9);
    expect(model.verify[0]).toMatchObject({ state: 'complete', held_back: false });
    expect(JSON.stringify(model)).not.toMatch(/"[a-z]+[A-Z][A-Za-z]*":/); // no camelCase key anywhere
    // the schema is a public interface: any change to it must be deliberate (update the snapshot with vitest -u)
    await expect(`${JSON.stringify(reportSchema(), null, 2)}\n`).toMatchFileSnapshot('__snapshots__/report.schema.json');

    const md = await runCli(['report', 'ladder-1', '--db', db, '--format', 'md', '--out', 'out/ladder.md'], { cwd: dir });
    expect(md.code, md.stderr).toBe(0);
    const text = readFileSync(path.join(dir, 'out/ladder.md'), 'utf8');
    expect(text).toMatch(/^# scaletune report: ladder-1/);
    expect(text).toMatch(/## Prediction for 70B/);
    expect(text).toMatch(/## Backtest on 6.4B-20x/);
    const charts = readdirSync(path.join(dir, 'out/ladder.files')).sort();
    expect(charts).toEqual(['history.svg', 'law-batch.svg', 'law-loss.svg', 'law-lr.svg', 'learning-curves.svg', 'sweep.svg']);
    for (const f of charts) {
      expect(text).toContain(`](ladder.files/${f})`);
      expect(readFileSync(path.join(dir, 'out/ladder.files', f), 'utf8')).toMatch(/^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"[\s\S]*<\/svg>$/);
    }

    const html = await runCli(['report', 'ladder-1', '--db', db, '--format', 'html', '--out', 'out/ladder.html'], { cwd: dir });
    expect(html.code, html.stderr).toBe(0);
    const page = readFileSync(path.join(dir, 'out/ladder.html'), 'utf8');
    expect(page.match(/<figure class="chart"/g)).toHaveLength(6);
    expect(page).not.toMatch(/<script|src="http|href="http/); // self-contained
  });

  it('check passes an identical rerun and fails a worse recipe, in CI-readable lines and as JSON', async () => {
    const base = await runCli(['report', 'ladder-1', '--db', db, '--format', 'json', '--out', 'baseline.json'], { cwd: dir });
    expect(base.code).toBe(0);
    const again = await runCli(['run', config(dir, 1), '--db', db, '--name', 'again', '--quiet'], { cwd: dir });
    expect(again.code, again.stderr).toBe(0);
    const ok = await runCli(['check', 'again', '--against', 'baseline.json', '--db', db], { cwd: dir });
    expect(ok.code, ok.stdout).toBe(0);
    expect(ok.stdout).toMatch(/^PASS  best loss at 25M-20x: .* \+0\.00% \(tolerance 1\.00%\)$/m);
    expect(ok.stdout).toMatch(/check: again holds against baseline.json \(11 checks passed\)/);

    // a baseline saved before report schema 2 (camelCase keys, no schema_version; arrays the gate does not read shortened) still gates
    const OLD = path.join(ROOT, 'fixtures/reports/ladder-1.report-v1.json');
    expect(JSON.parse(readFileSync(OLD, 'utf8'))).toMatchObject({ schema: 'scaletune.report/1', ladder: { lrParam: 'lr', batchParam: 'batch_size' } });
    const old = await runCli(['check', 'again', '--against', OLD, '--db', db], { cwd: dir });
    expect(old.code, old.stdout + old.stderr).toBe(0);
    expect(old.stdout).toMatch(/^PASS  predicted batch_size\* for the target: .* inside the baseline's interval/m);
    expect(old.stdout).toMatch(/\(11 checks passed\)/);

    // the same ladder searching learning rates 10x to 100x too small
    const worse = config(dir, 1, (s) => s.replace(/min: 0.0001, max: 0.03/, 'min: 0.000003, max: 0.00003'));
    expect((await runCli(['run', worse, '--db', db, '--name', 'worse', '--quiet'], { cwd: dir })).code).toBe(0);
    const bad = await runCli(['check', 'worse', '--against', 'ladder-1', '--db', db, '--tolerance', '0.5%'], { cwd: dir });
    expect(bad.code).toBe(5);
    expect(bad.stdout).toMatch(/^FAIL  best loss at 25M-20x: .* \(tolerance 0\.50%\)$/m);
    expect(bad.stdout).toMatch(/^FAIL  predicted lr\* for the target: .* outside the baseline's interval/m);
    expect(bad.stdout).toMatch(/check: worse regressed against ladder-1: \d+ of 11 checks failed/);
    const badOld = await runCli(['check', 'worse', '--against', OLD, '--db', db, '--tolerance', '0.5%'], { cwd: dir });
    expect(badOld.code).toBe(5);
    expect(badOld.stdout).toMatch(/^FAIL  predicted lr\* for the target: .* outside the baseline's interval/m);
    expect(badOld.stdout.split('\n').filter((l) => l.startsWith('FAIL')).length).toBe(bad.stdout.split('\n').filter((l) => l.startsWith('FAIL')).length);
    const asJson = await runCli(['check', 'worse', '--against', 'ladder-1', '--db', db, '--json'], { cwd: dir });
    expect(asJson.code).toBe(5);
    expect(JSON.parse(asJson.stdout)).toMatchObject({ study: 'worse', baseline: 'ladder-1', tolerance: 0.01, regressed: true });
  }, 120_000);

  it('check refuses a baseline that is not a report, naming the file and the field', async () => {
    writeFile(dir, 'not-a-report.json', JSON.stringify({ schema: 'something else' }));
    const r = await runCli(['check', 'ladder-1', '--against', 'not-a-report.json', '--db', db], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--against not-a-report.json: field schema is "something else"; allowed: "scaletune.report/2" or "scaletune.report/1"');
    const t = await runCli(['check', 'ladder-1', '--against', 'ladder-2', '--db', db, '--tolerance', 'lots'], { cwd: dir });
    expect(t.code).toBe(2);
    expect(t.stderr).toContain("--tolerance: found 'lots'");
    const missing = await runCli(['check', 'ladder-1', '--against', 'gone.json', '--db', db], { cwd: dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--against gone.json: file not found');
  });

  it('verify --at largest trains once with what the smaller scales predict, and reads that run back when asked again', async () => {
    const first = await runCli(['verify', 'ladder-2', '--at', 'largest', '--db', db, '--json'], { cwd: dir });
    expect(first.code, first.stderr).toBe(0);
    const v = JSON.parse(first.stdout);
    expect(v).toMatchObject({ at: 'largest', scale: '6.4B-20x', held_back: true, state: 'complete' });
    expect(Math.abs(v.measured / v.best_at_scale - 1)).toBeLessThan(0.01);
    const L = out[2]!.ladder;
    expect(v.params.lr).toBeCloseTo(L.backtest.lr.predicted.value, 10); // the backtest's prediction, now trained
    const second = await runCli(['verify', 'ladder-2', '--at', 'largest', '--db', db, '--json'], { cwd: dir });
    expect(JSON.parse(second.stdout).trial).toBe(v.trial);
    const plain = await runCli(['verify', 'ladder-2', '--at', 'largest', '--db', db], { cwd: dir });
    expect(plain.stdout).toMatch(/verify at 6.4B-20x .* \(predicted by the laws fitted without this scale\)/);
    // bare, it verifies where the config's verify: says (the target), whose run `run` already made
    const bare = await runCli(['verify', 'ladder-2', '--db', db, '--json'], { cwd: dir });
    expect(JSON.parse(bare.stdout)).toMatchObject({ at: 'target', scale: '70B' });
    expect(plain.stdout).toMatch(/gap to the best run of the scale's search: [+-]\d/);
    const none = await runCli(['verify', 'nope', '--db', db], { cwd: dir });
    expect(none.code).toBe(2);
  });

  it('trials carry their scale in JSON and CSV', async () => {
    const j = await runCli(['trials', 'ladder-3', '--db', db, '--json'], { cwd: dir });
    const trials = JSON.parse(j.stdout) as { scale?: { name: string; params: number; tokens: number; role?: string } }[];
    expect(trials[0]!.scale).toMatchObject({ name: '25M-20x', params: 2.5e7, tokens: 5e8 });
    expect(trials.filter((t) => t.scale?.role === 'verify')).toHaveLength(1);
    const csv = await runCli(['trials', 'ladder-3', '--db', db, '--csv'], { cwd: dir });
    expect(csv.stdout.split('\n')[0]).toContain(',scale,scale_params,scale_tokens,scale_role,');
    expect(csv.stdout).toMatch(/,70B,70000000000,1400000000000,verify,/);
  });

  it("a verify run is outside the search: not the study's best, and counted apart", async () => {
    const trials = JSON.parse((await runCli(['trials', 'ladder-3', '--db', db, '--json'], { cwd: dir })).stdout) as { number: number; state: string; value: number; scale?: { role?: string } }[];
    const verify = trials.find((t) => t.scale?.role === 'verify')!;
    const search = trials.filter((t) => t.scale?.role !== 'verify' && t.state === 'complete');
    // the target is far larger than any proxy: its run has the lowest loss of all, and still is not the best
    expect(verify.value).toBeLessThan(Math.min(...search.map((t) => t.value)));
    const best = JSON.parse((await runCli(['best', 'ladder-3', '--db', db, '--json'], { cwd: dir })).stdout) as { number: number; value: number };
    expect(best.value).toBe(Math.min(...search.map((t) => t.value)));
    const text = await runCli(['best', 'ladder-3', '--db', db], { cwd: dir });
    expect(text.stdout).toMatch(new RegExp(`^trial ${best.number} at scale \\S+  loss=`));
    const listed = await runCli(['studies', '--db', db], { cwd: dir });
    const row = listed.stdout.split('\n').find((l) => l.startsWith('ladder-3 '))!;
    expect(row).toMatch(new RegExp(`\\b${search.length} of \\d+ \\+ 1 verify\\b`));
    expect(row).toContain(`loss ${fmtNum(best.value)}`);
    // nor an input of a fit from the study, unless asked
    const fit = await runCli(['fit', 'chinchilla', '--study', 'ladder-3', '--db', db, '--no-save', '--bootstrap', '0', '--json'], { cwd: dir });
    expect(fit.code, fit.stderr).toBe(0);
    const f = JSON.parse(fit.stdout) as { n_points: number; notes: string[] };
    expect(f.n_points).toBe(search.length);
    expect(f.notes).toEqual(["1 verify run of the ladder left out (trained with predicted hyperparameters, not part of a scale's search); --with-verify takes it in"]);
    const all = JSON.parse((await runCli(['fit', 'chinchilla', '--study', 'ladder-3', '--with-verify', '--db', db, '--no-save', '--bootstrap', '0', '--json'], { cwd: dir })).stdout) as { n_points: number };
    expect(all.n_points).toBe(search.length + 1);
  });

  it('ask drives a ladder from outside: each trial comes with its scale, the scales in order', async () => {
    const file = config(dir, 9, (s) => s.replace(/^run_cap: \d+$/m, 'run_cap: 2'));
    expect((await runCli(['create', file, '--db', db], { cwd: dir })).code).toBe(0);
    const scales: string[] = [];
    for (let i = 0; i < 3; i++) {
      const a = await runCli(['ask', 'ladder-9', '--db', db, '--json'], { cwd: dir });
      expect(a.code, a.stderr).toBe(0);
      const t = JSON.parse(a.stdout) as { number: number; scale: { name: string } };
      scales.push(t.scale.name);
      expect((await runCli(['tell', 'ladder-9', String(t.number), '--value', '3.5', '--db', db], { cwd: dir })).code).toBe(0);
    }
    expect(scales).toEqual(['25M-20x', '25M-20x', '25M-80x']);
  });
});
