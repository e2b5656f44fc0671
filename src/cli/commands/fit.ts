/** `scaletune fit <law>` and `scaletune predict <law>`: fit a scaling law to runs, keep it, predict from it. */
import { Argument, Command, Option } from 'commander';
import path from 'node:path';
import { LAW_NAMES, LAWS, type LawName } from '../../../fitters/laws.js';
import type { FitResult } from '../../../fitters/types.js';
import { powerSchedule } from '../../../fitters/compute.js';
import { EXIT, UsageError } from '../../core/errors.js';
import { fitLaw, keepFit, type LawFit } from '../../fit/fit.js';
import { NAMED_INPUTS, predict } from '../../fit/predict.js';
import { fmtNum, table } from '../../report/format.js';
import { action, globals, hint, printJson, withStorage, type CliIO } from '../context.js';
import { finiteNumber, flag, wholeNumber } from '../flags.js';

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];
const list = (v: string): string[] => v.split(',').map((s) => s.trim()).filter(Boolean);

type InputFlags = Partial<Record<(typeof NAMED_INPUTS)[number], string>> & { at: string[] };

/** The inputs of a prediction: the named flags first, then each `--at name=value`. */
function inputsAt(f: InputFlags): Record<string, number> {
  const at: Record<string, number> = {};
  const put = (k: string, v: string, flag: string): void => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n)) throw new UsageError(`${flag}: found '${v}'; allowed: a finite number such as 7e9`);
    at[k] = n;
  };
  for (const k of NAMED_INPUTS) if (f[k] !== undefined) put(k, f[k], `--${k}`);
  for (const a of f.at) {
    const eq = a.indexOf('=');
    if (eq <= 0) throw new UsageError(`--at: found '${a}'; allowed: name=value`);
    put(a.slice(0, eq), a.slice(eq + 1), `--at ${a.slice(0, eq)}`);
  }
  return at;
}

function printFit(io: CliIO, id: number | null, law: LawName, formula: string, fit: FitResult, cmdHint: (args: string) => string): void {
  const rows = Object.entries(fit.params).map(([k, v]) => {
    const iv = fit.intervals[k];
    return [k, fmtNum(v), iv ? `[${fmtNum(iv[0])}, ${fmtNum(iv[1])}]` : '-'];
  });
  io.stdout.write(`${law}: ${formula}\n${fit.nPoints} points, objective ${fmtNum(fit.objective)}\n\n`);
  io.stdout.write(`${table(['param', 'value', '95% interval'], rows)}\n\n`);
  io.stdout.write(`residuals: rmse ${fmtNum(fit.residuals.rmse)}, mean |rel. error| ${(100 * fit.residuals.meanAbsRelError).toFixed(2)}%, max ${(100 * fit.residuals.maxAbsRelError).toFixed(2)}%\n`);
  const b = fit.backtest;
  if (b) io.stdout.write(`backtest: without ${b.heldOut}: fit on ${b.nFit}, predict ${b.nHeldOut}: mean ${(100 * b.meanAbsRelError).toFixed(2)}%, max ${(100 * b.maxAbsRelError).toFixed(2)}%\n`);
  else io.stdout.write('backtest: none (too few scales to hold one back)\n');
  if (id !== null) io.stdout.write(`saved as fit ${id}; predict with: ${cmdHint(`predict ${law} --fit ${id} ${LAWS[law].predictInputs({}).map((k) => `--${k} <value>`).join(' ')}`)}\n`);
}

interface FitFlags {
  study?: string;
  withVerify?: boolean;
  csv?: string;
  map: string[];
  where: string[];
  x?: string[];
  y?: string;
  bootstrap?: number;
  seed?: number;
  save: boolean;
  json?: boolean;
}

