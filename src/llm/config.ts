/** The `llm:` block of a study config (method llm): endpoint, budget, record/replay, LLAMBO's knobs. */
import path from 'node:path';
import type { ConfigIssue } from '../core/errors.js';
import { parseDuration } from '../core/duration.js';
import { describe, isNum, isObj, type OptionSpec } from '../core/options.js';

export interface LlmConfig {
  /** OpenAI-compatible endpoint, e.g. http://localhost:8000/v1 (not needed to replay) */
  baseUrl: string | null;
  model: string;
  /** the environment variable that holds the API key (the key itself is never written anywhere) */
  apiKeyEnv: string | null;
  temperature: number;
  maxTokens: number;
  timeoutMs: number;
  retries: number;
  /** the most calls and the most cost (USD) this study may spend; then the searcher falls back */
  maxCalls: number | null;
  maxCost: number | null;
  /** USD per million prompt and completion tokens */
  price: { prompt: number; completion: number };
  mode: 'live' | 'record' | 'replay';
  /** the task description (what is trained); default: the template's */
  task: string | null;
  /** zero-shot warm start: configurations asked for before any run completed */
  initial: number;
  /** candidates wanted per step, prompts per step, and α of the target f* = best − α·range */
  candidates: number;
  prompts: number;
  alpha: number;
  /** how candidates are ranked: the Gaussian process (default) or the LLM asked for scores */
  surrogate: 'gp' | 'llm';
  /** answers the LLM-as-surrogate is asked for per candidate (mean and spread) */
  surrogateSamples: number;
  /** rounds of asking before falling back when too few valid candidates came back */
  attempts: number;
  /** where the prompt templates are (default: the searcher's own, searchers/llambo/templates) */
  templates: string | null;
}

export const LLM_KEYS = ['base_url', 'model', 'api_key_env', 'temperature', 'max_tokens', 'timeout', 'retries', 'max_calls', 'max_cost', 'price', 'mode', 'task', 'initial', 'candidates', 'prompts', 'alpha', 'surrogate', 'surrogate_samples', 'attempts', 'templates'];

export function parseLlmConfig(raw: unknown, configDir: string): { config: LlmConfig | null; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const bad = (k: string, v: unknown, allowed: string): void => void issues.push({ path: `llm.${k}`, message: `found ${describe(v)}; allowed: ${allowed}` });
  if (!isObj(raw)) return { config: null, issues: [{ path: 'llm', message: `found ${describe(raw)}; allowed: a mapping {base_url, model, api_key_env, …}` }] };
  for (const k of Object.keys(raw)) if (!LLM_KEYS.includes(k)) issues.push({ path: `llm.${k}`, message: `unknown key; allowed: ${LLM_KEYS.join(', ')}` });
  const c: LlmConfig = {
    baseUrl: null,
    model: '',
    apiKeyEnv: null,
    temperature: 0.8,
    maxTokens: 800,
    timeoutMs: 60_000,
    retries: 3,
    maxCalls: null,
    maxCost: null,
    price: { prompt: 0, completion: 0 },
    mode: 'live',
    task: null,
    initial: 5,
    candidates: 10,
    prompts: 3,
    alpha: 0.1,
    surrogate: 'gp',
    surrogateSamples: 3,
    attempts: 3,
    templates: null,
  };
  if (raw.mode !== undefined) {
    if (raw.mode === 'live' || raw.mode === 'record' || raw.mode === 'replay') c.mode = raw.mode;
    else bad('mode', raw.mode, 'live, record (live, and every answer kept for replay), replay (answers only from recordings)');
  }
  if (raw.base_url !== undefined) {
    if (typeof raw.base_url === 'string' && /^https?:\/\/[^\s]+$/.test(raw.base_url)) c.baseUrl = raw.base_url;
    else bad('base_url', raw.base_url, 'an http(s) URL of an OpenAI-compatible API, e.g. http://localhost:8000/v1');
  } else if (c.mode !== 'replay') issues.push({ path: 'llm.base_url', message: 'missing; allowed: an http(s) URL of an OpenAI-compatible API, e.g. https://api.openai.com/v1 or http://localhost:11434/v1' });
  if (typeof raw.model === 'string' && raw.model.trim() !== '') c.model = raw.model;
  else issues.push({ path: 'llm.model', message: `${raw.model === undefined ? 'missing' : `found ${describe(raw.model)}`}; allowed: the model's name at the endpoint` });
  if (raw.api_key_env !== undefined) {
    if (typeof raw.api_key_env === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(raw.api_key_env)) c.apiKeyEnv = raw.api_key_env;
    else bad('api_key_env', raw.api_key_env, 'the NAME of an environment variable holding the key (never the key itself)');
  }
  const num = (k: string, lo: number, hi: number, set: (v: number) => void, int = false): void => {
    const v = raw[k];
    if (v === undefined) return;
    if (!isNum(v) || v < lo || v > hi || (int && !Number.isInteger(v))) bad(k, v, `${int ? 'a whole number' : 'a number'} from ${lo} to ${hi}`);
    else set(v);
  };
  num('temperature', 0, 2, (v) => (c.temperature = v));
  num('max_tokens', 16, 100_000, (v) => (c.maxTokens = v), true);
  num('retries', 0, 10, (v) => (c.retries = v), true);
  num('max_calls', 1, 1e6, (v) => (c.maxCalls = v), true);
  num('max_cost', 0, 1e6, (v) => (c.maxCost = v));
  num('initial', 1, 100, (v) => (c.initial = v), true);
  num('candidates', 1, 100, (v) => (c.candidates = v), true);
  num('prompts', 1, 20, (v) => (c.prompts = v), true);
  num('alpha', 0, 10, (v) => (c.alpha = v));
  num('surrogate_samples', 1, 20, (v) => (c.surrogateSamples = v), true);
  num('attempts', 1, 20, (v) => (c.attempts = v), true);
  if (raw.timeout !== undefined) {
    const t = parseDuration(raw.timeout);
    if (t === null) bad('timeout', raw.timeout, 'seconds (a positive number) or a duration such as 30s, 2m');
    else c.timeoutMs = t;
  }
  if (raw.price !== undefined) {
    const p = raw.price;
    if (!isObj(p) || !isNum(p.prompt) || !isNum(p.completion) || p.prompt < 0 || p.completion < 0 || Object.keys(p).some((k) => k !== 'prompt' && k !== 'completion')) bad('price', p, 'a mapping {prompt, completion}: USD per million tokens, 0 or more');
    else c.price = { prompt: p.prompt, completion: p.completion };
  }
  if (raw.task !== undefined) {
    if (typeof raw.task === 'string' && raw.task.trim() !== '') c.task = raw.task.trim();
    else bad('task', raw.task, 'a description of what is trained, in your words');
  }
  if (raw.surrogate !== undefined) {
    if (raw.surrogate === 'gp' || raw.surrogate === 'llm') c.surrogate = raw.surrogate;
    else bad('surrogate', raw.surrogate, 'gp (rank candidates by the Gaussian process), llm (ask the model for their scores)');
  }
  if (raw.templates !== undefined) {
    if (typeof raw.templates === 'string' && raw.templates !== '') c.templates = path.resolve(configDir || '.', raw.templates);
    else bad('templates', raw.templates, 'a folder of prompt templates (system.txt, warmstart.txt, candidates.txt, surrogate.txt), relative to the config');
  }
  return { config: issues.length ? null : c, issues };
}

