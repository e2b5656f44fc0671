/** `scaletune verify`: a ladder's verify run after the fact (after `run`, the library's resumeStudy makes it). */
import { Command, Option } from 'commander';
import type { VerifyAt, VerifyResult } from '../../../fitters/ladder/index.js';
import { backendFor } from '../../registry/backends.js';
import { EXIT, UsageError } from '../../core/errors.js';
import { loadLadder, runVerify } from '../../orchestrator/verify.js';
import { verifyJson } from '../../report/ladder-json.js';
import { formatVerify } from '../../report/ladder-text.js';
import { action, globals, hint, printJson, requireStudy, withStorage, type CliIO } from '../context.js';
import { flag } from '../flags.js';
import { pickReporter } from './run.js';

export function makeVerifyCommand(io: CliIO): Command {
  return new Command('verify')
    .description('train one run with the hyperparameters a ladder predicts, and compare its loss with the prediction')
    .argument('<study>', 'a study with scales')
    .addOption(new Option('--at <where>', "largest: the largest proxy scale, predicted by the others; target: the target itself (default: the config's verify:, else largest)").choices(['largest', 'target']))
    .addOption(flag('json', 'print the result as JSON'))
    .addOption(flag('live'))
    .action(
      action(io, async (name: string, flags: { at?: VerifyAt; json?: boolean; live?: boolean }, cmd: Command) => {
        const g = globals(cmd, io);
        return withStorage(g, io, async (storage) => {
          const study = await requireStudy(storage, name);
          if (!study.config.scales?.length) throw new UsageError(`study ${name} has no scales; verify checks the prediction of a scale ladder`);
          // the study's own verify: is what a bare `verify` means
          const f = { ...flags, at: flags.at ?? study.config.verify ?? 'largest' };
          const reporter = await pickReporter(io, g, { ...(f.json ? { json: true } : {}), live: f.live !== false });
          let v: VerifyResult | null;
          try {
            v = await runVerify({ storage, study, at: f.at, backend: backendFor(study.config), reporter, ...(io.signal ? { signal: io.signal } : {}) });
          } finally {
            await reporter.close();
          }
          if (!v) {
            io.stderr.write(`stopped; continue with: ${hint(g, io, `verify ${name} --at ${f.at}`)}\n`);
            return EXIT.INTERRUPTED;
          }
          const { summary } = await loadLadder(storage, study);
          if (f.json) printJson(io, verifyJson(v));
          else io.stdout.write(`${formatVerify(v, summary.metric, summary.lrParam, summary.batchParam)}\n`);
          return v.measured === null ? EXIT.FAILURE : EXIT.OK;
        });
      }),
    );
}

