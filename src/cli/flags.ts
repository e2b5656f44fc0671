/**
 * Flags that more than one command takes, declared once with their parsers: a command adds
 * `flag('parallel')` and may word the help for what it does with the value. A bad value is a commander
 * InvalidArgumentError, so it is reported like commander's own errors, with the usage hint.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { MAX_PARALLEL, PARALLEL_ALLOWED, STUDY_NAME, STUDY_NAME_ALLOWED } from '../config/study.js';

export function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('allowed: a whole number, at least 1');
  return n;
}

export function wholeNumber(v: string): number {
  if (!/^\d+$/.test(v)) throw new InvalidArgumentError('allowed: a whole number, 0 or more');
  return Number(v);
}

export function finiteNumber(v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError('allowed: a finite number');
  return n;
}

/** The config's rule for `name:`: the name becomes a folder under the runs root. */
export function studyName(v: string): string {
  if (!STUDY_NAME.test(v)) throw new InvalidArgumentError(`allowed: ${STUDY_NAME_ALLOWED}`);
  return v;
}

export function fitId(v: string): number {
  if (!/^\d+$/.test(v)) throw new InvalidArgumentError('allowed: a fit id as printed by scaletune fit');
  return Number(v);
}

/** A number from lo to hi, whole when `int`. */
export function numberIn(lo: number, hi: number, int: boolean): (v: string) => number {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < lo || n > hi || (int && !Number.isInteger(n))) throw new InvalidArgumentError(`allowed: ${int ? 'a whole number' : 'a number'} from ${lo} to ${hi}`);
    return n;
  };
}

/** The config's range for `parallel:`, in the same words. */
export function parallelRuns(v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isInteger(n) || n < 1 || n > MAX_PARALLEL) throw new InvalidArgumentError(`allowed: ${PARALLEL_ALLOWED}`);
  return n;
}

interface FlagSpec {
  flags: string;
  description: string;
  parse?: (v: string) => unknown;
}

export const FLAGS = {
  db: { flags: '--db <path>', description: 'SQLite database file (env SCALETUNE_DB; default ./scaletune.db)' },
  quiet: { flags: '--quiet', description: 'print only results and errors' },
  debug: { flags: '--debug', description: 'print stack traces of unexpected errors' },
  json: { flags: '--json', description: 'print the outcome as JSON on stdout (progress goes to stderr)' },
  live: { flags: '--no-live', description: 'plain progress lines even on a terminal' },
  parallel: { flags: '--parallel <n>', description: `runs at a time, 1 to ${MAX_PARALLEL} (overrides the config)`, parse: parallelRuns },
  runCap: { flags: '--run-cap <n>', description: 'the most runs (overrides the config)', parse: positiveInt },
  seed: { flags: '--seed <n>', description: 'seed when the config names none', parse: wholeNumber },
  name: { flags: '--name <name>', description: 'study name (default: the config name, else the file name)', parse: studyName },
  member: { flags: '--member <k>', description: 'the member whose schedule to follow', parse: wholeNumber },
  fit: { flags: '--fit <id>', description: 'which fit (default: the newest of this law)', parse: fitId },
} satisfies Record<string, FlagSpec>;

export type FlagName = keyof typeof FLAGS;

/** The option for a shared flag; `description` words it for one command. */
export function flag(name: FlagName, description?: string): Option {
  const spec: FlagSpec = FLAGS[name];
  const o = new Option(spec.flags, description ?? spec.description);
  return spec.parse ? o.argParser(spec.parse) : o;
}

/** The flags every command sees: where the database is, and how much to print. */
export function addGlobalFlags(program: Command): Command {
  return program.addOption(flag('db')).addOption(flag('quiet')).addOption(flag('debug'));
}
