/**
 * The CI gate behind `scaletune check`: a study's report against a baseline's (another study, or a
 * report saved as JSON). Pure. A recipe regressed when a scale's best loss is worse than the
 * baseline's beyond the tolerance, or when a predicted optimum for the target moved outside the
 * baseline's interval. A study without scales is judged by its best value alone.
 */
import { hypervolume } from '../core/pareto.js';
import type { ReportModel } from './model.js';

export interface CheckItem {
  name: string;
  status: 'pass' | 'fail' | 'skip';
  current: number | null;
  baseline: number | null;
  detail: string;
}

export interface CheckResult {
  study: string;
  baseline: string;
  tolerance: number;
  regressed: boolean;
  checks: CheckItem[];
}

const rel = (a: number, b: number): string => `${a / b - 1 >= 0 ? '+' : ''}${(100 * (a / b - 1)).toFixed(2)}%`;

export function checkAgainst(current: ReportModel, baseline: ReportModel, tolerance: number, baselineName: string): CheckResult {
  const checks: CheckItem[] = [];
  const goal = current.study.goal ?? 'minimize';
  const worse = (c: number, b: number): boolean => (goal === 'minimize' ? c > b * (1 + Math.sign(b) * tolerance) : c < b * (1 - Math.sign(b) * tolerance));
  if (current.study.metric !== baseline.study.metric) {
    checks.push({ name: 'metric', status: 'fail', current: null, baseline: null, detail: `the study optimises ${current.study.metric ?? 'nothing'}, the baseline ${baseline.study.metric ?? 'nothing'}; their values cannot be compared` });
    return { study: current.study.name, baseline: baselineName, tolerance, regressed: true, checks };
  }
  if (current.front || baseline.front) {
    checks.push(hypervolumeCheck(current, baseline, tolerance));
    return { study: current.study.name, baseline: baselineName, tolerance, regressed: checks.some((c) => c.status === 'fail'), checks };
  }
  const cl = current.ladder;
  const bl = baseline.ladder;
  if (bl) {
    for (const bs of bl.scales) {
      const name = `best ${baseline.study.metric ?? 'value'} at ${bs.name}`;
      const cs = cl?.scales.find((s) => s.name === bs.name);
      if (!bs.best) {
        checks.push({ name, status: 'skip', current: cs?.best?.loss ?? null, baseline: null, detail: 'the baseline has no completed run at this scale' });
        continue;
      }
      if (!cs?.best) {
        checks.push({ name, status: 'fail', current: null, baseline: bs.best.loss, detail: cs ? 'no completed run at this scale' : 'the study has no such scale' });
        continue;
      }
      const bad = worse(cs.best.loss, bs.best.loss);
      checks.push({ name, status: bad ? 'fail' : 'pass', current: cs.best.loss, baseline: bs.best.loss, detail: `${rel(cs.best.loss, bs.best.loss)} (tolerance ${(100 * tolerance).toFixed(2)}%)` });
    }
    const sameTarget = cl?.target && bl.target && cl.target.N === bl.target.N && cl.target.D === bl.target.D;
    for (const k of ['lr', 'batch'] as const) {
      const label = `predicted ${k === 'lr' ? bl.lrParam : (bl.batchParam ?? 'batch')}* for the target`;
      const b = bl.prediction?.[k];
      if (!b) continue;
      if (!sameTarget) {
        checks.push({ name: label, status: 'fail', current: null, baseline: b.value, detail: cl?.target ? 'the study predicts for another target than the baseline' : 'the study has no target' });
        continue;
      }
      const c = cl!.prediction?.[k];
      if (!c) {
        checks.push({ name: label, status: 'fail', current: null, baseline: b.value, detail: 'the study has no such prediction (its law could not be fitted)' });
        continue;
      }
      if (!b.interval) {
        checks.push({ name: label, status: 'skip', current: c.value, baseline: b.value, detail: 'the baseline has no interval to compare with' });
        continue;
      }
      const inside = c.value >= b.interval[0] && c.value <= b.interval[1];
      checks.push({ name: label, status: inside ? 'pass' : 'fail', current: c.value, baseline: b.value, detail: `${inside ? 'inside' : 'outside'} the baseline's interval [${b.interval[0].toPrecision(4)}, ${b.interval[1].toPrecision(4)}]` });
    }
  } else {
    const name = `best ${baseline.study.metric ?? 'value'}`;
    if (!baseline.best) checks.push({ name, status: 'skip', current: current.best?.value ?? null, baseline: null, detail: 'the baseline has no completed run' });
    else if (!current.best) checks.push({ name, status: 'fail', current: null, baseline: baseline.best.value, detail: 'the study has no completed run' });
    else {
      const bad = worse(current.best.value, baseline.best.value);
      checks.push({ name, status: bad ? 'fail' : 'pass', current: current.best.value, baseline: baseline.best.value, detail: `${rel(current.best.value, baseline.best.value)} (tolerance ${(100 * tolerance).toFixed(2)}%)` });
    }
  }
  return { study: current.study.name, baseline: baselineName, tolerance, regressed: checks.some((c) => c.status === 'fail'), checks };
}

