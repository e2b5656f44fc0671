// Benchmark processes started together: run one and read its JSON line; measure a group's throughput.
import { spawn } from 'node:child_process';

export function runJson(cmd, args) {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (c) => (out += c));
    p.on('close', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`${cmd} exited ${code}`))));
  });
}

/** `procs` processes released at one moment; trials done per second of wall time, and "locked" failures. */
export async function measure(procs, start, delayMs = 1500) {
  const startAt = Date.now() + delayMs;
  const results = await Promise.all(Array.from({ length: procs }, () => start(startAt)));
  const done = results.reduce((s, r) => s + r.done, 0);
  const locked = results.reduce((s, r) => s + (r.locked ?? 0), 0);
  const secs = (Math.max(...results.map((r) => r.end)) - startAt) / 1000;
  return { done, locked, perSec: done / secs };
}
