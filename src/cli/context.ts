/** What every command gets: where to print, the environment, the global flags, and storage helpers. */
import type { Command } from 'commander';
import path from 'node:path';
import { UsageError } from '../core/errors.js';
import { snakeKeys } from '../report/format.js';
import { PyFloat, pyStr } from '../core/python.js';
import { commandHint, DEFAULT_DB } from '../core/hint.js';
import { openStorage, SqliteStorage, type Storage } from '../storage/index.js';
import { fileProblem } from '../storage/sqlite-file.js';

// the library's lookup, so that a mistyped study name gets the same message from every command
export { requireStudy } from '../study/create.js';

export interface Out {
  write(s: string): unknown;
  isTTY?: boolean;
}

export interface CliIO {
  stdout: Out;
  stderr: Out;
  env: Record<string, string | undefined>;
  cwd: string;
  /** aborted on SIGINT/SIGTERM */
  signal?: AbortSignal;
  /** a question answered on the terminal; absent when stdin is no terminal (then nothing is asked) */
  ask?: (question: string) => Promise<string>;
}

export interface GlobalOptions {
  db: string;
  quiet: boolean;
  debug: boolean;
}

export function globals(cmd: Command, io: CliIO): GlobalOptions {
  const o = cmd.optsWithGlobals() as { db?: string; quiet?: boolean; debug?: boolean };
  // an empty path would resolve to the working directory and be reported as that folder
  if (o.db !== undefined && o.db.trim() === '') throw new UsageError("--db '': empty path; allowed: a SQLite file path, :memory:, or postgres://user:password@host:5432/database");
  const env = io.env.SCALETUNE_DB;
  if (o.db === undefined && env !== undefined && env.trim() === '') throw new UsageError('SCALETUNE_DB is set but empty; allowed: a SQLite file path, :memory:, or postgres://…; unset it for ./scaletune.db');
  return { db: o.db ?? env ?? DEFAULT_DB, quiet: Boolean(o.quiet), debug: Boolean(o.debug) };
}

export function dbPath(g: GlobalOptions, io: CliIO): string {
  return g.db === ':memory:' || /^\w+:\/\//.test(g.db) ? g.db : path.resolve(io.cwd, g.db);
}

/** Open storage, run `fn`, always close. Only commands that create studies may create the database. */
export async function withStorage<T>(g: GlobalOptions, io: CliIO, fn: (s: Storage) => Promise<T>, opts: { create?: boolean } = {}): Promise<T> {
  const location = dbPath(g, io);
  const storage = openStorage(location, { create: opts.create ?? false });
  try {
    return await fn(storage);
  } catch (e) {
    // a write to a read-only SQLite file fails deep inside a command; say which file and why
    throw storage instanceof SqliteStorage ? fileProblem(location, e) : e;
  } finally {
    await storage.close();
  }
}

/**
 * A command to print as a hint (`continue with: …`): with `--db` whenever the database in use is not
 * the default one, so that pasting it reaches the same study.
 */
export function hint(g: GlobalOptions, io: CliIO, args: string): string {
  return commandHint(args, dbPath(g, io), io.cwd);
}

/** Every `--json` output goes through here, so all of them speak snake_case (see snakeKeys). */
export function printJson(io: CliIO, v: unknown): void {
  io.stdout.write(`${JSON.stringify(snakeKeys(v), null, 2)}\n`);
}

/**
 * As printJson, for output holding typed parameters (typedParams): a float written `1.0` in the
 * config prints as 1.0, so that a trial re-launched from this JSON gets what its trainer got.
 */
export function printTypedJson(io: CliIO, v: unknown): void {
  io.stdout.write(typedJsonText(v));
}

export function typedJsonText(v: unknown): string {
  const mark = '\u0000float:';
  const text = JSON.stringify(snakeKeys(v), (_k, x: unknown) => (x instanceof PyFloat ? (Number.isFinite(x.value) ? `${mark}${pyStr(x)}` : null) : x), 2);
  return `${text.replace(/"\\u0000float:([^"]*)"/g, '$1')}\n`;
}

const exitCodes = new WeakMap<CliIO, { code: number }>();

/** Where a command's exit code lands for this invocation (main reads it after parsing). */
export function exitHolder(io: CliIO): { code: number } {
  let h = exitCodes.get(io);
  if (!h) exitCodes.set(io, (h = { code: 0 }));
  return h;
}

/** Wrap a command's action: its return value becomes the exit code. */
export function action<A extends unknown[]>(io: CliIO, fn: (...args: A) => Promise<number> | number): (...args: A) => Promise<void> {
  return async (...args: A) => {
    exitHolder(io).code = await fn(...args);
  };
}
