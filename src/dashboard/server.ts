/**
 * `scaletune dashboard`: a local web application over a storage opened read-only. One HTTP server
 * (node:http) serves the page, its script, Vega, Vega-Lite and vega-embed from this installation
 * (nothing from the internet), JSON for each page, and server-sent events: one poll of the studies'
 * counts and last activity per second, shared by every open page, tells each page when what it shows
 * has changed; a study with a running trial changes every `liveMs`, since its curves grow between
 * heartbeats. Every read is a short statement of its own: a running study is never blocked by it.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { findInstalled, installedFile } from '../core/installation.js';
import { NOTE_ATTR } from '../study/manage.js';
import { studyReport } from '../study/report.js';
import { gpSurface, type Surface } from '../report/surface.js';
import type { ReportModel } from '../report/model.js';
import type { Storage, StudyRecord, StudySummary } from '../storage/types.js';
import { comparePage, studyPage, studyRows, trialPage, type StudyRow } from './pages.js';

export interface DashboardOptions {
  storage: Storage;
  host: string;
  port: number;
  /** required of every request when set (query `token=`, a cookie it sets, or `Authorization: Bearer`) */
  token: string | null;
  /** how often the studies are polled for changes (ms) */
  pollMs?: number;
  /** how often a study with a running trial is said to have changed (ms) */
  liveMs?: number;
}

export interface Dashboard {
  url: string;
  port: number;
  close(): Promise<void>;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+|localhost)$/i;

export function isLoopback(host: string): boolean {
  return LOOPBACK.test(host.replace(/^\[|\]$/g, ''));
}

/** The browser builds of vega, vega-lite and vega-embed: beside the bundle (npm run bundle) or in the packages' build folders. */
function vendorFile(name: 'vega' | 'vega-lite' | 'vega-embed'): string {
  const bundled = findInstalled(`web/vendor/${name}.min.js`);
  if (bundled) return bundled;
  const main = createRequire(import.meta.url).resolve(name);
  return path.join(path.dirname(main), `${name}.min.js`);
}

const ASSETS: Record<string, { file: () => string; type: string }> = {
  '/': { file: () => installedFile('web/dashboard/index.html', 'scaletune dashboard'), type: 'text/html; charset=utf-8' },
  '/assets/app.js': { file: () => installedFile('web/dashboard/app.js', 'scaletune dashboard'), type: 'text/javascript; charset=utf-8' },
  '/assets/app.css': { file: () => installedFile('web/dashboard/app.css', 'scaletune dashboard'), type: 'text/css; charset=utf-8' },
  '/assets/vega.min.js': { file: () => vendorFile('vega'), type: 'text/javascript; charset=utf-8' },
  '/assets/vega-lite.min.js': { file: () => vendorFile('vega-lite'), type: 'text/javascript; charset=utf-8' },
  '/assets/vega-embed.min.js': { file: () => vendorFile('vega-embed'), type: 'text/javascript; charset=utf-8' },
};

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** A study's pages are rebuilt only when it changed: a ladder's summary refits its laws. */
interface Cached {
  mark: string;
  record: StudyRecord;
  model: ReportModel;
  surface: Surface | null;
  /** completed trials when importance and the GP surface were last fitted, when that was, and what it cost */
  analysedDone: number;
  analysedAt: number;
  analysisMs: number;
}

/**
 * Importance's forest and the GP surface are refitted when trials completed, but on a study completing
 * them faster than they fit, no sooner than this many times their last cost after it: a fifth of a core
 * at most, taken from the runs being watched.
 */
const ANALYSIS_GAP = 4;
const mayRefit = (c: Cached): boolean => Date.now() - c.analysedAt >= ANALYSIS_GAP * c.analysisMs;

