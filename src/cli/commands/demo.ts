/**
 * `scaletune demo`: the product's job in under three minutes with nothing but npm packages — a
 * learning-rate sweep of the synthetic language at four model sizes, trained in-process (tfjs), then the
 * best learning rate and loss per size, the laws across sizes, and their prediction for a model 4x larger.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { loadStudyConfig, type StudyConfig } from '../../core/config.js';
import { EXIT } from '../../core/errors.js';
import { fmtNum } from '../../report/format.js';
import { summarizeSizeSweep, type SizeRun, type SizeSweepSummary } from '../../report/size-sweep.js';
import type { Storage, StudyRecord } from '../../storage/types.js';
import { action, globals, parsePositiveInt, printJson, withStorage, type CliIO } from '../context.js';
import { createStudy, executeStudy } from './run.js';

/** fixtures/studies/demo.yaml of this installation. */
export function demoConfigPath(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const p = path.join(dir, 'fixtures', 'studies', 'demo.yaml');
    if (existsSync(p)) return p;
    dir = path.dirname(dir);
  }
  throw new Error('fixtures/studies/demo.yaml is missing from this installation');
}

/** A much smaller sweep, for tests and slow machines. */
function quick(config: StudyConfig): StudyConfig {
  const b = config.backend.type === 'tfjs' ? config.backend : null;
  return {
    ...config,
    parameters: { width: { type: 'categorical', values: [8, 16, 24] }, lr: { type: 'categorical', values: [0.003, 0.02, 0.12] } },
    ...(b ? { backend: { ...b, settings: { ...b.settings, tokens: 12_000, eval_batches: 2 } } } : {}),
  };
}

async function sweepRuns(storage: Storage, study: StudyRecord): Promise<{ runs: SizeRun[]; floor: number | null }> {
  const metrics = await storage.getMetrics(study.id);
  const last = new Map<string, number>();
  for (const m of metrics) if (m.value !== null) last.set(`${m.trialId}:${m.name}`, m.value);
  const runs: SizeRun[] = [];
  for (const t of await storage.getTrials(study.id)) {
    if (t.state !== 'COMPLETE' || t.value === null) continue;
    const N = last.get(`${t.id}:params`);
    if (N === undefined || typeof t.params.lr !== 'number') continue;
    runs.push({ N, lr: t.params.lr, loss: t.value });
  }
  const floors = metrics.filter((m) => m.name === 'loss_floor' && m.value !== null);
  return { runs, floor: floors.at(-1)?.value ?? null };
}

function interval(i: [number, number] | null): string {
  return i ? ` (95% interval ${fmtNum(i[0])} to ${fmtNum(i[1])})` : '';
}

export function formatSizeSweep(s: SizeSweepSummary, floor: number | null, metric: string): string {
  const lines: string[] = ['', `best learning rate per model size (${metric}):`, '  N (non-embedding)  lr*        best run: lr   ' + metric];
  for (const z of s.sizes) {
    lines.push(`  ${String(z.N).padEnd(17)}  ${fmtNum(z.lr).padEnd(9)}${z.bracketed ? ' ' : '!'}  ${fmtNum(z.bestLr).padEnd(13)}  ${fmtNum(z.bestLoss)}`);
  }
  if (s.sizes.some((z) => !z.bracketed)) lines.push('  ! not bracketed by the sweep: the best run itself, not an interpolated optimum');
  lines.push('');
  if (s.lr) {
    const p = s.lr.fit.params;
    lines.push(`lr*(N) = ${fmtNum(p.a!)} * N^${fmtNum(p.N!)}   (exponent 95% interval ${fmtNum(s.lr.fit.intervals.N?.[0] ?? NaN)} to ${fmtNum(s.lr.fit.intervals.N?.[1] ?? NaN)})`);
    lines.push(`  predicted for N = ${Math.round(s.targetN)} (4x the largest): lr* = ${fmtNum(s.lr.value)}${interval(s.lr.interval)}`);
  }
  if (s.loss) {
    const p = s.loss.fit.params;
    lines.push(`${metric}(N) = ${fmtNum(p.E!)} + ${fmtNum(p.A!)} * N^-${fmtNum(p.alpha!)}`);
    lines.push(`  predicted for N = ${Math.round(s.targetN)}: ${metric} = ${fmtNum(s.loss.value)}${interval(s.loss.interval)}`);
    if (floor !== null) {
      const why = p.E! > floor ? 'above it: the proxies are short of data and steps, not only of size' : 'below it, which no model can reach: a few sizes do not pin E down, so trust the law near the sizes measured, not far beyond';
      lines.push(`  fitted E = ${fmtNum(p.E!)} against the language's exact Bayes loss ${fmtNum(floor)} for this window (${why})`);
    }
  }
  for (const n of s.notes) lines.push(`note: ${n}`);
  return `${lines.join('\n')}\n`;
}

export function makeDemoCommand(io: CliIO): Command {
  return new Command('demo')
    .description('tune and predict end to end in minutes: a learning-rate sweep of a synthetic language at four model sizes (tfjs), then the laws across sizes')
    .option('--quick', 'a much smaller sweep (seconds)')
    .option('--parallel <n>', 'runs at a time (default 2)', parsePositiveInt('--parallel'))
    .option('--json', 'print the summary as JSON')
    .option('--no-live', 'plain progress lines even on a terminal')
    .action(
      action(io, async (flags: { quick?: boolean; parallel?: number; json?: boolean; live?: boolean }, cmd: Command) => {
        const g = globals(cmd, io);
        const file = demoConfigPath();
        let config = loadStudyConfig(file);
        if (flags.quick) config = quick(config);
        return withStorage(
          g,
          io,
          async (storage) => {
            const { study } = await createStudy(storage, g, io, file, config, {});
            if (!flags.json) io.stderr.write(`demo: study ${study.name} (${file}), results in ${storage.location}\n`);
            const code = await executeStudy(storage, study, g, { ...io, stdout: flags.json ? io.stderr : io.stdout }, { ...(flags.parallel ? { parallel: flags.parallel } : {}), ...(flags.live === false ? { live: false } : {}) });
            if (code !== EXIT.OK) return code;
            const { runs, floor } = await sweepRuns(storage, study);
            const summary = summarizeSizeSweep(runs, { seed: study.seed });
            if (flags.json) {
              printJson(io, {
                study: study.name,
                sizes: summary.sizes,
                target_N: summary.targetN,
                lr: summary.lr && { value: summary.lr.value, interval: summary.lr.interval, params: summary.lr.fit.params },
                loss: summary.loss && { value: summary.loss.value, interval: summary.loss.interval, params: summary.loss.fit.params },
                loss_floor: floor,
                notes: summary.notes,
              });
            } else io.stdout.write(formatSizeSweep(summary, floor, config.metric?.name ?? 'loss'));
            return EXIT.OK;
          },
          { create: true },
        );
      }),
    );
}
