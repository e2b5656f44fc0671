/** The commands scaletune prints for the user to run next, so that they reach the database in use. */
import path from 'node:path';

/** What `--db` means when neither it nor SCALETUNE_DB is given, relative to the working directory. */
export const DEFAULT_DB = './scaletune.db';

const PLAIN = /^[\w@%+=:,./-]+$/;

/** Quote a word for a POSIX shell when it needs it. */
export function shellWord(s: string): string {
  return PLAIN.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The URL with its password hidden: a password never goes into a printed line. */
export function redactUrl(url: string): string {
  return url.replace(/(postgres(?:ql)?:\/\/[^:/@]+:)[^@]*@/, '$1***@');
}

/**
 * `scaletune <args>`, with `--db <location>` unless `location` (as storage reports it) is the default
 * database for `cwd`; `:memory:` is gone once the process ends, so no hint can reach it.
 */
export function commandHint(args: string, location: string, cwd: string): string {
  const isDefault = location === path.resolve(cwd, DEFAULT_DB) || location === ':memory:';
  return `scaletune ${args}${isDefault ? '' : ` --db ${shellWord(redactUrl(location))}`}`;
}
