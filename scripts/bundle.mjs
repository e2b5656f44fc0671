#!/usr/bin/env node
// `npm run bundle`: scaletune as one folder that runs with Node alone, no node_modules anywhere — for a
// GPU node with neither npm nor internet. esbuild bundles the CLI and the tfjs training worker (its own
// thread, so its own file); beside them go what they read at run time: better-sqlite3's native addon,
// the tfjs WASM binaries, package.json (the version), the LLAMBO templates, the example studies and
// their trainers, the PyTorch reference trainer and its helper, and the wandb stand-in.
// Usage: node scripts/bundle.mjs [--out dist/bundle]
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const i = process.argv.indexOf('--out');
const out = path.resolve(i >= 0 ? process.argv[i + 1] : path.join(root, 'dist/bundle'));
const require = createRequire(path.join(root, 'package.json'));
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

// CommonJS dependencies call require() and read __dirname (the tfjs WASM loader does); an ES module bundle has neither unless given them
const banner = {
  js: [
    "import { createRequire as __scaletuneRequire } from 'node:module';",
    "import { fileURLToPath as __scaletuneFileURLToPath } from 'node:url';",
    "import { dirname as __scaletuneDirname } from 'node:path';",
    'const require = __scaletuneRequire(import.meta.url);',
    'const __filename = __scaletuneFileURLToPath(import.meta.url);',
    'const __dirname = __scaletuneDirname(__filename);',
  ].join(' '),
};
const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  banner,
  logLevel: 'warning',
  // optional at run time, and absent here: the native TensorFlow runtimes (tfjs falls back to WASM),
  // pg's native client, vega's node-canvas (reports render SVG without it); all loaded lazily, inside a try
  external: ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', 'pg-native', 'canvas'],
  plugins: [
    {
      // ink imports its React devtools bridge statically but only uses it when DEV=true: an empty stand-in
      name: 'no-devtools',
      setup(b) {
        b.onResolve({ filter: /^react-devtools-core$/ }, () => ({ path: 'react-devtools-core', namespace: 'stub' }));
        b.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({ contents: 'export default { initialize() {}, connectToDevTools() {} };', loader: 'js' }));
      },
    },
  ],
};
await build({ ...common, stdin: { contents: "import { runFromProcess } from './src/cli/main.ts';\nrunFromProcess();\n", resolveDir: root, sourcefile: 'scaletune-entry.ts', loader: 'ts' }, outfile: path.join(out, 'scaletune.mjs') });
await build({ ...common, entryPoints: [path.join(root, 'src/backends/tfjs/worker.ts')], outfile: path.join(out, 'tfjs-worker.mjs') });

const copy = (from, to = from) => {
  const src = path.isAbsolute(from) ? from : path.join(root, from);
  if (!existsSync(src)) throw new Error(`bundle: ${src} is missing`);
  cpSync(src, path.join(out, to), { recursive: true });
};
copy(require.resolve('better-sqlite3/build/Release/better_sqlite3.node'), 'native/better_sqlite3.node');
const wasmDir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
for (const f of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm']) copy(path.join(wasmDir, f), `wasm/${f}`);
copy('searchers/llambo/templates');
copy('fixtures/studies');
for (const f of ['quadratic.mjs', 'torch_lm.py', 'scaletune_report.py']) copy(`fixtures/trainers/${f}`);
copy('python/wandb');
copy('README.md');
// the dashboard's page and the browser builds of vega, vega-lite and vega-embed it serves (nothing from the internet)
copy('web/dashboard');
for (const name of ['vega', 'vega-lite', 'vega-embed']) copy(path.join(path.dirname(require.resolve(name)), `${name}.min.js`), `web/vendor/${name}.min.js`);
writeFileSync(path.join(out, 'package.json'), `${JSON.stringify({ name: pkg.name, version: pkg.version, type: 'module', description: `${pkg.description} (one-folder bundle: run with node scaletune.mjs)` }, null, 2)}\n`);
// Slurm worker jobs run bin/scaletune.js of the installation, as they do from a checkout
mkdirSync(path.join(out, 'bin'), { recursive: true });
writeFileSync(path.join(out, 'bin/scaletune.js'), "#!/usr/bin/env node\nimport '../scaletune.mjs';\n");
chmodSync(path.join(out, 'bin/scaletune.js'), 0o755);
console.log(`wrote ${path.relative(process.cwd(), out) || '.'}: run it with node ${path.relative(process.cwd(), path.join(out, 'scaletune.mjs'))} (Node ${process.versions.node.split('.')[0]} or later)`);
