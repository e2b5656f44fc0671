import { main } from '../../src/cli/main.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the CLI in-process (plain output: stdout is not a TTY). */
export async function runCli(args: string[], opts: { cwd?: string; env?: Record<string, string>; signal?: AbortSignal; answer?: string } = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: { write: (s: string) => (stdout += s), isTTY: false },
    stderr: { write: (s: string) => (stderr += s) },
    env: { CI: 'true', ...opts.env },
    cwd: opts.cwd ?? process.cwd(),
    ...(opts.signal ? { signal: opts.signal } : {}),
    // a terminal that answers the question asked (delete's confirmation)
    ...(opts.answer !== undefined ? { ask: async (q: string) => ((stderr += q), opts.answer!) } : {}),
  });
  return { code, stdout, stderr };
}
