/** Making a study from a config, and finding one by name: what `scaletune run`/`create` do before any trial. */
import os from 'node:os';
import path from 'node:path';
import { STUDY_NAME, STUDY_NAME_ALLOWED, type StudyConfig } from '../config/index.js';
import { describe } from '../core/options.js';
import { UsageError } from '../core/errors.js';
import { commandHint } from '../core/hint.js';
import { randomSeed } from '../core/rng.js';
import type { Storage, StudyRecord } from '../storage/types.js';

export interface CreateStudyOptions {
  /** a name that must be free (a UsageError when taken, or when it breaks the rule for a config's `name:`); without it, the config's name, else the file's, made unique */
  name?: string;
  /** the config file it came from: the default name, and recorded in the study_created event */
  file?: string;
  /** the seed when the config names none; default a random one */
  seed?: number;
  /** where the study's trainers run and relative paths resolve; default process.cwd() */
  cwd?: string;
  /** the folder that holds one folder of trial outputs per study; default scaletune-runs beside the database */
  runsDir?: string;
}

export interface CreatedStudy {
  study: StudyRecord;
  /** why the name differs from the one asked for (the name was taken), else null */
  note: string | null;
}

/**
 * A server database (PostgreSQL) has no folder, so its runs go under the working directory; an
 * in-memory one leaves nothing behind worth keeping beside it.
 */
export function defaultRunsDir(storage: Storage, cwd: string): string {
  const where = storage.location;
  if (where === ':memory:') return path.join(os.tmpdir(), 'scaletune-runs');
  if (/^\w+:\/\//.test(where)) return path.join(cwd, 'scaletune-runs');
  return path.join(path.dirname(where), 'scaletune-runs');
}

/** Create the study a config describes; its initial points are queued first, in order, whatever the method. */
export async function createStudy(storage: Storage, config: StudyConfig, o: CreateStudyOptions = {}): Promise<CreatedStudy> {
  const label = o.file ?? 'config';
  // the CLI and the config validator check these too; a library caller reaches here with neither
  if (o.name !== undefined && !STUDY_NAME.test(o.name)) throw new UsageError(`name: found ${describe(o.name)}; allowed: ${STUDY_NAME_ALLOWED}`);
  if (config.name !== undefined && !STUDY_NAME.test(config.name)) throw new UsageError(`${label}: name: found ${describe(config.name)}; allowed: ${STUDY_NAME_ALLOWED}`);
  if (config.bayes?.warmStart && !(await storage.getStudy(config.bayes.warmStart))) {
    throw new UsageError(`${label}: bayes.warm_start: no study named '${config.bayes.warmStart}' in ${storage.location} to learn from`);
  }
  const base = o.name ?? config.name ?? (o.file ? path.basename(o.file).replace(/\.(ya?ml|json)$/i, '') : 'study');
  let name = base;
  let note: string | null = null;
  if (await storage.getStudy(name)) {
    if (o.name) throw new UsageError(`--name ${o.name}: a study with that name already exists in ${storage.location}; continue it with: ${commandHint(`resume ${o.name}`, storage.location, o.cwd ?? process.cwd())}`);
    let i = 2;
    while (await storage.getStudy(`${base}-${i}`)) i++;
    name = `${base}-${i}`;
    note = `study '${base}' already exists in ${storage.location}; this one is '${name}' (continue the old one with: ${commandHint(`resume ${base}`, storage.location, o.cwd ?? process.cwd())})`;
  }
  const cwd = o.cwd ?? process.cwd();
  const seed = config.seed ?? o.seed ?? randomSeed();
  const artifactsDir = path.join(o.runsDir ?? defaultRunsDir(storage, cwd), name);
  const study = await storage.createStudy({ name, config: { ...config, seed }, seed, cwd, artifactsDir });
  await storage.logEvent(study.id, null, `${os.hostname()}:${process.pid}`, 'study_created', { file: o.file ? path.resolve(cwd, o.file) : null });
  for (const params of config.initialPoints ?? []) await storage.enqueue(study.id, { params });
  return { study, note };
}

/** A study by name, or a UsageError that lists the names there are. */
export async function requireStudy(storage: Storage, name: string): Promise<StudyRecord> {
  const s = await storage.getStudy(name);
  if (s) return s;
  const names = (await storage.listStudies()).map((x) => x.name);
  throw new UsageError(
    `no study named '${name}' in ${storage.location}; ${names.length ? `studies there: ${names.slice(-20).join(', ')}` : `it holds no study yet (start one with: ${commandHint('run <config>', storage.location, process.cwd())})`}`,
  );
}