export const llmOptions: OptionSpec<LlmConfig> = {
  parse(raw, ctx, issues) {
    if (raw === undefined) return void issues.add('llm', 'missing; method llm needs at least {base_url, model} (and api_key_env for a hosted API)');
    const v = parseLlmConfig(raw, ctx.configDir);
    issues.list.push(...v.issues);
    return v.config ?? undefined;
  },
  schema: () => ({
    type: 'object',
    additionalProperties: false,
    required: ['model'],
    description: 'options of method llm (LLAMBO through an OpenAI-compatible endpoint)',
    properties: {
      base_url: { type: 'string', pattern: '^https?://', description: 'e.g. https://api.openai.com/v1 or http://localhost:11434/v1 (Ollama)' },
      model: { type: 'string', minLength: 1 },
      api_key_env: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$', description: 'the NAME of the environment variable holding the key' },
      temperature: { type: 'number', minimum: 0, maximum: 2, default: 0.8 },
      max_tokens: { type: 'integer', minimum: 16, default: 800 },
      timeout: { oneOf: [{ type: 'number', exclusiveMinimum: 0 }, { type: 'string' }], default: '60s' },
      retries: { type: 'integer', minimum: 0, maximum: 10, default: 3 },
      max_calls: { type: 'integer', minimum: 1 },
      max_cost: { type: 'number', minimum: 0, description: 'USD' },
      price: { type: 'object', additionalProperties: false, required: ['prompt', 'completion'], properties: { prompt: { type: 'number', minimum: 0 }, completion: { type: 'number', minimum: 0 } }, description: 'USD per million tokens' },
      mode: { enum: ['live', 'record', 'replay'], default: 'live' },
      task: { type: 'string', description: 'what is trained, in your words (replaces the template’s)' },
      initial: { type: 'integer', minimum: 1, default: 5 },
      candidates: { type: 'integer', minimum: 1, default: 10 },
      prompts: { type: 'integer', minimum: 1, default: 3 },
      alpha: { type: 'number', minimum: 0, default: 0.1 },
      surrogate: { enum: ['gp', 'llm'], default: 'gp' },
      surrogate_samples: { type: 'integer', minimum: 1, default: 3 },
      attempts: { type: 'integer', minimum: 1, default: 3 },
      templates: { type: 'string', description: 'a folder with system.txt, warmstart.txt, candidates.txt, surrogate.txt' },
    },
  }),
};
