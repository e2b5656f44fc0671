/**
 * One vocabulary in machine output: snake_case keys (user-named maps kept as named) and lower-case
 * states; a report JSON reads back into the model, in schema 2 and in schema 1 (saved before it).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkAgainst } from '../../src/report/check.js';
import { camelKeys, snakeKeys } from '../../src/report/format.js';
import { readReportJson, REPORT_SCHEMA_ID, REPORT_SCHEMA_VERSION, reportJson, type ReportModel } from '../../src/report/model.js';
import { ROOT } from '../helpers/fixtures.js';

/** what `report --format json` wrote before schema 2, for the sim ladder fixture at seed 1 (arrays the gate does not read shortened) */
const V1 = JSON.parse(readFileSync(path.join(ROOT, 'fixtures/reports/ladder-1.report-v1.json'), 'utf8')) as Record<string, unknown>;

describe('snakeKeys', () => {
  it('renames every key to snake_case, deeply, and leaves N, D and user-named maps alone', () => {
    const v = { lrParam: 'lr', N: 1, atScales: [{ bestAtScale: 2, params: { batchSize: 3 } }], residuals: { meanAbsRelError: 0.1 }, intervals: { A: [1, 2] }, counts: { complete: 1 }, paramsBefore: { warmUp: 1 } };
    expect(snakeKeys(v)).toEqual({ lr_param: 'lr', N: 1, at_scales: [{ best_at_scale: 2, params: { batchSize: 3 } }], residuals: { mean_abs_rel_error: 0.1 }, intervals: { A: [1, 2] }, counts: { complete: 1 }, params_before: { warmUp: 1 } });
    expect(camelKeys(snakeKeys(v))).toEqual(v);
    expect(camelKeys(v)).toEqual(v); // camelCase passes through: why a schema 1 report reads unchanged
  });
});

describe('report JSON', () => {
  const old = readReportJson(V1)!;

  it('reads a baseline saved before schema 2 into the model', () => {
    expect(old).not.toBeNull();
    expect(old.schema).toBe(REPORT_SCHEMA_ID);
    expect(old.ladder).toMatchObject({ lrParam: 'lr', batchParam: 'batch_size' });
    expect(old.ladder!.atScales).toHaveLength(9);
    expect(old.ladder!.scales[0]!.best).toMatchObject({ loss: expect.any(Number) });
    expect(old.verify[0]).toMatchObject({ heldBack: false, bestAtScale: null });
    expect(old.history[0]!.params).toEqual((V1.history as { params: unknown }[])[0]!.params);
  });

  it('writes schema 2 (snake_case, lower-case states, a version) and reads it back to the same model', () => {
    const written = reportJson(old) as Record<string, any>;
    expect(written).toMatchObject({ schema: 'scaletune.report/2', schema_version: REPORT_SCHEMA_VERSION, ladder: { lr_param: 'lr', batch_param: 'batch_size' } });
    expect(written.verify[0]).toMatchObject({ state: 'complete', held_back: false, best_at_scale: null });
    expect(JSON.stringify(written)).not.toMatch(/"[a-z]+[A-Z][A-Za-z]*":/);
    const back = readReportJson(JSON.parse(JSON.stringify(written)))!;
    expect(back).toEqual({ ...old, verify: old.verify.map((v) => ({ ...v, state: v.state.toLowerCase() })) });
  });

  it('gates alike against the old baseline and the same baseline saved anew', () => {
    const fresh = readReportJson(JSON.parse(JSON.stringify(reportJson(old))))!;
    const worse: ReportModel = { ...fresh, study: { ...fresh.study, name: 'worse' }, ladder: { ...fresh.ladder!, scales: fresh.ladder!.scales.map((s) => ({ ...s, best: s.best && { ...s.best, loss: s.best.loss * 1.05 } })) } };
    for (const baseline of [old, fresh]) {
      const same = checkAgainst(fresh, baseline, 0.01, 'b');
      expect(same.regressed).toBe(false);
      expect(same.checks.map((c) => c.status)).toEqual(Array(11).fill('pass'));
      expect(same.checks.map((c) => c.name)).toContain('predicted batch_size* for the target');
      const bad = checkAgainst(worse, baseline, 0.01, 'b');
      expect(bad.regressed).toBe(true);
      expect(bad.checks.filter((c) => c.status === 'fail')).toHaveLength(9);
    }
  });

  it('refuses another schema', () => {
    expect(readReportJson({ ...V1, schema: 'scaletune.report/9' })).toBeNull();
  });
});
