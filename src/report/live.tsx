/**
 * The live terminal view (ink): finished trials are written once above (<Static>), running ones below
 * with their latest metric and a progress bar, then the best so far and an ETA.
 */
import { studyFront } from '../orchestrator/best.js';
import React from 'react';
import { Box, render, Static, Text, type Instance } from 'ink';
import { formatDuration } from '../core/duration.js';
import type { Trial } from '../core/trial.js';
import type { LiveReport, Reporter, StudyEnd, StudyStart } from './reporter.js';
import type { StudyConfig } from '../config/index.js';
import { fmtNum, fmtParams } from './format.js';
import { fmtSci, optimumLabel } from './ladder-text.js';
import { ladderProgress, type ScaleProgress } from '../../fitters/ladder/index.js';
import { ladderLive } from './ladder-view.js';
import type { ScaleOptimum } from '../../fitters/ladder/index.js';

interface Running {
  trial: Trial;
  report: LiveReport | null;
  startedAt: number;
}

interface State {
  title: string;
  metric: string | undefined;
  runCap: number | null;
  parallel: number;
  finished: { key: string; text: string; color: string }[];
  running: Running[];
  best: Trial | null;
  /** a multi-objective study: how many trials are on its Pareto front (it has no one best) */
  front: number | null;
  done: number;
  durations: number[];
  /** running trials shown one per line; the rest are counted, so that the live part fits the terminal */
  maxRunning: number;
  footer: string | null;
  /** a ladder: one bar per scale, and the running fit once two scales are done */
  scales: ScaleProgress[] | null;
  fit: string[] | null;
  optima: Record<string, ScaleOptimum | null>;
}

/** A done scale's lr* as the summary has it (how it was found said); a running one's best run, called that. */
function lrText(p: ScaleProgress, optimum: ScaleOptimum | null | undefined): string {
  if (p.done && optimum) return `lr* ${fmtSci(optimum.lr)} (${optimumLabel(optimum).replace('!', '')})`;
  return `lr of the best run so far ${fmtSci(p.bestLr)}`;
}

function LadderView({ scales, optima, fit, metric }: { scales: ScaleProgress[]; optima: Record<string, ScaleOptimum | null>; fit: string[] | null; metric: string | undefined }): React.ReactElement {
  const w = Math.max(...scales.map((p) => p.name.length));
  return (
    <Box flexDirection="column">
      {scales.map((p) => (
        <Text key={p.name}>
          <Text color={p.done ? 'green' : p.running ? 'cyan' : undefined}>{p.name.padEnd(w)}</Text> {p.budget !== null ? bar(p.finished / p.budget, 16) : ''} {String(p.finished).padStart(3)}
          {p.budget !== null ? `/${p.budget}` : ''} {p.best !== null ? `· best ${metric ?? 'value'} ${fmtNum(p.best)} · ${lrText(p, optima[p.name])}` : ''}
        </Text>
      ))}
      {fit ? fit.map((l, i) => <Text key={`f${i}`} color="magenta">{l}</Text>) : null}
    </Box>
  );
}

function bar(fraction: number, width = 20): string {
  const f = Math.max(0, Math.min(1, fraction));
  const full = Math.round(f * width);
  return '█'.repeat(full) + '░'.repeat(width - full);
}

