/**
 * What every plugin's option parser shares: how a found value is described in a message, the issue
 * list it adds to, and what it may know of the rest of the study. Parsers live with their plugins
 * (searchers/, schedulers/, src/backends/, src/orchestrator/); the registries in src/registry/ list
 * them, and src/config/ dispatches each section of a study file to the one that owns it.
 */
import type { ConfigIssue } from './errors.js';
import type { SearchSpace } from './distributions.js';
import type { MetricConfig } from './trial.js';

/** A short description of a found value, for messages: `"abc" (a string)`. */
export function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return `a list of ${v.length}`;
  if (typeof v === 'object') return 'a mapping';
  const s = typeof v === 'string' ? JSON.stringify(v) : String(v);
  const shown = s.length > 60 ? `${s.slice(0, 57)}...` : s;
  return `${shown} (a ${typeof v === 'number' ? 'number' : typeof v})`;
}

export const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
export const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** The problems found in one file, collected so that a user sees all of them at once. */
export class Issues {
  readonly list: ConfigIssue[] = [];
  /** a value that is there but not allowed */
  bad(path: string, found: unknown, allowed: string): void {
    this.list.push({ path, message: `found ${describe(found)}; allowed: ${allowed}` });
  }
  add(path: string, message: string): void {
    this.list.push({ path, message });
  }
  get count(): number {
    return this.list.length;
  }
}

/** What an option parser may know of the study besides its own block, already parsed. */
export interface OptionContext {
  method: string;
  parameters: SearchSpace;
  metric?: MetricConfig;
  /** the backend's type as written (a broken backend block still tells which backend is meant) */
  backendType: string;
  /** folder of the config file ('' for configs given as objects): relative paths resolve against it */
  configDir: string;
}

/**
 * A block of a study config owned by one plugin (`bayes:`, `pbt:`, `llm:`, `backend:`, …): its
 * parser, which adds every problem to `issues` naming the field and returns undefined when there was
 * one, and its part of the JSON Schema.
 */
export interface OptionSpec<T> {
  parse(raw: unknown, ctx: OptionContext, issues: Issues): T | undefined;
  schema(): Record<string, unknown>;
}
