/**
 * Fitting a law to runs, as `scaletune fit` does: rows from a study's completed trials, a CSV file or
 * the caller, shaped into the law's inputs by `map` and `where`, fitted; `keepFit` keeps it for `predict`.
 * The fitters stay pure; this module is what reads storage and files for them.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { LAWS, type LawFitOptions, type LawName } from '../../fitters/laws.js';
import type { FitResult } from '../../fitters/types.js';
import { parseCsv } from '../core/csv.js';
import { UsageError } from '../core/errors.js';
import { isVerifyRun, type Trial } from '../core/trial.js';
import { buildPoints, parseMaps, parseWhere } from '../core/points.js';
import type { Storage } from '../storage/types.js';
import { requireStudy } from '../study/create.js';

/** A row as read: CSV cells are strings, a study's are numbers. */
export type RawRow = Record<string, string | number | null | undefined>;

/** Where a study's trials put the usual inputs, when `map` does not say. */
export const STUDY_DEFAULTS: Record<string, string> = { loss: 'value', N: 'scale.params', D: 'scale.tokens', batch: 'batch_size' };

/** A study's completed trials, a CSV file (a path), or rows the caller has (`label` names them in messages). */
export type FitSource = { study: string; storage: Storage; withVerify?: boolean } | { csv: string } | { rows: readonly RawRow[]; label?: string };

export interface FitLawOptions {
  /** where an input comes from: `name=column` or `name=expression` (comma-separated allowed), as `--map` */
  map?: string[];
  /** keep only rows whose column equals the value: `column=value`, as `--where` */
  where?: string[];
  /** the input columns and output column of the generic laws (power, power-offset) */
  x?: string[];
  y?: string;
  /** bootstrap resamples behind the intervals (count 0 for none) and their seed */
  bootstrap?: { count?: number; seed?: number };
  /** resolves a relative CSV path; default process.cwd() */
  cwd?: string;
}

export interface LawFit {
  law: LawName;
  /** the study the points came from; null for other sources */
  studyId: number | null;
  /** where the points came from, as kept with the fit */
  source: Record<string, unknown>;
  /** what predictions need (the generic laws' x and y) */
  spec: { x?: string[]; y?: string };
  points: Record<string, number>[];
  result: FitResult;
  /** what was left out of the points, and how to have it in */
  notes: string[];
  /** the law's formula, with the units of its inputs where they depend on the source (Step Law's batch) */
  formula: string;
}

/**
 * Step Law's batch is in the units of whatever column fed it: tokens when the column says so, else the
 * column's own (a study's batch_size counts sequences), never assumed to be tokens.
 */
function formulaFor(law: LawName, maps: readonly { name: string; expr: string }[], fromStudy: boolean): string {
  const formula = LAWS[law].formula;
  if (!formula.includes('(batch in tokens)')) return formula;
  const col = maps.find((m) => m.name === 'batch')?.expr ?? (fromStudy ? STUDY_DEFAULTS.batch! : 'batch');
  return formula.replace('(batch in tokens)', /token/i.test(col) ? `(batch in tokens: ${col})` : `(batch in the units of ${col}, e.g. sequences per step)`);
}

/** A completed trial as a row: its numeric parameters, its scale as `scale.<key>`, its value as `value`. */
export function trialRow(t: Trial): Record<string, number> {
  const r: Record<string, number> = {};
  for (const [k, v] of Object.entries(t.params)) if (typeof v === 'number') r[k] = v;
  for (const [k, v] of Object.entries(t.scale ?? {})) if (typeof v === 'number') r[`scale.${k}`] = v;
  if (t.value !== null) r.value = t.value;
  return r;
}

export function readCsvRows(file: string, cwd: string = process.cwd()): Record<string, string>[] {
  const abs = path.resolve(cwd, file);
  if (!existsSync(abs)) throw new UsageError(`--csv ${file}: file not found`);
  if (!statSync(abs).isFile()) throw new UsageError(`--csv ${file}: is a folder, not a file; allowed: a CSV file with a header row`);
  const { header, rows } = parseCsv(readFileSync(abs, 'utf8'), `--csv ${file}`);
  if (header.length === 0) throw new UsageError(`--csv ${file}: the file is empty`);
  return rows.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i] ?? ''])));
}

/** A study's completed trials; a ladder's verify runs (predicted hyperparameters, not a search's) only when asked. */
async function studyRows(storage: Storage, name: string, withVerify: boolean): Promise<{ rows: Record<string, number>[]; studyId: number; notes: string[] }> {
  const study = await requireStudy(storage, name);
  const complete = (await storage.getTrials(study.id)).filter((t) => t.state === 'COMPLETE');
  const trials = withVerify ? complete : complete.filter((t) => !isVerifyRun(t));
  if (trials.length === 0) throw new UsageError(`study ${name} has no completed trial to fit`);
  const left = complete.length - trials.length;
  const notes = left ? [`${left} verify run${left === 1 ? '' : 's'} of the ladder left out (trained with predicted hyperparameters, not part of a scale's search); --with-verify takes ${left === 1 ? 'it' : 'them'} in`] : [];
  return { rows: trials.map(trialRow), studyId: study.id, notes };
}

/** Fit `law` to the rows of `from`; problems with the options surface before anything is read. */
export async function fitLaw(law: LawName, from: FitSource, o: FitLawOptions = {}): Promise<LawFit> {
  const spec = { ...(o.x ? { x: o.x } : {}), ...(o.y ? { y: o.y } : {}) };
  const opts: LawFitOptions = { ...spec, ...(o.bootstrap ? { bootstrap: o.bootstrap } : {}) };
  const needed = LAWS[law].inputs(opts);
  const maps = parseMaps(o.map ?? []);
  const where = parseWhere(o.where ?? []);
  const cwd = o.cwd ?? process.cwd();
  let points: Record<string, number>[];
  let studyId: number | null = null;
  let source: Record<string, unknown>;
  let notes: string[] = [];
  if ('study' in from) {
    const s = await studyRows(from.storage, from.study, from.withVerify ?? false);
    studyId = s.studyId;
    notes = s.notes;
    points = buildPoints(s.rows, { source: `study ${from.study}`, needed, maps, where, defaults: STUDY_DEFAULTS });
    source = { study: from.study, map: o.map ?? [], where: o.where ?? [] };
  } else if ('csv' in from) {
    points = buildPoints(readCsvRows(from.csv, cwd), { source: from.csv, needed, maps, where });
    source = { csv: path.resolve(cwd, from.csv), map: o.map ?? [], where: o.where ?? [] };
  } else {
    points = buildPoints(from.rows, { source: from.label ?? 'rows', needed, maps, where });
    source = { rows: from.label ?? null, map: o.map ?? [], where: o.where ?? [] };
  }
  return { law, studyId, source, spec, points, result: LAWS[law].fit(points, opts), notes, formula: formulaFor(law, maps, 'study' in from) };
}

/** Keep a fit so that `predict` and `schedule` find it; returns its id. */
export async function keepFit(storage: Storage, fit: LawFit): Promise<number> {
  return (await storage.saveFit({ studyId: fit.studyId, law: fit.law, source: fit.source, spec: fit.spec, points: fit.points, result: fit.result })).id;
}
