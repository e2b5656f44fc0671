/** Reading a study config file: YAML or JSON, every problem reported at once (exit code 2). */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { ConfigError } from '../core/errors.js';
import { isObj } from '../core/options.js';
import type { StudyConfig } from './study.js';
import { validateStudyConfig, type ValidateOptions } from './validate.js';

/** More alias expansions than any hand-written config needs: a document past it is an alias bomb. */
const MAX_ALIASES = 1000;

/** Parse YAML (JSON is YAML) keeping track of which numbers were written as integers. */
export function parseConfigText(text: string, file: string): { raw: unknown; intPaths: Set<string> } {
  const doc = YAML.parseDocument(text, { intAsBigInt: true, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map((e) => {
        const hint = /flow/.test(e.message) && text.includes('${') ? ' (in a [flow, list], quote macros: "${args}")' : '';
        return { path: '', message: `not valid YAML or JSON: ${e.message.split('\n')[0]!.replace(/:$/, '')}${hint}` };
      }),
    );
  }
  const intPaths = new Set<string>();
  const walk = (v: unknown, p: string): unknown => {
    if (typeof v === 'bigint') {
      intPaths.add(p);
      return Number(v);
    }
    if (Array.isArray(v)) return v.map((x, i) => walk(x, `${p}[${i}]`));
    if (v instanceof Date) return v.toISOString();
    if (isObj(v)) {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = walk(x, p ? `${p}.${k}` : k);
      return out;
    }
    return v;
  };
  let js: unknown;
  try {
    js = doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (e) {
    // yaml stops an alias bomb (aliases of aliases, growing exponentially) by throwing here
    if (/alias/i.test((e as Error).message)) throw new ConfigError(file, [{ path: '', message: `too many aliases (*name) expand in this document (more than ${MAX_ALIASES}); allowed: a config whose aliases expand to a small document` }]);
    throw e;
  }
  return { raw: walk(js, ''), intPaths };
}

/** Read and validate a study config file. Throws ConfigError (exit code 2) naming every problem. */
export function loadStudyConfig(file: string, opts: Pick<ValidateOptions, 'forRun'> = {}): StudyConfig {
  const abs = path.resolve(file);
  if (!existsSync(abs)) throw new ConfigError(file, [{ path: '', message: 'file not found' }]);
  if (statSync(abs).isDirectory()) throw new ConfigError(file, [{ path: '', message: 'is a folder; allowed: a .yaml, .yml or .json file' }]);
  const text = readFileSync(abs, 'utf8');
  if (text.trim() === '') throw new ConfigError(file, [{ path: '', message: 'the file is empty; allowed: a mapping with at least `parameters`' }]);
  const { raw, intPaths } = parseConfigText(text, file);
  return validateStudyConfig(raw, { file, configDir: path.dirname(abs), intPaths, ...opts });
}
