/**
 * method llm against a real HTTP server on loopback that answers from a script: good answers, prose
 * around them, bad candidates, truncated JSON, empty choices, 429 then success, 500 forever, a hang,
 * 401. Each ends in a valid proposal (from the LLM or, said why, from the fallback) or a clear error;
 * never a crash or a stalled study.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { validateStudyConfig } from '../../src/config/index.js';
import { contains } from '../../src/core/distributions.js';
import { LlmSearcher } from '../../src/llm/searcher.js';
import { MemoryStorage } from '../../src/storage/memory.js';
import type { HistoryTrial } from '../../searchers/types.js';
import { runCli } from '../helpers/cli.js';
import { makeStudy, tmpDir, TRAINER, writeFile } from '../helpers/fixtures.js';
import { startLlmServer, type ScriptedServer, type Step } from '../helpers/llm-server.js';

let server: ScriptedServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

const SPACE = {
  lr: { distribution: 'log_uniform_values', min: 1e-4, max: 1e-1 },
  batch_size: { values: [16, 32, 64, 128] },
  steps: { value: 5 },
};

async function searcher(steps: Step[], llm: Record<string, unknown> = {}, env: Record<string, string> = {}) {
  server = await startLlmServer(steps);
  const config = validateStudyConfig({ program: TRAINER, method: 'llm', metric: { name: 'loss', goal: 'minimize' }, parameters: SPACE, seed: 3, llm: { base_url: server.url, model: 'tiny', retries: 1, timeout: 2, initial: 3, candidates: 4, prompts: 2, attempts: 2, ...llm } });
  const storage = new MemoryStorage();
  const study = await makeStudy(storage, config);
  return { s: new LlmSearcher(storage, study, env), storage, study };
}

const trial = (number: number, lr: number, batch: number, value: number): HistoryTrial => ({ number, state: 'COMPLETE', params: { lr, batch_size: batch, steps: 5 }, value });
const HISTORY = [trial(0, 0.01, 64, 2.3), trial(1, 0.001, 32, 2.2), trial(2, 0.05, 128, 2.9), trial(3, 0.003, 64, 2.01)];
const inSpace = (p: Record<string, unknown>) => contains({ type: 'log_uniform_values', min: 1e-4, max: 1e-1 }, p.lr as number) && [16, 32, 64, 128].includes(p.batch_size as number) && p.steps === 5;

async function fallbacks(storage: MemoryStorage, studyId: number): Promise<string[]> {
  return (await storage.getEvents(studyId)).filter((e) => e.kind === 'llm_fallback').map((e) => String(e.detail?.reason));
}

describe('method llm against a scripted OpenAI-compatible server', () => {
  it('warm start: the zero-shot configurations are proposed in order, one per free slot, from one call', async () => {
    const { s, storage, study } = await searcher([{ content: '{"lr": 0.001, "batch_size": 32}\n{"lr": 0.01, "batch_size": 64}\n{"lr": 0.0003, "batch_size": 16}' }]);
    const a = await s.suggest([], 1);
    const b = await s.suggest([{ number: 0, state: 'RUNNING', params: a[0]!.params, value: null }], 2);
    expect(a.map((p) => p.params)).toEqual([{ lr: 0.001, batch_size: 32, steps: 5 }]);
    expect(b.map((p) => p.params)).toEqual([{ lr: 0.01, batch_size: 64, steps: 5 }, { lr: 0.0003, batch_size: 16, steps: 5 }]);
    expect(server!.received).toHaveLength(1);
    const sent = server!.received[0]!.body;
    expect(sent.model).toBe('tiny');
    expect(sent.messages[0]!.content).toContain('lr: float from 0.0001 to 0.1, log scale');
    expect(sent.messages[0]!.content).toContain('batch_size: one of 16, 32, 64, 128');
    expect(sent.messages[1]!.content).toMatch(/Propose 3 diverse configurations/);
    expect(await fallbacks(storage, study.id)).toEqual([]);
    const calls = await storage.getLlmCalls(study.id);
    expect(calls[0]).toMatchObject({ purpose: 'warm-start', status: 'ok', promptTokens: 120, completionTokens: 40, attempts: 1 });
  });

  it('negative token counts from the endpoint count as unknown: the spent budget never goes down', async () => {
    const { s, storage, study } = await searcher([{ content: '{"lr": 0.001, "batch_size": 32}', usage: { prompt_tokens: -1_000_000, completion_tokens: -1_000_000 } }], { price: { prompt: 1, completion: 2 } });
    await s.suggest([], 1);
    const calls = await storage.getLlmCalls(study.id);
    expect(calls[0]).toMatchObject({ status: 'ok', promptTokens: null, completionTokens: null, cost: 0 });
  });

  it('candidate sampling: examples, the target f* = best − 0.1·range, candidates read from prose and ranked by the GP', async () => {
    const { s, storage, study } = await searcher([{ content: 'Sure! Here are my suggestions:\n1. {"lr": 0.002, "batch_size": 64} — close to the best\n2. {"lr": 0.004, "batch_size": 32}\nHope this helps.' }, { content: '```json\n{"lr": 0.0025, "batch_size": 128}\n```\nand also ## lr: 0.0035, batch_size: 16 ##' }]);
    const out = await s.suggest(HISTORY, 2);
    expect(out).toHaveLength(2);
    for (const p of out) expect(inSpace(p.params)).toBe(true);
    const offered = [0.002, 0.004, 0.0025, 0.0035];
    for (const p of out) expect(offered).toContain(p.params.lr);
    const user = server!.received[0]!.body.messages[1]!.content;
    expect(user).toContain('about 1.921'); // 2.01 − 0.1·(2.9 − 2.01)
    expect(user).toContain('{"lr":0.003,"batch_size":64} -> loss = 2.01');
    expect(server!.received).toHaveLength(2); // two prompts, enough candidates in one round
    // the two prompts show the examples in different orders
    expect(server!.received[1]!.body.messages[1]!.content).not.toBe(user);
    expect(await fallbacks(storage, study.id)).toEqual([]);
  });

  it('a batch for parallel workers: a second slot asking before any new result takes the next ranked candidate, no new calls', async () => {
    const { s } = await searcher([{ content: '{"lr": 0.002, "batch_size": 64}\n{"lr": 0.004, "batch_size": 32}' }, { content: '{"lr": 0.0025, "batch_size": 128}\n{"lr": 0.0035, "batch_size": 16}' }]);
    const [a] = await s.suggest(HISTORY, 1);
    const [b] = await s.suggest([...HISTORY, { number: 4, state: 'RUNNING', params: a!.params, value: null }], 1);
    expect(server!.received).toHaveLength(2); // one step: two prompts
    expect(b!.params).not.toEqual(a!.params);
    expect([0.002, 0.004, 0.0025, 0.0035]).toContain(b!.params.lr);
    // a new result: a new step
    await s.suggest([...HISTORY, trial(4, a!.params.lr as number, a!.params.batch_size as number, 2.05), { number: 5, state: 'RUNNING', params: b!.params, value: null }], 1);
    expect(server!.received.length).toBeGreaterThan(2);
  });

  it('drops out-of-range, wrong-type, unknown and duplicate candidates, says why, and uses the rest', async () => {
    const { s, storage, study } = await searcher([
      { content: '{"lr": 5, "batch_size": 64}\n{"lr": "fast", "batch_size": 64}\n{"lr": 0.002, "batch_size": 48}\n{"lr": 0.003, "batch_size": 64}\n{"lr": 0.002, "batch_size": 64, "momentum": 0.9}\n{"lr": "0.002", "batch_size": "32"}' },
      { content: '{"lr": 0.002, "batch_size": 32}\n{"lr": 0.0009, "batch_size": 128}' },
    ]);
    const out = await s.suggest(HISTORY, 1);
    expect(out).toHaveLength(1);
    expect([0.002, 0.0009]).toContain(out[0]!.params.lr);
    const rejected = (await storage.getEvents(study.id)).find((e) => e.kind === 'llm_rejected')!.detail!.reasons as string[];
    expect(rejected).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^lr = 5 is outside its range/),
        'lr = "fast" is not a number',
        'batch_size = 48 is not one of its values',
        'a duplicate of a configuration already tried or proposed',
        'unknown parameter momentum',
      ]),
    );
    expect(await fallbacks(storage, study.id)).toEqual([]);
  });

  it('truncated JSON and answers with no configuration: after its rounds of asking it falls back to the Bayesian searcher, saying why', async () => {
    const { s, storage, study } = await searcher([{ content: '{"lr": 0.002, "batch_si' }, { content: 'I think a learning rate of about 0.002 would be good.' }]);
    const out = await s.suggest(HISTORY, 1);
    expect(out).toHaveLength(1);
    expect(inSpace(out[0]!.params)).toBe(true);
    expect(server!.received).toHaveLength(4); // 2 rounds × 2 prompts
    expect(await fallbacks(storage, study.id)).toEqual(['too few valid candidates after 2 rounds of asking']);
  });

  it('empty choices: a clear reason, and the fallback proposes', async () => {
    const { s, storage, study } = await searcher([{ status: 200, body: JSON.stringify({ choices: [] }) }]);
    const out = await s.suggest(HISTORY, 1);
    expect(inSpace(out[0]!.params)).toBe(true);
    expect((await fallbacks(storage, study.id))[0]).toMatch(/^bad_response: .*the answer has no choices$/);
  });

  it('429 then success: retried after Retry-After, the answer used', async () => {
    const { s, storage, study } = await searcher([{ status: 429, body: '{"error": "slow down"}', headers: { 'retry-after': '0.05' } }, { content: '{"lr": 0.002, "batch_size": 64}\n{"lr": 0.004, "batch_size": 64}' }, { content: '{"lr": 0.0025, "batch_size": 32}' }]);
    const out = await s.suggest(HISTORY, 1);
    expect([0.002, 0.004, 0.0025]).toContain(out[0]!.params.lr);
    expect(await fallbacks(storage, study.id)).toEqual([]);
    expect((await storage.getLlmCalls(study.id))[0]).toMatchObject({ status: 'ok', attempts: 2 });
  });

  it('500 forever: retried, then the fallback, and the failed calls are logged', async () => {
    const { s, storage, study } = await searcher([{ status: 500, body: 'upstream exploded' }]);
    const t0 = Date.now();
    const out = await s.suggest(HISTORY, 1);
    expect(inSpace(out[0]!.params)).toBe(true);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(server!.received).toHaveLength(2); // one try and one retry
    expect((await fallbacks(storage, study.id))[0]).toMatch(/^http: .*HTTP 500: upstream exploded \(after 2 attempts\)$/);
    expect((await storage.getLlmCalls(study.id))[0]).toMatchObject({ status: 'error', attempts: 2 });
  });

  it('a hang past the timeout: given up after llm.timeout, the fallback proposes', async () => {
    const { s, storage, study } = await searcher([{ hang: true }], { timeout: 0.3 });
    const t0 = Date.now();
    const out = await s.suggest(HISTORY, 1);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(inSpace(out[0]!.params)).toBe(true);
    expect((await fallbacks(storage, study.id))[0]).toMatch(/^timeout: .*no answer within 0.3 s \(llm.timeout\)$/);
  });

  it('401: not retried, a clear reason naming the key variable; a key variable that is not set is said too', async () => {
    const { s, storage, study } = await searcher([{ status: 401, body: '{"error": "bad key"}' }], { api_key_env: 'TEST_LLM_KEY' }, { TEST_LLM_KEY: 'sk-test-0000' });
    const out = await s.suggest(HISTORY, 1);
    expect(inSpace(out[0]!.params)).toBe(true);
    expect(server!.received).toHaveLength(1);
    expect(server!.received[0]!.headers.authorization).toBe('Bearer sk-test-0000');
    expect((await fallbacks(storage, study.id))[0]).toMatch(/^auth: .*HTTP 401: the endpoint refused the credentials; check the key in the variable llm.api_key_env names$/);
    await server!.close();
    const unset = await searcher([{ content: '{}' }], { api_key_env: 'TEST_LLM_KEY' }, {});
    await unset.s.suggest(HISTORY, 1);
    expect(server!.received).toHaveLength(0);
    expect((await fallbacks(unset.storage, unset.study.id))[0]).toBe('auth: the environment variable TEST_LLM_KEY (llm.api_key_env) is not set');
  });

  it('an unreachable endpoint and a spent budget fall back too', async () => {
    const { s, storage, study } = await searcher([{ content: '{"lr": 0.002, "batch_size": 64}\n{"lr": 0.004, "batch_size": 32}' }], { max_calls: 2 });
    await s.suggest(HISTORY, 1); // two calls: the budget
    await s.suggest([...HISTORY, trial(4, 0.002, 64, 2.02)], 1);
    expect(server!.received).toHaveLength(2);
    expect(await fallbacks(storage, study.id)).toEqual(['http: llm.max_calls 2 reached']);
    await server!.close();
    const gone = await searcher([{ content: '' }]);
    const url = server!.url;
    await server!.close();
    server = null;
    const cfg = validateStudyConfig({ program: TRAINER, method: 'llm', metric: { name: 'loss' }, parameters: SPACE, llm: { base_url: url, model: 'x', retries: 0 } });
    const st = await makeStudy(gone.storage, cfg, 'gone');
    const out = await new LlmSearcher(gone.storage, st, {}).suggest(HISTORY, 1);
    expect(inSpace(out[0]!.params)).toBe(true);
    expect((await fallbacks(gone.storage, st.id))[0]).toMatch(/^unreachable: http:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions: ECONNREFUSED/);
  });

  it('the LLM as the surrogate: candidates ranked by expected improvement from its predicted scores', async () => {
    const { s } = await searcher(
      [],
      { surrogate: 'llm', surrogate_samples: 2, prompts: 1, candidates: 2 },
    );
    server!.script((req) => {
      const user = req.body.messages[1]!.content;
      if (user.includes('Propose')) return { content: '{"lr": 0.002, "batch_size": 64}\n{"lr": 0.08, "batch_size": 16}' };
      // predictions: the small lr looks better
      return { content: user.includes('"lr":0.002') ? 'I expect 1.95' : '2.8' };
    });
    const out = await s.suggest(HISTORY, 1);
    expect(out[0]!.params.lr).toBe(0.002);
    expect(server!.received.filter((r) => r.body.messages[1]!.content.includes('Predict'))).toHaveLength(4);
  });
});

describe('record, replay, and the key', () => {
  const STUDY = (url: string, mode: string) => `name: llm-study
program: ${TRAINER}
method: llm
metric: {name: loss, goal: minimize}
run_cap: 5
seed: 11
parameters:
  lr: {distribution: log_uniform_values, min: 0.0001, max: 0.1}
  batch_size: {values: [16, 32, 64, 128]}
  steps: {value: 3}
  step_ms: {value: 1}
llm: {base_url: "${url}", model: tiny, api_key_env: TEST_LLM_KEY, mode: ${mode}, initial: 3, candidates: 2, prompts: 2, retries: 0, price: {prompt: 1.0, completion: 2.0}}
`;

  it('a sweep recorded once replays offline with identical proposals; the key is never in the database; llm-log shows the calls', async () => {
    server = await startLlmServer();
    let k = 0;
    server.script((req) => {
      if (req.body.messages[1]!.content.includes('diverse')) return { content: '{"lr": 0.01, "batch_size": 32}\n{"lr": 0.001, "batch_size": 64}\n{"lr": 0.0002, "batch_size": 128}' };
      k++;
      return { content: `{"lr": ${(0.002 + 0.0001 * k).toFixed(4)}, "batch_size": 64}\n{"lr": ${(0.004 + 0.0001 * k).toFixed(4)}, "batch_size": 32}` };
    });
    const dir = tmpDir('scaletune-llm-');
    const db = path.join(dir, 'llm.db');
    const env = { TEST_LLM_KEY: 'sk-very-secret-key-12345' };
    const rec = await runCli(['run', writeFile(dir, 'rec.yaml', STUDY(server.url, 'record')), '--db', db, '--name', 'rec', '--parallel', '1'], { cwd: dir, env });
    expect(rec.code, rec.stderr).toBe(0);
    const url = server.url;
    await server.close();
    server = null;
    // replay: the endpoint is gone; every answer comes from the recordings
    const rep = await runCli(['run', writeFile(dir, 'rep.yaml', STUDY(url, 'replay')), '--db', db, '--name', 'rep', '--parallel', '1'], { cwd: dir, env: {} });
    expect(rep.code, rep.stderr).toBe(0);
    const params = async (name: string) => (JSON.parse((await runCli(['trials', name, '--db', db, '--json'], { cwd: dir })).stdout) as { params: unknown }[]).map((t) => t.params);
    const a = await params('rec');
    expect(a).toHaveLength(5);
    expect(await params('rep')).toEqual(a);
    expect(a[0]).toEqual({ lr: 0.01, batch_size: 32, steps: 3, step_ms: 1 });

    const log = await runCli(['llm-log', 'rec', '--db', db], { cwd: dir });
    expect(log.code).toBe(0);
    expect(log.stdout).toMatch(/warm-start +ok \(recorded\) +120 +40/);
    // 3 runs from one warm-start call, 2 steps of 2 candidate prompts; cost = (120·1 + 40·2)/1e6 per call
    expect(log.stdout).toContain('5 calls (5 answered, 0 replayed, 0 failed), 600 + 200 tokens, 0.0010 USD');
    const replayed = JSON.parse((await runCli(['llm-log', 'rep', '--db', db, '--json'], { cwd: dir })).stdout);
    expect(replayed.totals).toMatchObject({ errors: 0, fallbacks: 0, cost: 0 });
    expect(replayed.totals.replayed).toBe(replayed.totals.calls);
    expect(replayed.calls[0]).toMatchObject({ status: 'replayed', prompt_tokens: expect.any(Number), study_id: expect.any(Number) });
    expect(replayed.calls[0]).not.toHaveProperty('promptTokens');

    // the key: sent in the header only, never written
    for (const f of [db, `${db}-wal`]) {
      try {
        expect(readFileSync(f).includes(Buffer.from(env.TEST_LLM_KEY))).toBe(false);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
    }
    // a replay that misses its recording stops with a clear error instead of doing something else
    const miss = await runCli(['run', writeFile(dir, 'miss.yaml', STUDY(url, 'replay').replace('seed: 11', 'seed: 12')), '--db', db, '--name', 'miss'], { cwd: dir });
    expect(miss.code).toBe(1);
    expect(miss.stderr).toMatch(/llm.mode replay: no recorded answer for this candidates request \(key [0-9a-f]{12}…\)/);
  }, 60_000);

  it('refuses malformed llm blocks, naming the field', async () => {
    const dir = tmpDir();
    for (const [llm, expected] of [
      ['{model: x}', 'llm.base_url: missing'],
      ['{base_url: localhost:8000, model: x}', 'llm.base_url: found "localhost:8000"'],
      ['{base_url: "http://h/v1"}', 'llm.model: missing'],
      ['{base_url: "http://h/v1", model: x, api_key_env: "sk-123"}', 'llm.api_key_env: found "sk-123" (a string); allowed: the NAME of an environment variable'],
      ['{base_url: "http://h/v1", model: x, mode: cache}', 'llm.mode: found "cache"'],
      ['{base_url: "http://h/v1", model: x, temperature: 3}', 'llm.temperature: found 3'],
      ['{base_url: "http://h/v1", model: x, price: 3}', 'llm.price: found 3'],
      ['{base_url: "http://h/v1", model: x, surrogate: forest}', 'llm.surrogate: found "forest"'],
      ['{base_url: "http://h/v1", model: x, tmperature: 1}', 'llm.tmperature: unknown key'],
    ]) {
      const file = writeFile(dir, 'bad.yaml', `program: ${TRAINER}\nmethod: llm\nmetric: {name: loss}\nrun_cap: 2\nparameters: {lr: {min: 0.001, max: 0.1}}\nllm: ${llm}\n`);
      const r = await runCli(['run', file, '--db', path.join(dir, 'x.db')], { cwd: dir });
      expect(r.code, llm).toBe(2);
      expect(r.stderr, llm).toContain(expected);
    }
  });
});
