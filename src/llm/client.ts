/**
 * An OpenAI-compatible chat-completions client over `fetch` — OpenAI, vLLM, llama.cpp's server, Ollama
 * and LM Studio all speak it. Retries with exponential backoff on 429 and 5xx (honouring Retry-After),
 * a clear error at once on 401/403/404, a hard timeout per request, and the usage the server reports.
 * The API key goes into the Authorization header only; callers never see it again.
 */

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  temperature: number;
  max_tokens: number;
}

export interface ChatAnswer {
  text: string;
  promptTokens: number | null;
  completionTokens: number | null;
  latencyMs: number;
  attempts: number;
}

export type LlmErrorKind = 'auth' | 'not_found' | 'timeout' | 'unreachable' | 'http' | 'bad_response';

export class LlmError extends Error {
  constructor(
    readonly kind: LlmErrorKind,
    message: string,
    readonly attempts = 1,
  ) {
    super(message);
    this.name = 'LlmError';
  }
}

export interface ClientOptions {
  baseUrl: string;
  apiKey: string | null;
  timeoutMs: number;
  /** retries after the first attempt, on 429/5xx/network errors */
  retries: number;
  /** first backoff; doubled each retry (default 500 ms) */
  backoffMs?: number;
  fetchImpl?: typeof fetch;
}

/** Token counts are stored as 32-bit integers (llm_calls in SQLite and PostgreSQL). */
const MAX_TOKENS = 2 ** 31 - 1;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** `…/v1` + `/chat/completions`, whatever the user wrote (with or without a trailing slash or the path). */
export function completionsUrl(baseUrl: string): string {
  const b = baseUrl.replace(/\/+$/, '');
  return b.endsWith('/chat/completions') ? b : `${b}/chat/completions`;
}

export async function chatComplete(o: ClientOptions, req: ChatRequest): Promise<ChatAnswer> {
  const url = completionsUrl(o.baseUrl);
  const doFetch = o.fetchImpl ?? fetch;
  const t0 = Date.now();
  let lastError = '';
  for (let attempt = 1; attempt <= o.retries + 1; attempt++) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), o.timeoutMs);
    let res: Response;
    let body: string;
    try {
      res = await doFetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(o.apiKey ? { authorization: `Bearer ${o.apiKey}` } : {}) },
        body: JSON.stringify(req),
        signal: controller.signal,
      });
      body = await res.text();
    } catch (e) {
      clearTimeout(timer);
      if (controller.signal.aborted) throw new LlmError('timeout', `${url}: no answer within ${o.timeoutMs / 1000} s (llm.timeout)`, attempt);
      lastError = `${url}: ${(e as Error & { cause?: { code?: string } }).cause?.code ?? (e as Error).message}`;
      if (attempt <= o.retries) {
        await sleep((o.backoffMs ?? 500) * 2 ** (attempt - 1));
        continue;
      }
      throw new LlmError('unreachable', `${lastError} (after ${attempt} attempt${attempt === 1 ? '' : 's'})`, attempt);
    }
    clearTimeout(timer);
    if (res.status === 401 || res.status === 403) throw new LlmError('auth', `${url}: HTTP ${res.status}: the endpoint refused the credentials; check the key in the variable llm.api_key_env names`, attempt);
    if (res.status === 404) throw new LlmError('not_found', `${url}: HTTP 404: no such endpoint or model (${req.model}); check llm.base_url (it usually ends in /v1) and llm.model`, attempt);
    if (res.status === 429 || res.status >= 500) {
      lastError = `${url}: HTTP ${res.status}${body ? `: ${body.slice(0, 200)}` : ''}`;
      if (attempt <= o.retries) {
        const after = Number(res.headers.get('retry-after'));
        await sleep(Number.isFinite(after) && after > 0 ? Math.min(after * 1000, 10_000) : (o.backoffMs ?? 500) * 2 ** (attempt - 1));
        continue;
      }
      throw new LlmError('http', `${lastError} (after ${attempt} attempts)`, attempt);
    }
    if (!res.ok) throw new LlmError('http', `${url}: HTTP ${res.status}${body ? `: ${body.slice(0, 200)}` : ''}`, attempt);
    let json: { choices?: { message?: { content?: unknown } }[]; usage?: { prompt_tokens?: unknown; completion_tokens?: unknown } };
    try {
      json = JSON.parse(body);
    } catch {
      throw new LlmError('bad_response', `${url}: the answer is not JSON: ${body.slice(0, 120)}`, attempt);
    }
    const content = json.choices?.[0]?.message?.content;
    if (!Array.isArray(json.choices) || json.choices.length === 0) throw new LlmError('bad_response', `${url}: the answer has no choices`, attempt);
    if (typeof content !== 'string') throw new LlmError('bad_response', `${url}: the answer's first choice has no message content`, attempt);
    // A count the storage cannot hold, or a negative one that would lower the spent budget, is unknown.
    const n = (v: unknown): number | null => (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= MAX_TOKENS ? v : null);
    return { text: content, promptTokens: n(json.usage?.prompt_tokens), completionTokens: n(json.usage?.completion_tokens), latencyMs: Date.now() - t0, attempts: attempt };
  }
  throw new LlmError('http', lastError || `${url}: no answer`);
}
