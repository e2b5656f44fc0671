#!/usr/bin/env node
// The tables of bench/RESULTS.md's GPU section from what bench/gpu/run.sh wrote to $OUT: the trainer's
// throughput and MFU (compile on and off), and the GPU ladder (per scale: runs, failures, best loss, lr*;
// the target's predicted and measured loss), with the machine and the GPU's mean utilisation during
// the ladder. A run without CUDA (SMOKE) is labelled a CPU smoke run, never a GPU result.
// Usage: node bench/gpu/summarize.mjs <OUT folder> [--write]
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { writeResultsSection } from '../results.mjs';

const dir = process.argv[2];
if (!dir || !existsSync(dir)) {
  console.error('usage: node bench/gpu/summarize.mjs <the OUT folder bench/gpu/run.sh wrote> [--write]');
  process.exit(2);
}
const read = (f) => (existsSync(path.join(dir, f)) ? readFileSync(path.join(dir, f), 'utf8') : null);
const stages = read('stages.txt') ?? '';
const gpu = /gpu=1/.test(stages);
const machine = (read('gpu.txt') ?? '').split('\n').filter((l) => /^(device|python)/.test(l)).join('; ') || 'unknown';
const date = (() => {
  try {
    return JSON.parse(read('ladder/report.json')).generated.slice(0, 10);
  } catch {
    return new Date().toISOString().slice(0, 10);
  }
})();
const PEAK = 989.4e12; // H200 dense bf16
const fmt = (x, d = 3) => (x === null || x === undefined || !Number.isFinite(x) ? '-' : Math.abs(x) >= 1e5 ? x.toExponential(2) : x.toPrecision(d));

const rows = (read('throughput.jsonl') ?? '').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
const t1 = ['| model | non-embedding params | compile | tokens/s | TFLOP/s | MFU (of 989 TFLOP/s) | note |', '| --- | --- | --- | --- | --- | --- | --- |'];
for (const r of rows) {
  const rep = r.report;
  const tflops = rep ? rep.gflops_per_s / 1e3 : null;
  const mfu = rep?.mfu ?? (tflops !== null && gpu ? (tflops * 1e12) / PEAK : null);
  t1.push(`| ${r.model} (width ${r.width}, depth ${r.depth}, batch ${r.batch}×${r.seq_len}) | ${fmt(rep?.params ?? null)} | ${r.compile} | ${fmt(rep?.tokens_per_s ?? null)} | ${fmt(tflops)} | ${mfu === null ? '-' : `${(100 * mfu).toFixed(1)}%`} | ${r.rc === 0 ? '' : r.rc === 124 ? 'cut at its time limit' : `exit ${r.rc}`} |`);
}

let t2 = ['(no ladder report)'];
let verdict = '';
const report = (() => {
  try {
    return JSON.parse(read('ladder/report.json'));
  } catch {
    return null;
  }
})();
if (report?.ladder) {
  const L = report.ladder;
  t2 = ['| scale | N | D | runs | failed | best val_loss | lr* | batch* | optimum |', '| --- | --- | --- | --- | --- | --- | --- | --- | --- |'];
  for (const s of L.scales) t2.push(`| ${s.name} | ${fmt(s.N)} | ${fmt(s.D)} | ${s.runs.length} | ${s.failed} | ${fmt(s.best?.loss, 5)} | ${fmt(s.optimum?.lr)} | ${fmt(s.optimum?.batch)} | ${s.optimum?.method ?? '-'} |`);
  const v = report.verify.find((x) => x.at === 'target');
  const p = L.prediction?.loss;
  if (v && p) {
    const err = v.measured === null ? null : v.measured / p.value - 1;
    verdict = `Target ${v.scale} (N = ${fmt(v.N)}, D = ${fmt(v.D)}), trained once at the predicted ${Object.entries(v.params).map(([k, x]) => `${k} = ${fmt(x)}`).join(', ')}: predicted val_loss ${fmt(p.value, 4)} [${fmt(p.interval?.[0], 4)}, ${fmt(p.interval?.[1], 4)}], measured ${v.measured === null ? `nothing (${v.state}: ${v.error})` : fmt(v.measured, 4)}${err === null ? '' : ` (${err >= 0 ? '+' : ''}${(100 * err).toFixed(2)}%${Math.abs(err) > 0.01 ? ', a miss' : ''})`}.`;
  }
}
const util = (read('util.csv') ?? '').trim().split('\n').filter(Boolean).map((l) => Number(l.split(',')[1]));
const busy = util.length ? `GPU utilisation during the ladder (nvidia-smi every 0.5 s, ${util.length} samples): mean ${(util.reduce((a, b) => a + b, 0) / util.length).toFixed(1)}% (goal ≥ 70%).` : 'GPU utilisation: not sampled (no nvidia-smi).';
const ladderLine = (stages.match(/stage 3: ladder rc=\d+ in \d+ s/) ?? [''])[0];
const text = [
  gpu ? `GPU run, ${date}: ${machine}.` : `CPU smoke run of bench/gpu/run.sh (no CUDA), ${date}: toy sizes, to check the script — not a GPU result.`,
  '',
  t1.join('\n'),
  '',
  `Ladder (${ladderLine.replace('stage 3: ', '') || 'not run'}):`,
  '',
  t2.join('\n'),
  '',
  verdict,
  gpu ? busy : '',
]
  .filter((l, i, a) => !(l === '' && a[i - 1] === ''))
  .join('\n');
console.log(text);
if (process.argv.includes('--write')) {
  if (!gpu) {
    console.error('not written: a CPU smoke run is no GPU result');
    process.exit(1);
  }
  writeResultsSection('gpu', text);
}