function Dashboard({ s }: { s: State }): React.ReactElement {
  const now = Date.now();
  const mean = s.durations.length ? s.durations.reduce((a, b) => a + b, 0) / s.durations.length : null;
  const left = s.runCap === null ? null : Math.max(0, s.runCap - s.done);
  const eta = mean !== null && left !== null ? (mean * left) / Math.max(1, s.parallel) : null;
  return (
    <Box flexDirection="column">
      <Static items={s.finished}>{(f) => <Text key={f.key} color={f.color}>{f.text}</Text>}</Static>
      <Text bold>{s.title}</Text>
      {s.scales ? <LadderView scales={s.scales} optima={s.optima} fit={s.fit} metric={s.metric} /> : null}
      {s.running.slice(0, s.maxRunning).map((r) => {
        const step = r.report?.step ?? 0;
        const total = r.report?.totalSteps ?? null;
        const m = s.metric && r.report?.metrics[s.metric] !== undefined ? `${s.metric} ${fmtNum(r.report.metrics[s.metric])}` : '';
        return (
          <Text key={r.trial.id}>
            <Text color="cyan">trial {String(r.trial.number).padEnd(4)}</Text> {total ? `${bar(step / total)} ${step}/${total}` : `step ${step}`}{' '}
            {m} <Text dimColor>{formatDuration(now - r.startedAt)}  {fmtParams(r.trial.params)}</Text>
          </Text>
        );
      })}
      {s.running.length > s.maxRunning ? <Text dimColor>… and {s.running.length - s.maxRunning} more running</Text> : null}
      <Text>
        {s.done}
        {s.runCap !== null ? `/${s.runCap}` : ''} done · {s.running.length} running
        {s.front !== null ? ` · Pareto front of ${s.front}` : s.best ? ` · best ${s.metric} ${fmtNum(s.best.value)} (trial ${s.best.number})` : ''}
        {eta !== null && s.running.length ? ` · ETA ${formatDuration(eta)}` : ''}
      </Text>
      {s.footer ? <Text bold>{s.footer}</Text> : null}
    </Box>
  );
}

export class InkReporter implements Reporter {
  private s: State = { title: '', metric: undefined, runCap: null, parallel: 1, finished: [], running: [], best: null, front: null, done: 0, durations: [], maxRunning: Infinity, footer: null, scales: null, fit: null, optima: {} };
  private config: StudyConfig | null = null;
  private seed = 0;
  private trials = new Map<number, Trial>();
  private doneScales = 0;

