/**
 * A real HTTP server on loopback that speaks OpenAI's chat-completions endpoint and answers from a
 * script: each request takes the next step (the last one repeats). It keeps what it received.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type Step =
  /** a normal answer whose message content is this text */
  | { content: string; usage?: { prompt_tokens: number; completion_tokens: number } }
  /** any status and raw body */
  | { status: number; body: string; headers?: Record<string, string> }
  /** never answer */
  | { hang: true };

export interface Received {
  headers: http.IncomingHttpHeaders;
  body: { model: string; messages: { role: string; content: string }[]; temperature: number; max_tokens: number };
  url: string;
}

export interface ScriptedServer {
  url: string;
  received: Received[];
  /** replace the script (answers already given stay given) */
  script(steps: Step[] | ((req: Received, i: number) => Step)): void;
  close(): Promise<void>;
}

export function chatBody(content: string, usage = { prompt_tokens: 120, completion_tokens: 40 }): string {
  return JSON.stringify({ id: 'x', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }], usage });
}

export async function startLlmServer(initial: Step[] = []): Promise<ScriptedServer> {
  let steps: Step[] | ((req: Received, i: number) => Step) = initial;
  const received: Received[] = [];
  const hanging: http.ServerResponse[] = [];
  const server = http.createServer((req, res) => {
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', () => {
      const r: Received = { headers: req.headers, body: JSON.parse(data || '{}'), url: req.url ?? '' };
      received.push(r);
      const i = received.length - 1;
      const step = typeof steps === 'function' ? steps(r, i) : steps[Math.min(i, steps.length - 1)];
      if (!step) {
        res.writeHead(500).end('no script');
        return;
      }
      if ('hang' in step) {
        hanging.push(res);
        return;
      }
      if ('content' in step) {
        res.writeHead(200, { 'content-type': 'application/json' }).end(chatBody(step.content, step.usage));
        return;
      }
      res.writeHead(step.status, { 'content-type': 'application/json', ...step.headers }).end(step.body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    received,
    script: (s) => void (steps = s),
    close: async () => {
      for (const h of hanging) h.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
