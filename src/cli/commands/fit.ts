/** `scaletune fit <law>` and `scaletune predict <law>`: fit a scaling law to runs, keep it, predict from it. */
import { Argument, Command, Option } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { LAW_NAMES, LAWS, predictWithInterval, type LawName } from '../../../fitters/laws.js';
import type { FitResult } from '../../../fitters/types.js';
import { powerSchedule } from '../../../fitters/compute.js';
import { parseCsv } from '../../core/csv.js';
import { EXIT, UsageError } from '../../core/errors.js';
import { buildPoints, parseMaps, parseWhere } from '../../core/points.js';
import { fmtNum, table } from '../../report/format.js';
import type { Storage } from '../../storage/types.js';
import { action, globals, printJson, requireStudy, withStorage, type CliIO } from '../context.js';
import { finiteNumber, flag, wholeNumber } from '../flags.js';

/** Inputs `predict` takes as flags of their own; others come as --at name=value. */
const NAMED_INPUTS = ['N', 'D', 'M', 'loss', 'C', 'T', 'batch', 'Smin'];

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];
const list = (v: string): string[] => v.split(',').map((s) => s.trim()).filter(Boolean);

/** Where a study's trials put the usual inputs, when --map does not say. */
const STUDY_DEFAULTS: Record<string, string> = { loss: 'value', N: 'scale.params', D: 'scale.tokens', batch: 'batch_size' };

async function studyRows(storage: Storage, name: string): Promise<{ rows: Record<string, number>[]; studyId: number }> {
  const study = await requireStudy(storage, name);
  const trials = (await storage.getTrials(study.id)).filter((t) => t.state === 'COMPLETE');
  if (trials.length === 0) throw new UsageError(`study ${name} has no completed trial to fit`);
  const rows = trials.map((t) => {
    const r: Record<string, number> = {};
    for (const [k, v] of Object.entries(t.params)) if (typeof v === 'number') r[k] = v;
    for (const [k, v] of Object.entries(t.scale ?? {})) if (typeof v === 'number') r[`scale.${k}`] = v;
    if (t.value !== null) r.value = t.value;
    return r;
  });
  return { rows, studyId: study.id };
}

function csvRows(file: string, cwd: string): Record<string, string>[] {
  const abs = path.resolve(cwd, file);
  if (!existsSync(abs)) throw new UsageError(`--csv ${file}: file not found`);
  const { header, rows } = parseCsv(readFileSync(abs, 'utf8'));
  if (header.length === 0) throw new UsageError(`--csv ${file}: the file is empty`);
  return rows.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i] ?? ''])));
}

function printFit(io: CliIO, id: number | null, law: LawName, fit: FitResult): void {
  const rows = Object.entries(fit.params).map(([k, v]) => {
    const iv = fit.intervals[k];
    return [k, fmtNum(v), iv ? `[${fmtNum(iv[0])}, ${fmtNum(iv[1])}]` : '-'];
  });
  io.stdout.write(`${law}: ${LAWS[law].formula}\n${fit.nPoints} points, objective ${fmtNum(fit.objective)}\n\n`);
  io.stdout.write(`${table(['param', 'value', '95% interval'], rows)}\n\n`);
  io.stdout.write(`residuals: rmse ${fmtNum(fit.residuals.rmse)}, mean |rel. error| ${(100 * fit.residuals.meanAbsRelError).toFixed(2)}%, max ${(100 * fit.residuals.maxAbsRelError).toFixed(2)}%\n`);
  const b = fit.backtest;
  if (b) io.stdout.write(`backtest: without ${b.heldOut}: fit on ${b.nFit}, predict ${b.nHeldOut}: mean ${(100 * b.meanAbsRelError).toFixed(2)}%, max ${(100 * b.maxAbsRelError).toFixed(2)}%\n`);
  else io.stdout.write('backtest: none (too few scales to hold one back)\n');
  if (id !== null) io.stdout.write(`saved as fit ${id}; predict with: scaletune predict ${law} --fit ${id} ${LAWS[law].predictInputs({}).map((k) => `--${k} <value>`).join(' ')}\n`);
}

