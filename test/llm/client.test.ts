/** The chat-completions client against a real HTTP server on loopback that answers from a script. */
import { afterEach, describe, expect, it } from 'vitest';
import { chatComplete } from '../../src/llm/client.js';
import { chatBody, startLlmServer, type ScriptedServer } from '../helpers/llm-server.js';

let server: ScriptedServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

const ask = (url: string) => chatComplete({ baseUrl: url, apiKey: null, timeoutMs: 2000, retries: 0 }, { model: 'tiny', messages: [{ role: 'user', content: 'hi' }], temperature: 0, max_tokens: 10 });

describe('chat-completions client', () => {
  it('reads the usage the server reports', async () => {
    server = await startLlmServer([{ content: 'ok', usage: { prompt_tokens: 120, completion_tokens: 40 } }]);
    expect(await ask(server.url)).toMatchObject({ text: 'ok', promptTokens: 120, completionTokens: 40 });
  });

  it('negative, fractional, huge or non-finite token counts are unknown, so they cannot lower the spent budget', async () => {
    const usages = ['{"prompt_tokens": -1000, "completion_tokens": -5}', '{"prompt_tokens": 1e999, "completion_tokens": -1e999}', '{"prompt_tokens": 2.5, "completion_tokens": 1e12}'];
    for (const usage of usages) {
      server = await startLlmServer([{ status: 200, body: chatBody('ok').replace(/"usage":\{[^}]*\}/, `"usage": ${usage}`) }]);
      expect(await ask(server.url), usage).toMatchObject({ text: 'ok', promptTokens: null, completionTokens: null });
      await server.close();
      server = null;
    }
  });
});
