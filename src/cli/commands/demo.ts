/**
 * `scaletune demo`: the product's job in under three minutes with nothing but npm packages — a scale
 * ladder of a synthetic language at four model widths, trained in-process (tfjs), each run harvested at
 * four token budgets: the best learning rate and loss per width and budget, the laws across them, their
 * prediction for a model 4x larger, and that model trained once with the predicted learning rate, with
 * the verdict on the prediction as the last word.
 */
import { Command } from 'commander';
import { installedFile } from '../../core/installation.js';
import { loadStudyConfig, type StudyConfig } from '../../config/index.js';
import { fmtNum } from '../../report/format.js';
import { fmtPredicted, fmtSci, undetermined, verdict } from '../../report/ladder-text.js';
import type { LadderSummary, VerifyResult } from '../../../fitters/ladder/index.js';
import type { Storage, StudyRecord } from '../../storage/types.js';
import { action, globals, hint, withStorage, type CliIO } from '../context.js';
import { flag } from '../flags.js';
import { loadLadder } from '../../orchestrator/verify.js';
import { createFromCli, executeStudy } from './run.js';

/** fixtures/studies/demo.yaml of this installation. */
export function demoConfigPath(): string {
  return installedFile('fixtures/studies/demo.yaml');
}

/** What demo --quick is, said before it runs and after its summary: its numbers are no result. */
const SMOKE_TEST =
  'demo --quick is a smoke test of the pipeline, not a result: three learning rates per width are too few to interpolate an optimum (five are needed), so its lr* is the best of three and its laws fit noise; `scaletune demo` runs the real ladder (about 80 s)';

/** A much smaller ladder, for tests and slow machines: three narrow widths, three learning rates, few tokens. */
function quick(config: StudyConfig): StudyConfig {
  const b = config.backend.type === 'tfjs' ? config.backend : null;
  const widths = [8, 16, 24];
  return {
    ...config,
    parameters: { lr: { type: 'categorical', values: [0.003, 0.02, 0.12] } },
    scales: widths.map((w) => ({ name: `w${w}`, tokens: 12_000, model: { width: w }, parameters: {} })),
    target: { name: 'w24x4', params: 4 * 2952, tokens: 12_000, model: { width: 96 } },
    // twelve steps a run: a checkpoint at an eighth of them would be the first step
    ...(config.harvest ? { harvest: { ...config.harvest, budgets: [0.5, 1] } } : {}),
    ...(b ? { backend: { ...b, settings: { ...b.settings, eval_batches: 2 } } } : {}),
  };
}

/** The exact Bayes loss of the synthetic language for the model's window, which no model can beat. */
async function lossFloor(storage: Storage, study: StudyRecord): Promise<number | null> {
  const floors = (await storage.getMetrics(study.id)).filter((m) => m.name === 'loss_floor' && m.value !== null);
  return floors.at(-1)?.value ?? null;
}

/** The demo's last word: the target, never trained before, against what the widths predicted for it. */
export function verdictLine(summary: LadderSummary, verify: readonly VerifyResult[]): string | null {
  const v = verify.find((x) => x.at === 'target');
  if (!v) return null;
  const lr = v.params[summary.lrParam];
  const head = `verdict at ${v.scale} (the target, trained once with the predicted ${summary.lrParam} ${typeof lr === 'number' ? fmtSci(lr) : String(lr)})`;
  if (v.measured === null) return `${head}: the run did not complete (${v.error ?? v.state.toLowerCase()})`;
  if (!v.predicted) return `${head}: measured ${summary.metric} ${fmtNum(v.measured)}; no loss law was fitted to predict it (see the notes)`;
  return `${head}: predicted ${summary.metric} ${fmtPredicted(v.predicted)}, measured ${fmtNum(v.measured)}: ${verdict(v.predicted, v.measured, 'relative')}`;
}

export function makeDemoCommand(io: CliIO): Command {
  return new Command('demo')
    .description('tune and predict end to end in minutes: a four-width ladder of a synthetic language (tfjs) harvested at four token budgets, the laws across them, a prediction for 4x the largest width, and that model trained once to check it')
    .option('--quick', 'a much smaller ladder (seconds)')
    .addOption(flag('parallel', 'runs at a time (default 2)'))
    .addOption(flag('json', 'print the outcome as JSON'))
    .addOption(flag('live'))
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
            const { study } = await createFromCli(storage, io, file, config, {});
            if (!flags.json) io.stderr.write(`demo: study ${study.name} (${file}), results in ${storage.location}\n${flags.quick ? `${SMOKE_TEST}\n` : ''}`);
            const code = await executeStudy(storage, study, g, io, { ...(flags.parallel ? { parallel: flags.parallel } : {}), ...(flags.live === false ? { live: false } : {}), ...(flags.json ? { json: true } : {}) });
            const floor = await lossFloor(storage, study);
            if (!flags.json && floor !== null) {
              const { summary, verify } = await loadLadder(storage, study);
              const loss = summary.laws.loss;
              const E = loss?.params.E;
              if (loss && E !== undefined && undetermined(loss, 'E')) {
                const iv = loss.intervals.E;
                const why = iv && iv[1] > 1e-6 ? `its 95% interval runs from 0 to ${fmtNum(iv[1])}` : 'the fit put it at its bound of 0';
                io.stdout.write(`the loss law's E is not determined by these widths (${why}); the language's exact Bayes loss for this window is ${fmtNum(floor)}, which no model can beat\n`);
              } else if (E !== undefined) {
                const why = E > floor ? 'above it: the proxies are short of data and steps, not only of size' : 'below it, which no model can reach: a few widths do not pin E down, so trust the law near the sizes measured, not far beyond';
                io.stdout.write(`the loss law's E = ${fmtNum(E)} against the language's exact Bayes loss ${fmtNum(floor)} for this window (${why})\n`);
              }
              const line = verdictLine(summary, verify);
              if (line) io.stdout.write(`${line}\n`);
              io.stdout.write(`report: ${hint(g, io, `report ${study.name} --format html --out ${study.name}.html`)}\n`);
            }
            if (!flags.json && flags.quick) io.stdout.write(`${SMOKE_TEST}\n`);
            return code;
          },
          { create: true },
        );
      }),
    );
}
