/** `scaletune dashboard [--port 8080] [--host 127.0.0.1] [--token T]`: the web dashboard over the database, read-only, until stopped. */
import { Command, Option } from 'commander';
import { networkInterfaces } from 'node:os';
import { EXIT, ScaletuneError, UsageError } from '../../core/errors.js';
import { isLoopback, startDashboard } from '../../dashboard/server.js';
import { openStorage } from '../../storage/index.js';
import { action, dbPath, globals, type CliIO } from '../context.js';
import { numberIn } from '../flags.js';

/** This machine's addresses other than loopback (IPv4 first), for the addresses to open. */
function machineAddresses(): string[] {
  const all = Object.values(networkInterfaces()).flat().filter((a): a is NonNullable<typeof a> => !!a && !a.internal && !a.address.startsWith('fe80'));
  return [...all.filter((a) => a.family === 'IPv4'), ...all.filter((a) => a.family !== 'IPv4')].map((a) => a.address);
}

/** Shorter tokens can be guessed by whoever can reach the port. */
export const MIN_TOKEN = 16;

export function makeDashboardCommand(io: CliIO): Command {
  return new Command('dashboard')
    .description('a live web dashboard of the database’s studies (read-only): trials, curves, importance, ladders, PBT, fronts, comparisons')
    .addOption(new Option('--port <port>', 'port to listen on (0: any free port)').argParser(numberIn(0, 65535, true)).default(8080))
    .option('--host <address>', 'address to listen on; one other than loopback needs --token', '127.0.0.1')
    .option('--token <secret>', `a secret every request must carry (at least ${MIN_TOKEN} characters; also SCALETUNE_DASHBOARD_TOKEN)`)
    .action(
      action(io, async (f: { port: number; host: string; token?: string }, cmd: Command) => {
        const g = globals(cmd, io);
        const token = f.token ?? io.env.SCALETUNE_DASHBOARD_TOKEN ?? null;
        const tokenFrom = f.token !== undefined ? '--token' : 'SCALETUNE_DASHBOARD_TOKEN';
        if (token !== null && token.length < MIN_TOKEN) throw new UsageError(`${tokenFrom}: ${token.length} characters; allowed: at least ${MIN_TOKEN} (e.g. from: openssl rand -hex 16)`);
        if (!isLoopback(f.host) && token === null) throw new UsageError(`--host ${f.host}: not a loopback address, so anyone who can reach it could read every study; allowed: 127.0.0.1 or ::1, or add --token <secret> (or SCALETUNE_DASHBOARD_TOKEN)`);
        const location = dbPath(g, io);
        if (location === ':memory:') throw new UsageError('--db :memory:: a new empty database only this process sees; allowed: a SQLite file or a postgres:// URL that studies run in');
        const storage = openStorage(location, { create: false, readOnly: true });
        let dash;
        try {
          dash = await startDashboard({ storage, host: f.host, port: f.port, token });
        } catch (e) {
          await storage.close();
          const code = (e as { code?: string }).code;
          if (code === 'EADDRINUSE') throw new UsageError(`--port ${f.port}: already in use on ${f.host}; allowed: a free port, or 0 for any`);
          if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new UsageError(`--host ${f.host}: not an address of this machine; allowed: 127.0.0.1, ::1, 0.0.0.0 (every address) or one of ${machineAddresses().join(', ') || 'its interfaces'}`);
          if (code === 'EACCES') throw new UsageError(`--port ${f.port}: not allowed for this user; allowed: 1024 to 65535, or 0 for any`);
          throw e instanceof ScaletuneError ? e : new ScaletuneError(`cannot start the dashboard: ${(e as Error).message}`, EXIT.FAILURE);
        }
        io.stdout.write(`dashboard of ${storage.location} (read-only): ${dash.url}\n`);
        // 0.0.0.0 cannot be opened from another machine: say which addresses can
        if (f.host === '0.0.0.0' || f.host === '::') {
          for (const a of machineAddresses()) io.stdout.write(`  from another machine: ${dash.url.replace(/\/\/[^/]+\//, `//${a.includes(':') ? `[${a}]` : a}:${dash.port}/`)}\n`);
        }
        if (!g.quiet) io.stdout.write('stop it with Ctrl-C\n');
        await new Promise<void>((resolve) => {
          if (!io.signal || io.signal.aborted) return io.signal ? resolve() : undefined;
          io.signal.addEventListener('abort', () => resolve(), { once: true });
        });
        await dash.close();
        await storage.close();
        return EXIT.OK;
      }),
    );
}