export function makeFitCommand(io: CliIO): Command {
  return new Command('fit')
    .description('fit a scaling law to runs from a study or a CSV file; the fit is kept for predict')
    .addArgument(new Argument('<law>', 'law to fit').choices(LAW_NAMES))
    .option('--study <name>', 'points from the completed trials of this study')
    .option('--csv <file>', 'points from a CSV file')
    .option('--map <name=expr>', 'where an input comes from: a column, or an expression such as D=C/(6*N) (repeatable, comma-separated)', collect, [])
    .option('--where <col=value>', 'keep only rows whose column equals the value (repeatable)', collect, [])
    .option('--x <columns>', 'input columns of the generic laws (power, power-offset)', list)
    .option('--y <column>', 'output column of the generic laws')
    .option('--bootstrap <n>', 'bootstrap resamples for intervals (0 for none)', wholeNumber)
    .addOption(flag('seed', 'bootstrap seed'))
    .option('--no-save', 'do not keep the fit in the database')
    .addOption(flag('json', 'print {law, n_points, params, intervals, objective, residuals, backtest} as JSON'))
    .action(
      action(io, async (law: LawName, f: { study?: string; csv?: string; map: string[]; where: string[]; x?: string[]; y?: string; bootstrap?: number; seed?: number; save: boolean; json?: boolean }, cmd: Command) => {
        if (!f.study === !f.csv) throw new UsageError('name where the points come from: --study <name> or --csv <file> (one of them)');
        const spec = { ...(f.x ? { x: f.x } : {}), ...(f.y ? { y: f.y } : {}) };
        const opts = { ...spec, ...(f.bootstrap !== undefined || f.seed !== undefined ? { bootstrap: { ...(f.bootstrap !== undefined ? { count: f.bootstrap } : {}), ...(f.seed !== undefined ? { seed: f.seed } : {}) } } : {}) };
        const needed = LAWS[law].inputs(opts);
        const maps = parseMaps(f.map);
        const where = parseWhere(f.where);
        const g = globals(cmd, io);
        const finish = async (points: Record<string, number>[], storage: Storage | null, studyId: number | null): Promise<number> => {
          const result = LAWS[law].fit(points, opts);
          let id: number | null = null;
          if (storage) {
            const source = f.csv ? { csv: path.resolve(io.cwd, f.csv), map: f.map, where: f.where } : { study: f.study, map: f.map, where: f.where };
            id = (await storage.saveFit({ studyId, law, source, spec, points, result })).id;
          }
          if (f.json) {
            printJson(io, { id, law, n_points: result.nPoints, params: result.params, intervals: result.intervals, objective: result.objective, residuals: result.residuals, backtest: result.backtest });
          } else printFit(io, id, law, result);
          return EXIT.OK;
        };
        if (f.csv) {
          const points = buildPoints(csvRows(f.csv, io.cwd), { source: f.csv, needed, maps, where });
          // points from a file need no database unless the fit is kept
          return f.save ? withStorage(g, io, (storage) => finish(points, storage, null), { create: true }) : finish(points, null, null);
        }
        return withStorage(g, io, async (storage) => {
          const s = await studyRows(storage, f.study!);
          const points = buildPoints(s.rows, { source: `study ${f.study}`, needed, maps, where, defaults: STUDY_DEFAULTS });
          return finish(points, f.save ? storage : null, s.studyId);
        });
      }),
    );
}

export function makePredictCommand(io: CliIO): Command {
  return new Command('predict')
    .description('predict from a kept fit, with the interval of its bootstrap refits')
    .addArgument(new Argument('<law>', 'law').choices(LAW_NAMES))
    .addOption(flag('fit'))
    .option('--N <value>', 'parameters (non-embedding)')
    .option('--D <value>', 'training tokens')
    .option('--M <value>', 'tokens per parameter (overtrain)')
    .option('--loss <value>', 'loss (error, critical-batch laws)')
    .option('--C <value>', 'compute in FLOPs (deepseek, isoflop)')
    .option('--T <value>', 'tokens (power-scheduler)')
    .option('--batch <value>', 'batch size (power-scheduler)')
    .option('--Smin <value>', 'steps at infinite batch (kaplan-steps)')
    .option('--at <name=value>', 'an input of a generic law, e.g. C=1e24 (repeatable)', collect, [])
    .addOption(flag('json', 'print {law, fit, at, prediction, interval} as JSON'))
    .action(
      action(io, async (law: LawName, f: Record<string, string | string[] | boolean | undefined>, cmd: Command) =>
        withStorage(globals(cmd, io), io, async (storage) => {
          let fit;
          if (f.fit !== undefined) {
            fit = await storage.getFit(Number(f.fit));
            if (!fit) throw new UsageError(`--fit ${f.fit}: no such fit in ${storage.location}`);
            if (fit.law !== law) throw new UsageError(`--fit ${f.fit}: that fit is of law ${fit.law}, not ${law}`);
          } else {
            fit = await storage.latestFit(law);
            if (!fit) throw new UsageError(`no ${law} fit in ${storage.location}; make one with: scaletune fit ${law} …`);
          }
          const at: Record<string, number> = {};
          const put = (k: string, v: string, flag: string): void => {
            const n = Number(v);
            if (v.trim() === '' || !Number.isFinite(n)) throw new UsageError(`${flag}: found '${v}'; allowed: a finite number such as 7e9`);
            at[k] = n;
          };
          for (const k of NAMED_INPUTS) if (typeof f[k] === 'string') put(k, f[k] as string, `--${k}`);
          for (const a of (f.at as string[]) ?? []) {
            const eq = a.indexOf('=');
            if (eq <= 0) throw new UsageError(`--at: found '${a}'; allowed: name=value`);
            put(a.slice(0, eq), a.slice(eq + 1), `--at ${a.slice(0, eq)}`);
          }
          const missing = LAWS[law].predictInputs(fit.spec).filter((k) => !(k in at));
          if (missing.length) throw new UsageError(`predict ${law}: missing ${missing.map((k) => (NAMED_INPUTS.includes(k) ? `--${k}` : `--at ${k}=<value>`)).join(', ')}`);
          const p = predictWithInterval(law, fit.result, at, fit.spec);
          if (f.json) printJson(io, { law, fit: fit.id, at, prediction: p.value, interval: p.interval });
          else {
            const where = Object.entries(at).map(([k, v]) => `${k}=${fmtNum(v)}`).join(' ');
            for (const [k, v] of Object.entries(p.value)) {
              const iv = p.interval[k];
              io.stdout.write(`${k} = ${fmtNum(v)}${iv ? `  (95% interval ${fmtNum(iv[0])} to ${fmtNum(iv[1])})` : '  (no interval: the fit has no bootstrap refits)'}  at ${where}\n`);
            }
            io.stdout.write(`from fit ${fit.id} (${law}, ${fit.result.nPoints} points)\n`);
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
            if (!got || got.law !== 'power-scheduler') throw new UsageError(`no power-scheduler fit${f.fit !== undefined ? ` with id ${f.fit}` : ''}; give --a and --b, or fit one with: scaletune fit power-scheduler …`);
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
    .option('--law <law>', 'only fits of this law')
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
