import { spawn, type ChildProcess } from 'node:child_process';
import { BIN } from './fixtures.js';

export interface BinResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Start the built CLI as a real process (CI=true: plain output). */
/** `stdout()`: what it has printed so far (a server's address, while it runs). */
export function startBin(args: string[], opts: { cwd: string; env?: Record<string, string> }): { child: ChildProcess; done: Promise<BinResult>; stdout: () => string } {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd, env: { ...process.env, CI: 'true', ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c) => (stdout += c));
  child.stderr!.on('data', (c) => (stderr += c));
  const done = new Promise<BinResult>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done, stdout: () => stdout };
}

export function bin(args: string[], opts: { cwd: string; env?: Record<string, string> }): Promise<BinResult> {
  return startBin(args, opts).done;
}