export function makeFitCommand(io: CliIO): Command {
  return new Command('fit')
    .description('fit a scaling law to runs from a study or a CSV file; the fit is kept for predict')
    .addArgument(new Argument('<law>', 'law to fit').choices(LAW_NAMES))
    .option('--study <name>', 'points from the completed trials of this study')
    .option('--with-verify', "with --study: take a ladder's verify runs in too (left out by default: they are not part of a scale's search)")
    .option('--csv <file>', 'points from a CSV file')
    .option('--map <name=expr>', 'where an input comes from: a column, or an expression such as D=C/(6*N) (repeatable, comma-separated)', collect, [])
    .option('--where <col=value>', 'keep only rows whose column equals the value (repeatable)', collect, [])
    .option('--x <columns>', 'input columns of the generic laws (power, power-offset)', list)
    .option('--y <column>', 'output column of the generic laws')
    .option('--bootstrap <n>', 'bootstrap resamples for intervals (0 for none)', wholeNumber)
    .addOption(flag('seed', 'bootstrap seed'))
    .option('--no-save', 'do not keep the fit in the database')
    .addOption(flag('json', 'print {law, n_points, params, intervals, objective, residuals, backtest, notes} as JSON'))
    .action(
      action(io, async (law: LawName, f: FitFlags, cmd: Command) => {
        if (!f.study === !f.csv) throw new UsageError('name where the points come from: --study <name> or --csv <file> (one of them)');
        const opts = {
          map: f.map,
          where: f.where,
          ...(f.x ? { x: f.x } : {}),
          ...(f.y ? { y: f.y } : {}),
          ...(f.bootstrap !== undefined || f.seed !== undefined ? { bootstrap: { ...(f.bootstrap !== undefined ? { count: f.bootstrap } : {}), ...(f.seed !== undefined ? { seed: f.seed } : {}) } } : {}),
          cwd: io.cwd,
        };
        const g = globals(cmd, io);
        const print = (fit: LawFit, id: number | null): number => {
          const r = fit.result;
          if (f.json) printJson(io, { id, law, n_points: r.nPoints, params: r.params, intervals: r.intervals, objective: r.objective, residuals: r.residuals, backtest: r.backtest, notes: fit.notes });
          else {
            printFit(io, id, law, fit.formula, r, (args) => hint(g, io, args));
            for (const n of fit.notes) io.stdout.write(`note: ${n}\n`);
          }
          return EXIT.OK;
        };
        if (f.csv) {
          const fit = await fitLaw(law, { csv: f.csv }, opts);
          // points from a file need no database unless the fit is kept
          return print(fit, f.save ? await withStorage(g, io, (storage) => keepFit(storage, fit), { create: true }) : null);
        }
        return withStorage(g, io, async (storage) => {
          const fit = await fitLaw(law, { study: f.study!, storage, withVerify: Boolean(f.withVerify) }, opts);
          return print(fit, f.save ? await keepFit(storage, fit) : null);
        });
      }),
    );
}

export function makePredictCommand(io: CliIO): Command {
  const cmd = new Command('predict')
    .description('predict from a kept fit, with the interval of its bootstrap refits')
    .addArgument(new Argument('<law>', 'law').choices(LAW_NAMES))
    .addOption(flag('fit'));
  const help: Record<(typeof NAMED_INPUTS)[number], string> = {
    N: 'parameters (non-embedding)',
    D: 'training tokens',
    M: 'tokens per parameter (overtrain)',
    loss: 'loss (error, critical-batch laws)',
    C: 'compute in FLOPs (deepseek, isoflop)',
    T: 'tokens (power-scheduler)',
    batch: 'batch size (power-scheduler)',
    Smin: 'steps at infinite batch (kaplan-steps)',
  };
  for (const k of NAMED_INPUTS) cmd.option(`--${k} <value>`, help[k]);
  return cmd
    .option('--at <name=value>', 'an input of a generic law, e.g. C=1e24 (repeatable)', collect, [])
    .addOption(flag('json', 'print {law, fit, at, prediction, interval} as JSON'))
    .action(
      action(io, async (law: LawName, f: InputFlags & { fit?: number; json?: boolean }, c: Command) =>
        withStorage(globals(c, io), io, async (storage) => {
          const at = inputsAt(f);
          const p = await predict(storage, law, at, f.fit !== undefined ? { fit: f.fit } : {});
          if (f.json) printJson(io, { law, fit: p.fit.id, at, prediction: p.value, interval: p.interval });
          else {
            const where = Object.entries(at).map(([k, v]) => `${k}=${fmtNum(v)}`).join(' ');
            for (const [k, v] of Object.entries(p.value)) {
              const iv = p.interval[k];
              io.stdout.write(`${k} = ${fmtNum(v)}${iv ? `  (95% interval ${fmtNum(iv[0])} to ${fmtNum(iv[1])})` : '  (no interval: the fit has no bootstrap refits)'}  at ${where}\n`);
            }
            io.stdout.write(`from fit ${p.fit.id} (${law}, ${p.fit.result.nPoints} points)\n`);
          }
          return EXIT.OK;
        }),
      ),
    );
}

