/**
 * Which TensorFlow.js runtime runs the training: the native TensorFlow library through
 * `@tensorflow/tfjs-node-gpu` or `@tensorflow/tfjs-node` (optional dependencies: their install downloads a
 * native library, which fails offline), else `@tensorflow/tfjs` with the WASM backend, else its pure-JS
 * CPU backend. `scaletune doctor` prints what `probeRuntimes` finds.
 */
import { findInstalled } from '../../core/installation.js';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { RuntimePreference } from './settings.js';

export type TF = typeof import('@tensorflow/tfjs');
export type RuntimeName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';

export interface RuntimeProbe {
  name: RuntimeName;
  package: string;
  ok: boolean;
  /** why it is not usable, or what it is */
  detail: string;
}

export interface LoadedRuntime {
  tf: TF;
  name: RuntimeName;
  /** every runtime tried before this one, with why it was passed over */
  probes: RuntimeProbe[];
}

const require = createRequire(import.meta.url);

const CANDIDATES: { name: RuntimeName; package: string }[] = [
  { name: 'tensorflow-gpu', package: '@tensorflow/tfjs-node-gpu' },
  { name: 'tensorflow', package: '@tensorflow/tfjs-node' },
  { name: 'wasm', package: '@tensorflow/tfjs-backend-wasm' },
  { name: 'cpu', package: '@tensorflow/tfjs' },
];

function order(pref: RuntimePreference): typeof CANDIDATES {
  switch (pref) {
    case 'auto':
      return CANDIDATES;
    case 'tensorflow':
      return CANDIDATES.slice(0, 2);
    case 'wasm':
      return CANDIDATES.filter((c) => c.name === 'wasm');
    case 'cpu':
      return CANDIDATES.filter((c) => c.name === 'cpu');
  }
}

function firstLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n')[0]!.slice(0, 300);
}

async function tryLoad(c: { name: RuntimeName; package: string }): Promise<{ tf: TF } | { error: string }> {
  try {
    if (c.name === 'tensorflow-gpu' || c.name === 'tensorflow') {
      try {
        require.resolve(c.package);
      } catch {
        return { error: `not installed (npm install ${c.package}; its install downloads the native TensorFlow library)` };
      }
      const spec = c.package;
      const mod = (await import(spec)) as TF & { default?: TF };
      const tf = (mod.default ?? mod) as TF;
      await tf.setBackend('tensorflow');
      await tf.ready();
      return { tf };
    }
    const tf = (await import('@tensorflow/tfjs')) as TF;
    tf.env().set('PROD', true); // no debug checks, and no banner asking to install tfjs-node
    if (c.name === 'wasm') {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      // the bundle carries the WASM binaries in wasm/ beside it; an installation has them in node_modules
      const dir = path.dirname(findInstalled('wasm/tfjs-backend-wasm.wasm') ?? require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
      wasm.setWasmPaths(dir + path.sep);
      if (!(await tf.setBackend('wasm'))) return { error: 'the WASM backend did not initialise' };
    } else if (!(await tf.setBackend('cpu'))) return { error: 'the CPU backend did not initialise' };
    await tf.ready();
    return { tf };
  } catch (e) {
    return { error: firstLine(e) };
  }
}

/** Load the first runtime that works, in the order the preference allows. */
export async function loadRuntime(pref: RuntimePreference = 'auto'): Promise<LoadedRuntime> {
  const probes: RuntimeProbe[] = [];
  for (const c of order(pref)) {
    const r = await tryLoad(c);
    if ('tf' in r) return { tf: r.tf, name: c.name, probes };
    probes.push({ name: c.name, package: c.package, ok: false, detail: r.error });
  }
  throw new Error(`no TensorFlow.js runtime could be loaded for runtime: ${pref}: ${probes.map((p) => `${p.name}: ${p.detail}`).join('; ')}`);
}

/**
 * Try every runtime (for `scaletune doctor`): which loads, and why the others do not. Loading is done in
 * this process, so call it from a short-lived one.
 */
export async function probeRuntimes(): Promise<RuntimeProbe[]> {
  const out: RuntimeProbe[] = [];
  for (const c of CANDIDATES) {
    const r = await tryLoad(c);
    if ('tf' in r) {
      const version = (r.tf.version as Record<string, string>)['tfjs-core'] ?? '';
      out.push({ name: c.name, package: c.package, ok: true, detail: `loads (tfjs-core ${version}, backend ${r.tf.getBackend()})` });
    } else out.push({ name: c.name, package: c.package, ok: false, detail: r.error });
  }
  return out;
}