export async function startDashboard(o: DashboardOptions): Promise<Dashboard> {
  const { storage } = o;
  const pollMs = o.pollMs ?? 1000;
  const liveMs = o.liveMs ?? 2000;
  const cache = new Map<string, Cached>();
  const clients = new Set<http.ServerResponse>();
  let summaries: StudySummary[] = [];
  let marks = new Map<string, string>();
  let lastPoll = 0;

  const markOf = (s: StudySummary, now: number): string => {
    const running = s.counts.RUNNING > 0;
    return `${JSON.stringify(s.counts)}|${s.lastActivity}|${running ? Math.floor(now / liveMs) : ''}`;
  };

  async function poll(): Promise<string[]> {
    const now = Date.now();
    summaries = await storage.listStudies();
    lastPoll = now;
    const next = new Map(summaries.map((s) => [s.name, markOf(s, now)]));
    const changed = [...next.keys()].filter((k) => marks.get(k) !== next.get(k));
    const gone = [...marks.keys()].filter((k) => !next.has(k));
    // a study whose analyses were put off is told as changed when they may run, even after it stopped
    const due = summaries.filter((s) => {
      const c = cache.get(s.name);
      return c && c.analysedDone !== s.counts.COMPLETE && mayRefit(c) && !changed.includes(s.name);
    });
    marks = next;
    return [...changed, ...gone, ...due.map((s) => s.name)];
  }

  async function fresh(): Promise<void> {
    if (Date.now() - lastPoll > pollMs / 2) await poll();
  }

  async function notes(): Promise<Map<number, string>> {
    const out = new Map<number, string>();
    for (const s of summaries) {
      const n = (await storage.getStudyAttrs(s.id))[NOTE_ATTR];
      if (typeof n === 'string' && n) out.set(s.id, n);
    }
    return out;
  }

  async function rowOf(name: string): Promise<{ row: StudyRow; summary: StudySummary }> {
    await fresh();
    const summary = summaries.find((s) => s.name === name);
    if (!summary) throw new HttpError(404, `no study named ${name} in ${storage.location}`);
    const note = (await storage.getStudyAttrs(summary.id))[NOTE_ATTR];
    return { row: studyRows([summary], new Map(typeof note === 'string' ? [[summary.id, note]] : []))[0]!, summary };
  }

  async function modelOf(summary: StudySummary): Promise<Cached> {
    const mark = marks.get(summary.name) ?? '';
    const done = summary.counts.COMPLETE;
    const hit = cache.get(summary.name);
    if (hit && hit.mark === mark && (hit.analysedDone === done || !mayRefit(hit))) return hit;
    const refit = !hit || (hit.analysedDone !== done && mayRefit(hit));
    const started = performance.now();
    const record = (await storage.getStudy(summary.name)) ?? summary;
    const model = await studyReport(storage, record, refit ? {} : { importance: hit.model.importance ?? null });
    const cfg = record.config;
    let entry: Cached;
    if (refit) {
      const ranked = model.importance?.importances.map((x) => x.param) ?? [];
      const surface = !cfg.scales?.length && !cfg.pbt && !cfg.objectives && cfg.metric ? gpSurface(model, cfg.parameters, ranked) : null;
      entry = { mark, record, model, surface, analysedDone: done, analysedAt: Date.now(), analysisMs: performance.now() - started };
    } else entry = { ...hit, mark, record, model };
    cache.set(summary.name, entry);
    return entry;
  }

  async function api(url: URL): Promise<unknown> {
    const q = (k: string): string => {
      const v = url.searchParams.get(k);
      if (!v) throw new HttpError(400, `missing query parameter ${k}`);
      return v;
    };
    switch (url.pathname) {
      case '/api/studies':
        await fresh();
        return { location: storage.location, studies: studyRows(summaries, await notes()) };
      case '/api/study': {
        const { row, summary } = await rowOf(q('name'));
        const c = await modelOf(summary);
        return studyPage(row, c.record, c.model, await storage.getTrials(summary.id), c.surface);
      }
      case '/api/trial': {
        const { summary } = await rowOf(q('study'));
        const n = Number(q('number'));
        const trials = await storage.getTrials(summary.id);
        const trial = trials.find((t) => t.number === n);
        if (!Number.isInteger(n) || !trial) throw new HttpError(404, `study ${summary.name} has no trial ${q('number')}`);
        return trialPage(summary, trial, trials, await storage.getMetrics(summary.id, trial.id), await storage.getLogs(trial.id));
      }
      case '/api/compare': {
        const a = await rowOf(q('a'));
        const b = await rowOf(q('b'));
        return comparePage(a.row, b.row, (await modelOf(a.summary)).model, (await modelOf(b.summary)).model);
      }
      default:
        throw new HttpError(404, `no such page: ${url.pathname}`);
    }
  }

  const tokenHash = o.token ? createHash('sha256').update(o.token).digest() : null;
  const sameToken = (given: string | null | undefined): boolean => !!tokenHash && !!given && timingSafeEqual(createHash('sha256').update(given).digest(), tokenHash);
  const cookieToken = (req: http.IncomingMessage): string | null => /(?:^|;\s*)scaletune_token=([^;]+)/.exec(req.headers.cookie ?? '')?.[1] ?? null;

  /** Who may read: with a token, whoever presents it; without one (loopback only), pages asked for by a loopback name, so that another site's page cannot reach it by DNS rebinding. */
  function admit(req: http.IncomingMessage, url: URL): { ok: true; setCookie: boolean } | { ok: false; status: number; why: string } {
    if (tokenHash) {
      const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
      if (sameToken(url.searchParams.get('token'))) return { ok: true, setCookie: true };
      if (sameToken(bearer) || sameToken(cookieToken(req))) return { ok: true, setCookie: false };
      return { ok: false, status: 401, why: 'this dashboard needs its token: open the address scaletune dashboard printed (it ends in ?token=…), or send Authorization: Bearer <token>' };
    }
    const remote = req.socket.remoteAddress ?? '';
    if (!isLoopback(remote)) return { ok: false, status: 403, why: `requests from ${remote} are refused: this dashboard runs without --token, for this machine only` };
    const hostName = (req.headers.host ?? '').replace(/:\d+$/, '');
    if (!isLoopback(hostName) && hostName !== o.host) return { ok: false, status: 403, why: `host ${hostName} is not this machine's loopback name` };
    return { ok: true, setCookie: false };
  }

  function events(res: http.ServerResponse): void {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    res.write('retry: 2000\n\n');
    clients.add(res);
    res.on('close', () => clients.delete(res));
  }

  let ticking = false;
  const timer = setInterval(() => {
    if (clients.size === 0 || ticking) return;
    ticking = true;
    poll()
      .then((changed) => {
        const data = changed.length ? `event: change\ndata: ${JSON.stringify({ studies: changed })}\n\n` : ': alive\n\n';
        for (const c of clients) c.write(data);
      })
      .catch((e: Error) => {
        for (const c of clients) c.write(`event: problem\ndata: ${JSON.stringify({ message: e.message })}\n\n`);
      })
      .finally(() => {
        ticking = false;
      });
  }, pollMs);
  timer.unref();

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://dashboard.invalid');
    const admitted = admit(req, url);
    const headers = { 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', 'content-security-policy': "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; script-src 'self' 'unsafe-eval'" };
    if (!admitted.ok) {
      res.writeHead(admitted.status, { ...headers, 'content-type': 'text/plain; charset=utf-8' });
      res.end(`${admitted.why}\n`);
      return;
    }
    if (admitted.setCookie) {
      // the token leaves the address bar: later requests carry the cookie instead
      url.searchParams.delete('token');
      res.writeHead(303, { ...headers, 'set-cookie': `scaletune_token=${encodeURIComponent(o.token!)}; HttpOnly; SameSite=Strict; Path=/`, location: `${url.pathname}${url.search}` });
      res.end();
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { ...headers, allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
      res.end('the dashboard is read-only: GET only\n');
      return;
    }
    if (url.pathname === '/api/events') return events(res);
    const asset = ASSETS[url.pathname];
    if (asset) {
      try {
        const body = readFileSync(asset.file());
        res.writeHead(200, { ...headers, 'content-type': asset.type, 'cache-control': url.pathname.startsWith('/assets/vega') ? 'max-age=86400' : 'no-cache' });
        res.end(body);
      } catch (e) {
        res.writeHead(500, { ...headers, 'content-type': 'text/plain; charset=utf-8' });
        res.end(`${(e as Error).message}\n`);
      }
      return;
    }
    if (!url.pathname.startsWith('/api/')) {
      res.writeHead(404, { ...headers, 'content-type': 'text/plain; charset=utf-8' });
      res.end(`no such page: ${url.pathname}\n`);
      return;
    }
    api(url)
      .then((body) => {
        res.writeHead(200, { ...headers, 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
        // camelCase, not the CLI's snake_case: these are the page's own data, and Vega-Lite specs must keep their keys
        res.end(JSON.stringify(body));
      })
      .catch((e: Error) => {
        const status = e instanceof HttpError ? e.status : 500;
        res.writeHead(status, { ...headers, 'content-type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify({ error: e.message }));
      });
  });

  await poll();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = o.host.includes(':') ? `[${o.host}]` : o.host;
  return {
    url: `http://${shownHost}:${port}/${o.token ? `?token=${encodeURIComponent(o.token)}` : ''}`,
    port,
    close: async () => {
      clearInterval(timer);
      for (const c of clients) c.end();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