export function makeScheduleCommand(io: CliIO): Command {
  return new Command('schedule')
    .description("the Power scheduler's learning-rate table (step, tokens, lr) for a trainer to read")
    .addOption(flag('fit', 'take a and b from a power-scheduler fit (default: the newest, when --a/--b are not given)'))
    .option('--a <value>', 'the law\'s a', finiteNumber)
    .option('--b <value>', 'the law\'s b (negative)', finiteNumber)
    .requiredOption('--batch <value>', 'batch size, in the units the law was fitted in', finiteNumber)
    .requiredOption('--tokens <value>', 'total training tokens', finiteNumber)
    .requiredOption('--tokens-per-step <value>', 'tokens per optimizer step', finiteNumber)
    .requiredOption('--lr-max <value>', 'upper bound of the learning rate', finiteNumber)
    .option('--warmup-tokens <value>', 'linear warmup over this many tokens', finiteNumber)
    .option('--decay-fraction <value>', 'final decay over this fraction of the tokens (default 0.1)', finiteNumber)
    .addOption(new Option('--decay <shape>', 'final decay').choices(['exponential', 'linear']).default('exponential'))
    .option('--every <n>', 'print every n-th step (the last always)', finiteNumber)
    .addOption(new Option('--format <format>', 'output').choices(['csv', 'json']).default('csv'))
    .action(
      action(io, async (f: { fit?: number; a?: number; b?: number; batch: number; tokens: number; tokensPerStep: number; lrMax: number; warmupTokens?: number; decayFraction?: number; decay: 'exponential' | 'linear'; every?: number; format: 'csv' | 'json' }, cmd: Command) => {
        let a = f.a;
        let b = f.b;
        if (a === undefined || b === undefined) {
          const fit = await withStorage(globals(cmd, io), io, async (storage) => {
            const got = f.fit !== undefined ? await storage.getFit(f.fit) : await storage.latestFit('power-scheduler');
            if (!got || got.law !== 'power-scheduler') throw new UsageError(`no power-scheduler fit${f.fit !== undefined ? ` with id ${f.fit}` : ''}; give --a and --b, or fit one with: ${hint(globals(cmd, io), io, 'fit power-scheduler …')}`);
            return got;
          });
          a ??= fit.result.params.a!;
          b ??= fit.result.params.b!;
        }
        const table = powerSchedule({
          a,
          b,
          batch: f.batch,
          tokensPerStep: f.tokensPerStep,
          totalTokens: f.tokens,
          lrMax: f.lrMax,
          decay: f.decay,
          ...(f.warmupTokens !== undefined ? { warmupTokens: f.warmupTokens } : {}),
          ...(f.decayFraction !== undefined ? { decayFraction: f.decayFraction } : {}),
        });
        const every = Math.max(1, Math.floor(f.every ?? 1));
        const shown = table.filter((r, i) => i % every === every - 1 || i === table.length - 1);
        if (f.format === 'json') printJson(io, shown);
        else io.stdout.write(`step,tokens,lr\n${shown.map((r) => `${r.step},${r.tokens},${r.lr}`).join('\n')}\n`);
        return EXIT.OK;
      }),
    );
}

export function makeFitsCommand(io: CliIO): Command {
  return new Command('fits')
    .description('list the kept fits')
    .addOption(new Option('--law <law>', 'only fits of this law').choices(LAW_NAMES))
    .addOption(flag('json', 'print an array of {id, law, n_points, params, source, created_at}'))
    .action(
      action(io, async (f: { law?: string; json?: boolean }, cmd: Command) =>
        withStorage(globals(cmd, io), io, async (storage) => {
          const fits = (await storage.listFits()).filter((x) => !f.law || x.law === f.law);
          if (f.json) {
            printJson(io, fits.map((x) => ({ id: x.id, law: x.law, n_points: x.result.nPoints, params: x.result.params, source: x.source, created_at: new Date(x.createdAt).toISOString() })));
          } else if (fits.length === 0) io.stdout.write(`no fits in ${storage.location}${f.law ? ` for law ${f.law}` : ''}\n`);
          else {
            const src = (s: Record<string, unknown>): string => (typeof s.study === 'string' ? `study ${s.study}` : typeof s.csv === 'string' ? path.basename(s.csv) : '-');
            const rows = fits.map((x) => [String(x.id), x.law, String(x.result.nPoints), src(x.source), Object.entries(x.result.params).map(([k, v]) => `${k}=${fmtNum(v, 4)}`).join(' ')]);
            io.stdout.write(`${table(['id', 'law', 'points', 'source', 'params'], rows)}\n`);
          }
          return EXIT.OK;
        }),
      ),
    );
}
