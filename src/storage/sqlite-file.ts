/**
 * What can be wrong with the file a SQLite `--db` names, said before SQLite says it less clearly
 * ("unable to open database file", "file is not a database") or only at the first write.
 */
import { accessSync, closeSync, constants, existsSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
import { ScaletuneError } from '../core/errors.js';
import { commandHint } from '../core/hint.js';

const HEADER = 'SQLite format 3\0';

const refuse = (file: string, what: string): ScaletuneError => new ScaletuneError(`database ${file}: ${what}`, 2);

const writable = (p: string): boolean => {
  try {
    accessSync(p, constants.W_OK);
    return true;
  } catch {
    return false;
  }
};

/**
 * mkdir -p, one level at a time: Node's recursive mkdirSync spins forever on some paths (under
 * /proc, for one), and a database path is user input.
 */
function makeFolders(file: string, dir: string): void {
  const missing: string[] = [];
  let d = dir;
  for (; !existsSync(d); d = path.dirname(d)) {
    if (path.dirname(d) === d) break;
    missing.unshift(d);
  }
  if (existsSync(d) && !statSync(d).isDirectory()) throw refuse(file, `${d} is a file, not a folder; allowed: a path whose folders are folders`);
  for (const m of missing) {
    try {
      mkdirSync(m);
    } catch (e) {
      throw new ScaletuneError(`cannot make the folder ${m} for the database: ${(e as Error).message}`, 2);
    }
  }
}

/** Refuse a path that cannot hold a SQLite database; make its folders when `create` allows a new file. */
export function checkDatabasePath(file: string, create: boolean): void {
  if (file === '') throw new ScaletuneError("database path is empty; allowed: a SQLite file path, :memory:, or postgres://user:password@host:5432/database", 2);
  if (!existsSync(file)) {
    if (!create) throw new ScaletuneError(`no database at ${file}; start a study there with: ${commandHint('run <config>', file, process.cwd())}`, 2);
    const dir = path.dirname(path.resolve(file));
    makeFolders(file, dir);
    if (!writable(dir)) throw refuse(file, `cannot create it: the folder ${dir} is read-only; allowed: a path in a folder you can write`);
    return;
  }
  const st = statSync(file);
  if (st.isDirectory()) throw refuse(file, 'is a folder; allowed: a SQLite database file (or a new path, which run and create make)');
  if (!st.isFile()) throw refuse(file, 'is not a regular file; allowed: a SQLite database file');
  if (st.size === 0) return;
  const head = Buffer.alloc(HEADER.length);
  const fd = openSync(file, 'r');
  let n: number;
  try {
    n = readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  if (n < HEADER.length || head.toString('latin1') !== HEADER) throw refuse(file, 'is not a SQLite database (it does not start with "SQLite format 3"); allowed: a database scaletune made, or a new path');
}

/** SQLite's errors about the file itself, as a refusal naming it; anything else is returned as it was. */
export function fileProblem(file: string, e: unknown): unknown {
  const code = (e as { code?: unknown })?.code;
  if (typeof code !== 'string') return e;
  if (code.startsWith('SQLITE_READONLY')) return refuse(file, `is read-only (${(e as Error).message}); allowed: a database file, and its folder, that you can write`);
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') return refuse(file, `is not a usable SQLite database (${(e as Error).message})`);
  if (code.startsWith('SQLITE_CANTOPEN')) return refuse(file, `cannot be opened (${(e as Error).message}); allowed: a database file, and its folder, that you can read and write`);
  return e;
}
