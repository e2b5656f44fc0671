/**
 * `method: llm` — LLAMBO's loop with its I/O: prompts built by the pure searcher (searchers/llambo),
 * sent through the OpenAI-compatible client, every call logged in storage (request, answer, tokens,
 * cost; never the key), answered from recordings in `llm.mode: replay`. Whenever the endpoint is
 * unreachable, the answers cannot be read, too few valid candidates come back, or the budget is spent,
 * the proposal comes from the Bayesian searcher instead and an `llm_fallback` event says why: a study
 * never stalls or crashes because of the LLM. Only a replay that misses its recording stops the study.
 */
import { installedFile } from '../core/installation.js';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { BayesSearcher } from '../../searchers/bayes.js';
import {
  candidatePrompt,
  DEFAULT_TASK,
  expectedImprovement,
  parseCandidates,
  parseScore,
  surrogatePrompt,
  targetScore,
  warmStartPrompt,
  type ChatMessage,
  type StudyText,
  type Templates,
} from '../../searchers/llambo/index.js';
import type { HistoryTrial, Proposal } from '../../searchers/types.js';
import { canonicalJson, type Params } from '../core/distributions.js';
import { ScaletuneError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import type { EventLog, LlmCallStore, StudyRecord, TrialStore } from '../storage/types.js';
import { chatComplete, LlmError, type ChatRequest } from './client.js';
import type { LlmConfig } from './config.js';
import { describeProxy } from '../registry/backends.js';

/** The templates folder: the config's, else searchers/llambo/templates of this installation. */
export function templatesDir(cfg: LlmConfig): string {
  if (cfg.templates) return cfg.templates;
  return installedFile('searchers/llambo/templates', 'method llm');
}

export function loadTemplates(dir: string): Templates {
  const read = (name: string): string => {
    const f = path.join(dir, `${name}.txt`);
    if (!existsSync(f)) throw new ScaletuneError(`llm.templates: ${f} is missing; a templates folder holds system.txt, warmstart.txt, candidates.txt and surrogate.txt`, 2);
    return readFileSync(f, 'utf8');
  };
  return { system: read('system'), warmstart: read('warmstart'), candidates: read('candidates'), surrogate: read('surrogate') };
}

/** The recording key: a hash of everything that determines the answer. */
export function requestKey(req: ChatRequest): string {
  return createHash('sha256').update(canonicalJson(req)).digest('hex');
}

/** The proxy run's scale in words, where the backend says it (in-process backends), else null. */
export function proxyScale(c: StudyRecord['config']): string | null {
  return describeProxy(c.backend);
}

/** Thrown (and fatal) when a replay finds no recording: a replay must not quietly do something else. */
export class ReplayMissError extends ScaletuneError {}

export class LlmSearcher {
  private readonly cfg: LlmConfig;
  private readonly templates: Templates;
  private readonly fallback: BayesSearcher;
  private readonly text: StudyText;
  private readonly apiKey: string | null;
  /** warm-start proposals not handed out yet */
  private pool: Params[] = [];
  /**
   * the ranked candidates of the last step, and how many runs had completed then: parallel workers
   * asking before any new result arrives take the next ones (one batch) instead of a new round of calls
   */
  private batch: { done: number; ranked: Params[] } | null = null;
  private calls = 0;
  private cost = 0;
  private loaded = false;
  /** why no call can be made at all (a key variable that is not set) */
  private missingKey: string | null = null;

  constructor(
    private readonly storage: LlmCallStore & EventLog & Pick<TrialStore, 'location'>,
    private readonly study: StudyRecord,
    env: Record<string, string | undefined> = process.env,
  ) {
    const c = study.config;
    if (!c.llm || !c.metric) throw new ScaletuneError(`study ${study.name}: method llm needs an llm block and a metric`, 2);
    this.cfg = c.llm;
    this.templates = loadTemplates(templatesDir(this.cfg));
    this.fallback = new BayesSearcher({ space: c.parameters, seed: study.seed, goal: c.metric.goal, ...(c.bayes ? { bayes: c.bayes } : {}) }, c.bayes ?? {});
    const scale = proxyScale(c);
    this.text = { space: c.parameters, metric: c.metric.name, goal: c.metric.goal, task: this.cfg.task ?? c.description ?? DEFAULT_TASK, ...(scale ? { scale } : {}) };
    this.apiKey = this.cfg.apiKeyEnv ? (env[this.cfg.apiKeyEnv] ?? null) : null;
    if (this.cfg.apiKeyEnv && !this.apiKey && this.cfg.mode !== 'replay') {
      // not fatal: every proposal will fall back, and say why
      this.missingKey = `the environment variable ${this.cfg.apiKeyEnv} (llm.api_key_env) is not set`;
    }
  }

  private async note(reason: string, detail: Record<string, unknown> = {}): Promise<void> {
    await this.storage.logEvent(this.study.id, null, 'llm', 'llm_fallback', { reason, ...detail });
  }

  /** One chat call: replayed, or sent and logged (and recorded in record mode). */
  private async call(purpose: string, messages: ChatMessage[], temperature = this.cfg.temperature): Promise<string> {
    if (!this.loaded) {
      const prior = await this.storage.getLlmCalls(this.study.id);
      this.calls = prior.filter((p) => p.status !== 'replayed').length;
      this.cost = prior.reduce((s, p) => s + (p.cost ?? 0), 0);
      this.loaded = true;
    }
    const req: ChatRequest = { model: this.cfg.model, messages, temperature, max_tokens: this.cfg.maxTokens };
    const key = requestKey(req);
    const base = { studyId: this.study.id, key, purpose, model: this.cfg.model, request: req as unknown as Record<string, unknown> };
    if (this.cfg.mode === 'replay') {
      const rec = await this.storage.findLlmRecording(key);
      if (!rec || rec.response === null) {
        throw new ReplayMissError(`llm.mode replay: no recorded answer for this ${purpose} request (key ${key.slice(0, 12)}…) in ${this.storage.location}; record it first with llm.mode: record (the same config, seed and history give the same requests)`, 1);
      }
      await this.storage.addLlmCall({ ...base, response: rec.response, status: 'replayed', recorded: false, error: null, promptTokens: rec.promptTokens, completionTokens: rec.completionTokens, cost: 0, latencyMs: 0, attempts: 0 });
      return rec.response;
    }
    if (this.missingKey) throw new LlmError('auth', this.missingKey);
    if (this.cfg.maxCalls !== null && this.calls >= this.cfg.maxCalls) throw new LlmError('http', `llm.max_calls ${this.cfg.maxCalls} reached`);
    if (this.cfg.maxCost !== null && this.cost >= this.cfg.maxCost) throw new LlmError('http', `llm.max_cost ${this.cfg.maxCost} USD reached (${this.cost.toFixed(4)} spent)`);
    this.calls++;
    const redact = (s: string): string => (this.apiKey ? s.split(this.apiKey).join('***') : s);
    try {
      const a = await chatComplete({ baseUrl: this.cfg.baseUrl!, apiKey: this.apiKey, timeoutMs: this.cfg.timeoutMs, retries: this.cfg.retries }, req);
      const cost = ((a.promptTokens ?? 0) * this.cfg.price.prompt + (a.completionTokens ?? 0) * this.cfg.price.completion) / 1e6;
      this.cost += cost;
      await this.storage.addLlmCall({ ...base, response: redact(a.text), status: 'ok', recorded: this.cfg.mode === 'record', error: null, promptTokens: a.promptTokens, completionTokens: a.completionTokens, cost, latencyMs: a.latencyMs, attempts: a.attempts });
      return a.text;
    } catch (e) {
      const err = e instanceof LlmError ? e : new LlmError('http', (e as Error).message);
      await this.storage.addLlmCall({ ...base, response: null, status: 'error', recorded: false, error: redact(`${err.kind}: ${err.message}`), promptTokens: null, completionTokens: null, cost: 0, latencyMs: null, attempts: err.attempts });
      throw err;
    }
  }

  /** n proposals from the LLM (warm start, or candidates ranked by the surrogate), else from the fallback. */
  async suggest(history: readonly HistoryTrial[], n: number): Promise<Proposal[]> {
    try {
      const got = await this.propose(history, n);
      if (got.length > 0) return got;
    } catch (e) {
      if (e instanceof ReplayMissError) throw e;
      if (!(e instanceof LlmError)) throw e;
      await this.note(`${e.kind}: ${e.message}`);
      return this.fallback.suggest(history, n);
    }
    await this.note(`too few valid candidates after ${this.cfg.attempts} rounds of asking`);
    return this.fallback.suggest(history, n);
  }

  private async propose(history: readonly HistoryTrial[], n: number): Promise<Proposal[]> {
    const taken = new Set(history.filter((t) => t.state !== 'STALE').map((t) => canonicalJson(t.params)));
    const done = history.filter((t) => t.state === 'COMPLETE' && t.value !== null && Number.isFinite(t.value));
    const rejectedWhy: string[] = [];
    if (done.length < this.cfg.initial) {
      // zero-shot warm start: one request for the whole initial design, handed out as slots free up
      this.pool = this.pool.filter((p) => !taken.has(canonicalJson(p)));
      for (let a = 0; this.pool.length < n && a < this.cfg.attempts; a++) {
        const answer = await this.call('warm-start', warmStartPrompt(this.templates, this.text, this.cfg.initial), a === 0 ? this.cfg.temperature : Math.min(2, this.cfg.temperature + 0.2 * a));
        const parsed = parseCandidates(answer, this.text.space, new Set([...taken, ...this.pool.map((p) => canonicalJson(p))]));
        this.pool.push(...parsed.valid);
        rejectedWhy.push(...parsed.rejected.map((r) => r.why));
      }
      if (rejectedWhy.length) await this.storage.logEvent(this.study.id, null, 'llm', 'llm_rejected', { purpose: 'warm-start', reasons: rejectedWhy.slice(0, 20) });
      return this.pool.splice(0, n).map((params) => ({ params }));
    }
    if (this.batch && this.batch.done === done.length) {
      const left = this.batch.ranked.filter((p) => !taken.has(canonicalJson(p)));
      if (left.length >= n) {
        this.batch.ranked = left.slice(n);
        return left.slice(0, n).map((params) => ({ params }));
      }
    }
    // candidate sampling towards f* with several prompts of shuffled examples
    const target = targetScore(done.map((t) => t.value!), this.text.goal, this.cfg.alpha);
    const per = Math.max(1, Math.ceil(this.cfg.candidates / this.cfg.prompts));
    const cands: Params[] = [];
    const seen = new Set(taken);
    for (let round = 0; round < this.cfg.attempts && cands.length < Math.max(n, Math.ceil(this.cfg.candidates / 2)); round++) {
      for (let i = 0; i < this.cfg.prompts; i++) {
        const rng = new Rng(this.study.seed, 0x4c4c4d, history.length * 1000 + round * 100 + i);
        const answer = await this.call('candidates', candidatePrompt(this.templates, this.text, history, target, per, rng));
        const parsed = parseCandidates(answer, this.text.space, seen);
        for (const p of parsed.valid) {
          seen.add(canonicalJson(p));
          cands.push(p);
        }
        rejectedWhy.push(...parsed.rejected.map((r) => r.why));
      }
    }
    if (rejectedWhy.length) await this.storage.logEvent(this.study.id, null, 'llm', 'llm_rejected', { purpose: 'candidates', reasons: rejectedWhy.slice(0, 20) });
    if (cands.length < n) return [];
    const ranked = await this.rank(history, cands, done);
    this.batch = { done: done.length, ranked: ranked.slice(n) };
    return ranked.slice(0, n).map((params) => ({ params }));
  }

  private async rank(history: readonly HistoryTrial[], cands: Params[], done: readonly HistoryTrial[]): Promise<Params[]> {
    if (this.cfg.surrogate === 'gp') {
      const r = this.fallback.rank(history, cands);
      return r ? r.map((x) => x.params) : cands;
    }
    // the LLM as the surrogate: several predicted scores per candidate, their mean and spread → EI
    const sign = this.text.goal === 'minimize' ? 1 : -1;
    const best = Math.min(...done.map((t) => sign * t.value!));
    const scored: { p: Params; ei: number }[] = [];
    for (const [ci, p] of cands.entries()) {
      const ys: number[] = [];
      for (let k = 0; k < this.cfg.surrogateSamples; k++) {
        const rng = new Rng(this.study.seed, 0x535552, history.length * 10_000 + ci * 10 + k);
        const v = parseScore(await this.call('surrogate', surrogatePrompt(this.templates, this.text, history, p, rng)));
        if (v !== null) ys.push(sign * v);
      }
      if (ys.length === 0) continue;
      const mean = ys.reduce((s, y) => s + y, 0) / ys.length;
      const sd = Math.sqrt(ys.reduce((s, y) => s + (y - mean) ** 2, 0) / Math.max(1, ys.length - 1));
      scored.push({ p, ei: expectedImprovement(mean, sd, best) });
    }
    if (scored.length === 0) return cands;
    return scored.sort((a, b) => b.ei - a.ei).map((x) => x.p);
  }
}
