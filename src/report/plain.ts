/** One plain line per event: for CI logs, pipes and files (chosen when stdout is not a TTY or CI is set). */
import { formatDuration } from '../core/duration.js';
import type { Trial } from '../core/trial.js';
import type { LiveReport, Reporter, StudyEnd, StudyStart } from './reporter.js';
import { fmtNum, fmtParams } from './format.js';
import { branchOf } from '../../fitters/ladder/harvest.js';

export interface Line {
  write(s: string): unknown;
}

/** What a ladder trial's results are compared within: its scale, its scale's verify runs, or one budget's branches. */
function scaleKey(t: Trial): string {
  const b = branchOf(t);
  if (b) return `${t.scale!.name} at ${b.budget} of its tokens`;
  return `${t.scale?.role === 'verify' ? 'verify ' : ''}${String(t.scale?.name)}`;
}

/** ` [scale]` for a ladder's trials (` [verify scale]` for a verify run, ` [scale at 0.25 of its tokens, branch of #3]` for a branch), else nothing. */
function scaleTag(t: Trial): string {
  if (typeof t.scale?.name !== 'string') return '';
  const b = branchOf(t);
  return ` [${scaleKey(t)}${b ? `, branch of #${b.parent}` : ''}]`;
}

export class PlainReporter implements Reporter {
  private readonly t0 = Date.now();
  private metricName: string | undefined;
  private goal: 'minimize' | 'maximize' = 'minimize';
  private readonly scaleBest = new Map<string, Trial>();
  /** objectives after the first, and constrained metrics: shown with each completed trial */
  private shownValues: string[] = [];
  /** a multi-objective study has no one best to show */
  private multi = false;

  constructor(private readonly out: Line, private readonly opts: { quiet?: boolean } = {}) {}

  /** the run now reported trains a ladder's verify run: its end is that run's, not the search's again */
  private verifying = false;

  private line(s: string): void {
    if (this.opts.quiet) return;
    const t = ((Date.now() - this.t0) / 1000).toFixed(1).padStart(6);
    this.out.write(`[${t}s] ${s}\n`);
  }

  studyStarted(s: StudyStart): void {
    this.metricName = s.study.config.metric?.name;
    this.goal = s.study.config.metric?.goal ?? 'minimize';
    this.shownValues = [...(s.study.config.objectives ?? []).slice(1).map((o) => o.name), ...(s.study.config.constraints ?? []).map((c) => c.name)];
    this.multi = Boolean(s.study.config.objectives);
    // a compute budget's shares are what its scales may spend: a scale that settles spends less
    const upTo = s.study.config.budget ? `up to ${s.runCap} runs (budget ${s.study.config.budget.flops.toExponential(2)} FLOPs${s.study.config.budget.runs === 'auto' ? ', runs: auto' : ''})` : null;
    const cap = s.runCap === null ? 'no run cap' : upTo ?? `${s.runCap} run${s.runCap === 1 ? '' : 's'}`;
    this.verifying = s.verify === true;
    if (s.verify) return this.line(`study ${s.study.name}: the verify run, after the ladder's search (${s.finishedBefore.length} finished)`);
    const resumed = s.finishedBefore.length ? `, resuming after ${s.finishedBefore.length} finished` : '';
    const objectives = s.study.config.objectives;
    if (objectives) this.line(`study ${s.study.name}: ${objectives.length} objectives (${objectives.map((o) => `${o.name} ${o.goal}`).join(', ')}): seeking their Pareto front`);
    if (s.study.config.constraints) this.line(`study ${s.study.name}: constraints ${s.study.config.constraints.map((c) => `${c.min !== undefined ? `${c.min} ≤ ` : ''}${c.name}${c.max !== undefined ? ` ≤ ${c.max}` : ''}`).join(', ')} (last reported value; a trial that breaks one is never the best)`);
    if (s.study.config.cost) this.line(`study ${s.study.name}: cost-aware proposals (cost: ${s.study.config.cost.kind === 'metric' ? s.study.config.cost.name : s.study.config.cost.kind})`);
    this.line(`study ${s.study.name}: ${s.study.config.method}, ${cap}, ${s.parallel} at a time, seed ${s.study.seed}${resumed}`);
  }

