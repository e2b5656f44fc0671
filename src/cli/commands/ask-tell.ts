/**
 * `ask` and `tell`: let an outside system (a CI matrix, a notebook, a shell loop) drive a study.
 * `ask` claims a trial (a waiting one, else a fresh proposal) and prints it; `tell` records its result.
 */
import { Command, Option } from 'commander';
import path from 'node:path';
import { EXIT, ScaletuneError, UsageError } from '../../core/errors.js';
import { trialDirFor } from '../../orchestrator/run-trial.js';
import { fmtParams, trialToJson } from '../../report/format.js';
import { askTrial, tellTrial } from '../../study/ask-tell.js';
import { action, globals, printJson, requireStudy, withStorage, type CliIO } from '../context.js';
import { flag } from '../flags.js';

export function makeAskCommand(io: CliIO): Command {
  return new Command('ask')
    .description(`claim the next trial and print its parameters (exit ${EXIT.DONE} when nothing is left)`)
    .argument('<study>', 'study name')
    .addOption(flag('json', 'print {study, number, params, checkpoint_dir, …} as JSON'))
    .action(action(io, async (name: string, flags: { json?: boolean }, cmd: Command) =>
      withStorage(globals(cmd, io), io, async (storage) => {
        const study = await requireStudy(storage, name);
        const t = await askTrial(storage, study, io.env);
        if (!t) {
          const cap = study.config.runCap;
          throw new ScaletuneError(`study ${name} has nothing left to ask (${cap !== undefined ? `run_cap ${cap} reached` : 'search space exhausted'})`, EXIT.DONE);
        }
        const dir = trialDirFor(study, t.number);
        if (flags.json) printJson(io, { study: study.name, ...trialToJson(t), checkpoint_dir: path.join(dir, 'checkpoints'), resume_from: t.resumeFrom });
        else io.stdout.write(`trial ${t.number}  ${fmtParams(t.params)}\n`);
        return EXIT.OK;
      })),
    );
}

export function makeTellCommand(io: CliIO): Command {
  return new Command('tell')
    .description('record the result of an asked trial')
    .argument('<study>', 'study name')
    .argument('<trial>', 'trial number (as printed by ask)')
    .option('--value <v>', "the metric's final value")
    .option('--values <json>', 'the final values of the objectives, constraints and cost metric the study names, as a JSON object, e.g. \'{"val_loss": 1.2, "params": 3e6}\'')
    .addOption(new Option('--state <state>', 'how the trial ended').choices(['complete', 'fail', 'pruned']))
    .option('--error <message>', 'why it failed (with --state fail)')
    .addOption(flag('json', 'print the finished trial as JSON'))
    .action(action(io, async (name: string, num: string, flags: { value?: string; values?: string; state?: string; error?: string; json?: boolean }, cmd: Command) =>
      withStorage(globals(cmd, io), io, async (storage) => {
        const study = await requireStudy(storage, name);
        if (!/^\d+$/.test(num)) throw new UsageError(`trial: found '${num}'; allowed: a trial number such as 3`);
        let value: number | null = null;
        if (flags.value !== undefined) {
          value = Number(flags.value);
          if (flags.value.trim() === '' || !Number.isFinite(value)) throw new UsageError(`--value: found '${flags.value}'; allowed: a finite number (report a diverged run with --state fail)`);
        }
        const done = await tellTrial(storage, study, Number(num), {
          value,
          ...(flags.values !== undefined ? { values: parseValuesFlag(flags.values) } : {}),
          ...(flags.state ? { state: flags.state.toUpperCase() as 'COMPLETE' | 'FAIL' | 'PRUNED' } : {}),
          ...(flags.error !== undefined ? { error: flags.error } : {}),
        });
        if (flags.json) printJson(io, trialToJson(done));
        else io.stdout.write(`trial ${done.number} ${done.state.toLowerCase()}${done.value !== null ? ` (${done.value})` : ''}\n`);
        return EXIT.OK;
      })),
    );
}

/** `--values`: a JSON object of finite numbers by metric name. */
function parseValuesFlag(raw: string): Record<string, number> {
  const allowed = 'a JSON object of finite numbers by metric name, e.g. \'{"val_loss": 1.2, "params": 3e6}\'';
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    throw new UsageError(`--values: found '${raw}', which is not JSON; allowed: ${allowed}`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new UsageError(`--values: found '${raw}'; allowed: ${allowed}`);
  for (const [k, x] of Object.entries(v)) if (typeof x !== 'number' || !Number.isFinite(x)) throw new UsageError(`--values: ${k} is ${JSON.stringify(x)}; allowed: ${allowed}`);
  return v as Record<string, number>;
}
