/** fixtures/trainers/scaletune_report.py, the protocol helper users copy beside their trainer. */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseReportLine } from '../../src/backends/protocol.js';
import { ROOT } from '../helpers/fixtures.js';

const PY = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : null;
if (!PY) console.warn('scaletune_report.py tests skipped: no /usr/bin/python3');

function py(code: string, env: Record<string, string | undefined> = {}) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SCALETUNE_')));
  const r = spawnSync(PY!, ['-c', `import scaletune_report as st\n${code}`], { encoding: 'utf8', cwd: path.join(ROOT, 'fixtures/trainers'), env: { ...clean, ...env } as NodeJS.ProcessEnv, timeout: 30_000 });
  return { status: r.status, stdout: r.stdout.split('\n').filter((l) => l !== ''), stderr: r.stderr };
}

describe.skipIf(!PY)('scaletune_report.py', () => {
  it('prints reports the protocol reads: reserved fields as such, nested metrics, NaN bare, numpy scalars as numbers', () => {
    const r = py(`
import numpy as np
st.report(10, tokens=np.int64(4096), total_steps=100, loss=np.float32(2.5), val={"loss": 3.0}, ok=True)
st.report(11, loss=float("nan"))
st.checkpoint("/ck/step-11", 11, val_loss=2.0)
`);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toEqual([
      '{"step": 10, "tokens": 4096, "total_steps": 100, "loss": 2.5, "val": {"loss": 3.0}, "ok": true}',
      '{"step": 11, "loss": NaN}',
      '{"step": 11, "val_loss": 2.0, "checkpoint": "/ck/step-11"}',
    ]);
    const [a, b, c] = r.stdout.map((l) => parseReportLine(l)!);
    expect(a).toMatchObject({ step: 10, tokens: 4096, totalSteps: 100, metrics: { loss: 2.5, 'val/loss': 3, ok: 1 }, checkpoint: null });
    expect(Number.isNaN(b!.metrics.loss)).toBe(true);
    expect(c).toMatchObject({ step: 11, checkpoint: '/ck/step-11', metrics: { val_loss: 2 } });
  });

  it('reads what scaletune sets, and gives None (or {}) outside scaletune', () => {
    const show = 'import json; print(json.dumps([st.params(), st.resume_path(), st.checkpoint_dir(), st.stop_at(), st.stop_at_tokens()]))';
    expect(JSON.parse(py(show).stdout[0]!)).toEqual([{}, null, null, null, null]);
    const set = py(show, { SCALETUNE_PARAMS: '{"lr": 0.01, "model": {"width": 8}}', SCALETUNE_RESUME_FROM: '/ck/step-20', SCALETUNE_CHECKPOINT_DIR: '/ck', SCALETUNE_STOP_AT_STEP: '40', SCALETUNE_STOP_AT_TOKENS: '81920' });
    expect(JSON.parse(set.stdout[0]!)).toEqual([{ lr: 0.01, model: { width: 8 } }, '/ck/step-20', '/ck', 40, 81920]);
    const bad = py(show, { SCALETUNE_STOP_AT_STEP: 'ten' });
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain("$SCALETUNE_STOP_AT_STEP is 'ten'; scaletune sets it to a whole number");
  });
});