  trialStarted(t: Trial): void {
    const retry = t.retryOf !== null ? ' (re-run' + (t.resumeFrom ? ' from checkpoint' : '') + ')' : '';
    const segment = t.member !== null ? ` [member ${t.member} to step ${t.stopAt}${t.resumeFrom && t.retryOf === null ? ', from a checkpoint' : ''}]` : '';
    this.line(`trial ${t.number} started${retry}${segment}${scaleTag(t)}  ${fmtParams(t.params)}`);
  }

  trialReport(_t: Trial, _r: LiveReport): void {}

  trialFinished(t: Trial, best: Trial | null): void {
    const dur = t.startedAt !== null && t.finishedAt !== null ? `  ${formatDuration(t.finishedAt - t.startedAt)}` : '';
    if (t.state === 'COMPLETE') {
      const v = (this.metricName ? `${this.metricName}=${fmtNum(t.value)}` : 'done') + this.shownValues.map((n) => `  ${n}=${fmtNum(t.values?.[n])}`).join('');
      const standing = t.infeasible ? `  infeasible: ${t.infeasible}` : '';
      let shown = best;
      if (typeof t.scale?.name === 'string' && t.value !== null) {
        // in a ladder, the best of the trial's own scale
        const key = scaleKey(t);
        const prev = this.scaleBest.get(key);
        if (!prev || (prev.value !== null && (this.goal === 'maximize' ? t.value > prev.value : t.value < prev.value))) this.scaleBest.set(key, t);
        shown = this.scaleBest.get(key)!;
      }
      // a branch is compared with the other branches at its budget, which its tag names
      const b = shown && !this.multi ? `  (best${branchOf(t) ? ' at this budget' : ''} ${fmtNum(shown.value)}, trial ${shown.number})` : '';
      this.line(`trial ${t.number} complete${scaleTag(t)}  ${v}${standing}${b}${dur}`);
    } else {
      this.line(`trial ${t.number} ${t.state}${scaleTag(t)}  ${(t.error ?? '').split('\n').join(' | ')}${dur}`);
    }
  }

  trialRequeued(stale: Trial, copy: Trial): void {
    this.line(`trial ${stale.number} stale (${stale.error ?? 'its runner stopped'}); re-queued as trial ${copy.number}${copy.resumeFrom ? ' from its last checkpoint' : ''}`);
  }

  warn(message: string): void {
    this.out.write(`warning: ${message}\n`);
  }

  note(message: string): void {
    this.out.write(`note: ${message}\n`);
  }

  studyFinished(e: StudyEnd): void {
    const n = (st: string): number => e.trials.filter((t) => t.state === st).length;
    if (this.verifying) {
      const v = e.trials.filter((t) => t.scale?.role === 'verify');
      return this.line(`study ${e.study.name}: the verify run ${e.interrupted ? 'stopped' : 'finished'}: ${v.filter((t) => t.state === 'COMPLETE').length} of ${v.length} complete`);
    }
    const how = { run_cap: 'run cap reached', exhausted: e.study.config.scales?.length ? "every scale's search done" : 'search space exhausted', target: 'target reached', interrupted: 'interrupted', no_more_work: 'no more work' }[e.reason];
    this.line(`study ${e.study.name} ${e.interrupted ? 'stopped' : 'finished'} (${how}): ${n('COMPLETE')} complete, ${n('PRUNED') ? `${n('PRUNED')} stopped early, ` : ''}${n('FAIL')} failed, ${n('STALE')} stale`);
  }

  async close(): Promise<void> {}
}