/**
 * Two multi-objective studies by the hypervolume of their fronts, both measured up to one reference
 * point (the worse of the two studies' own, per objective), so that the figures are comparable.
 */
function hypervolumeCheck(current: ReportModel, baseline: ReportModel, tolerance: number): CheckItem {
  const name = 'hypervolume of the Pareto front';
  const c = current.front;
  const b = baseline.front;
  const names = (f: NonNullable<ReportModel['front']>): string => f.objectives.map((o) => `${o.name} ${o.goal}`).join(', ');
  if (!c || !b) return { name, status: 'fail', current: null, baseline: null, detail: `${c ? 'the baseline' : 'the study'} has one objective, the other a list (${names((c ?? b)!)}); their results cannot be compared` };
  if (names(c) !== names(b)) return { name, status: 'fail', current: null, baseline: null, detail: `the study's objectives are ${names(c)}, the baseline's ${names(b)}; their fronts cannot be compared` };
  if (b.trials.length === 0) return { name, status: 'skip', current: null, baseline: null, detail: 'the baseline has no feasible completed trial' };
  if (c.trials.length === 0) return { name, status: 'fail', current: 0, baseline: null, detail: 'the study has no feasible completed trial' };
  const vectors = (f: NonNullable<ReportModel['front']>): number[][] => f.trials.map((t) => f.objectives.map((o) => (o.goal === 'maximize' ? -t.values[o.name]! : t.values[o.name]!)));
  const ref = c.reference.map((r, i) => Math.max(r, b.reference[i] ?? r));
  const hc = hypervolume(vectors(c), ref);
  const hb = hypervolume(vectors(b), ref);
  const bad = hc < hb * (1 - tolerance);
  const change = hb > 0 ? `${hc / hb - 1 >= 0 ? '+' : ''}${(100 * (hc / hb - 1)).toFixed(2)}%` : 'the baseline dominates nothing';
  return { name, status: bad ? 'fail' : 'pass', current: hc, baseline: hb, detail: `${change} (tolerance ${(100 * tolerance).toFixed(2)}%; both up to the reference point (${ref.map((r) => Number(r.toPrecision(4))).join(', ')}), larger is better)` };
}

export function formatCheck(r: CheckResult): string {
  const num = (v: number | null): string => (v === null ? '-' : Number(v.toPrecision(5)).toString());
  const lines = r.checks.map((c) => `${c.status.toUpperCase().padEnd(4)}  ${c.name}: ${num(c.current)} against ${num(c.baseline)} — ${c.detail}`);
  const fails = r.checks.filter((c) => c.status === 'fail').length;
  lines.push(r.regressed ? `check: ${r.study} regressed against ${r.baseline}: ${fails} of ${r.checks.length} checks failed` : `check: ${r.study} holds against ${r.baseline} (${r.checks.filter((c) => c.status === 'pass').length} check${r.checks.filter((c) => c.status === 'pass').length === 1 ? '' : 's'} passed)`);
  return `${lines.join('\n')}\n`;
}
