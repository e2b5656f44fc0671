/** `scaletune llm-log <study>`: the LLM searcher's calls — purpose, outcome, tokens, cost, time — and why it fell back. */
import { Command } from 'commander';
import { EXIT } from '../../core/errors.js';
import { table } from '../../report/format.js';
import { action, globals, printJson, requireStudy, withStorage, type CliIO } from '../context.js';
import { flag } from '../flags.js';

export function makeLlmLogCommand(io: CliIO): Command {
  return new Command('llm-log')
    .description('the calls method llm made: purpose, outcome, tokens, cost and latency, and its fallbacks')
    .argument('<study>', 'study name')
    .option('--full', 'print each request and answer too')
    .addOption(flag('json', 'print the calls as JSON'))
    .action(
      action(io, async (name: string, f: { full?: boolean; json?: boolean }, cmd: Command) => {
        const g = globals(cmd, io);
        return withStorage(g, io, async (storage) => {
          const study = await requireStudy(storage, name);
          const calls = await storage.getLlmCalls(study.id);
          const fallbacks = (await storage.getEvents(study.id)).filter((e) => e.kind === 'llm_fallback');
          const sum = (k: 'promptTokens' | 'completionTokens' | 'cost'): number => calls.reduce((s, c) => s + (c[k] ?? 0), 0);
          const totals = { calls: calls.length, ok: calls.filter((c) => c.status === 'ok').length, replayed: calls.filter((c) => c.status === 'replayed').length, errors: calls.filter((c) => c.status === 'error').length, prompt_tokens: sum('promptTokens'), completion_tokens: sum('completionTokens'), cost: sum('cost'), fallbacks: fallbacks.length };
          if (f.json) {
            printJson(io, { study: study.name, totals, calls: calls.map((c) => ({ ...c, request: f.full ? c.request : undefined })), fallbacks: fallbacks.map((e) => ({ at: new Date(e.at).toISOString(), ...e.detail })) });
            return EXIT.OK;
          }
          if (calls.length === 0) io.stdout.write(`study ${study.name} made no LLM call\n`);
          else {
            const rows = calls.map((c, i) => [String(i + 1), new Date(c.at).toISOString().slice(11, 19), c.purpose, c.status + (c.recorded ? ' (recorded)' : ''), String(c.promptTokens ?? '-'), String(c.completionTokens ?? '-'), c.cost ? c.cost.toFixed(5) : '0', c.latencyMs !== null ? `${c.latencyMs} ms` : '-', c.error ? c.error.slice(0, 80) : '']);
            io.stdout.write(`${table(['#', 'at', 'purpose', 'status', 'prompt tok', 'completion tok', 'cost $', 'latency', 'error'], rows)}\n`);
            io.stdout.write(`${totals.calls} calls (${totals.ok} answered, ${totals.replayed} replayed, ${totals.errors} failed), ${totals.prompt_tokens} + ${totals.completion_tokens} tokens, ${totals.cost.toFixed(4)} USD\n`);
          }
          for (const e of fallbacks) io.stdout.write(`fallback at ${new Date(e.at).toISOString().slice(11, 19)}: ${String(e.detail?.reason ?? '')}\n`);
          if (f.full) for (const [i, c] of calls.entries()) io.stdout.write(`\n--- call ${i + 1} (${c.purpose}) request:\n${JSON.stringify(c.request, null, 2)}\n--- answer:\n${c.response ?? '(none)'}\n`);
          return EXIT.OK;
        });
      }),
    );
}