  /** A ladder's bars from the trials known here; the law fit again whenever another scale is done. */
  private refreshLadder(): void {
    if (!this.config?.scales?.length) return;
    const trials = [...this.trials.values()];
    this.s.scales = ladderProgress(this.config, trials);
    const done = this.s.scales.filter((p) => p.done).length;
    if (done !== this.doneScales) {
      this.doneScales = done;
      const live = ladderLive(this.config, trials, this.seed);
      this.s.fit = live.lines;
      this.s.optima = live.optima;
    }
  }
  private app: Instance | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly stdout: NodeJS.WriteStream) {}

  private update(): void {
    // the lines besides the running trials: title, ladder bars and fit, status, footer, and a spare
    const fixed = 4 + (this.s.scales?.length ?? 0) + (this.s.fit?.length ?? 0);
    const maxRunning = this.stdout.rows ? Math.max(1, this.stdout.rows - fixed - 1) : Infinity;
    const el = <Dashboard s={{ ...this.s, maxRunning, finished: [...this.s.finished], running: [...this.s.running] }} />;
    if (!this.app) this.app = render(el, { stdout: this.stdout, patchConsole: false, exitOnCtrlC: false });
    else this.app.rerender(el);
  }

  studyStarted(st: StudyStart): void {
    const cfg = st.study.config;
    this.s.title = st.verify
      ? `study ${st.study.name} · the verify run, after the ladder's search`
      : `study ${st.study.name} · ${cfg.method}${cfg.scales?.length ? ` · ${cfg.scales.length} scales` : ''} · ${st.runCap === null ? 'no run cap' : `${st.runCap} run${st.runCap === 1 ? '' : 's'}`} · ${st.parallel} at a time`;
    this.s.metric = cfg.metric?.name;
    this.s.runCap = st.runCap;
    this.s.parallel = st.parallel;
    this.s.done = st.finishedBefore.length;
    for (const t of st.finishedBefore) if (t.state === 'COMPLETE' && !t.infeasible && cfg.metric) this.s.best = pickBest(this.s.best, t, cfg.metric.goal);
    this.config = cfg;
    this.seed = st.study.seed;
    for (const t of st.finishedBefore) this.trials.set(t.id, t);
    this.s.front = studyFront([...this.trials.values()], cfg)?.length ?? null;
    this.refreshLadder();
    this.update();
    // keep the elapsed times moving
    this.timer = setInterval(() => this.update(), 500);
  }

  trialStarted(t: Trial): void {
    this.s.running.push({ trial: t, report: null, startedAt: Date.now() });
    this.trials.set(t.id, t);
    this.refreshLadder();
    this.update();
  }

  trialReport(t: Trial, r: LiveReport): void {
    const run = this.s.running.find((x) => x.trial.id === t.id);
    if (run) run.report = r;
  }

  trialFinished(t: Trial, best: Trial | null): void {
    this.s.running = this.s.running.filter((x) => x.trial.id !== t.id);
    this.s.done++;
    if (t.startedAt !== null && t.finishedAt !== null) this.s.durations.push(t.finishedAt - t.startedAt);
    this.s.best = best;
    this.trials.set(t.id, t);
    if (this.config) this.s.front = studyFront([...this.trials.values()], this.config)?.length ?? null;
    const ok = t.state === 'COMPLETE';
    const text = ok
      ? `✔ trial ${t.number}${t.scale?.name ? ` [${String(t.scale.name)}]` : ''}  ${this.s.metric ?? 'value'} ${fmtNum(t.value)}${Object.entries(t.values ?? {}).filter(([k]) => k !== this.s.metric).map(([k, v]) => `  ${k} ${fmtNum(v)}`).join('')}${t.infeasible ? '  (infeasible)' : ''}  ${fmtParams(t.params)}`
      : `✘ trial ${t.number}  ${t.state}: ${(t.error ?? '').split('\n')[0]}`;
    this.s.finished.push({ key: `t${t.id}`, text, color: ok ? 'green' : t.state === 'PRUNED' ? 'yellow' : 'red' });
    this.trials.set(t.id, t);
    this.refreshLadder();
    this.update();
  }

  trialRequeued(stale: Trial, copy: Trial): void {
    this.s.running = this.s.running.filter((x) => x.trial.id !== stale.id);
    this.trials.set(stale.id, stale);
    this.refreshLadder();
    this.s.finished.push({ key: `s${stale.id}`, text: `↻ trial ${stale.number} re-queued as trial ${copy.number}`, color: 'yellow' });
    this.update();
  }

  warn(message: string): void {
    this.printAbove(`warning: ${message}`, 'yellow');
  }

  note(message: string): void {
    this.printAbove(`note: ${message}`, 'gray');
  }

  private printAbove(text: string, color: string): void {
    // printed once above the live part, which must stay shorter than the terminal: past its height ink
    // redraws by clearing the screen and the scrollback with it
    this.s.finished.push({ key: `w${this.s.finished.length}`, text, color });
    if (this.app) this.update();
  }

  studyFinished(e: StudyEnd): void {
    const n = (st: string): number => e.trials.filter((t) => t.state === st).length;
    // the study's best over all its trials, also those other processes ran
    this.s.best = e.best;
    this.s.footer = `${e.interrupted ? 'stopped' : 'finished'}: ${n('COMPLETE')} complete, ${n('PRUNED') ? `${n('PRUNED')} stopped early, ` : ''}${n('FAIL')} failed`;
    this.update();
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.app) {
      this.update();
      this.app.unmount();
      await this.app.waitUntilExit().catch(() => undefined);
    }
  }
}

function pickBest(a: Trial | null, b: Trial, goal: 'minimize' | 'maximize'): Trial {
  if (!a || a.value === null) return b;
  if (b.value === null) return a;
  return (goal === 'minimize' ? b.value < a.value : b.value > a.value) ? b : a;
}
