/**
 * `ask` and `tell`: let an outside system (a CI matrix, a notebook, a shell loop) drive a study.
 * `ask` claims a trial (a waiting one, else a fresh proposal) and prints it; `tell` records its result.
 */
import { Command, Option } from 'commander';
import path from 'node:path';
import { EXIT, ScaletuneError, UsageError } from '../../core/errors.js';
import { claimNext, searcherFor } from '../../orchestrator/claim.js';
import { LadderClaimer } from '../../orchestrator/ladder.js';
import { newWorkerId } from '../../orchestrator/recovery.js';
import { trialDirFor } from '../../orchestrator/run-trial.js';
import { fmtParams, trialToJson } from '../../report/format.js';
import type { Storage, StudyRecord } from '../../storage/types.js';
import type { Trial } from '../../core/trial.js';
import { action, globals, printJson, requireStudy, withStorage, type CliIO } from '../context.js';
import { flag } from '../flags.js';

/** Claim the next trial of a study for an outside driver; null when the cap is reached or the space exhausted. */
export async function askTrial(storage: Storage, study: StudyRecord, env?: Record<string, string | undefined>): Promise<Trial | null> {
  // a ladder's trial comes with its scale (in --json: scale), searched by that scale's own searcher
  if (study.config.scales?.length) return new LadderClaimer(storage, study, study.config.runCap).claim(newWorkerId('ask'));
  return (await claimNext(storage, study, await searcherFor(storage, study, env), newWorkerId('ask'), study.config.runCap)).trial;
}

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
        await storage.logEvent(study.id, t.id, t.worker ?? 'ask', 'trial_asked', { params: t.params });
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
    .addOption(new Option('--state <state>', 'how the trial ended').choices(['complete', 'fail', 'pruned']))
    .option('--error <message>', 'why it failed (with --state fail)')
    .addOption(flag('json', 'print the finished trial as JSON'))
    .action(action(io, async (name: string, num: string, flags: { value?: string; state?: string; error?: string; json?: boolean }, cmd: Command) =>
      withStorage(globals(cmd, io), io, async (storage) => {
        const study = await requireStudy(storage, name);
        if (!/^\d+$/.test(num)) throw new UsageError(`trial: found '${num}'; allowed: a trial number such as 3`);
        const t = await storage.getTrialByNumber(study.id, Number(num));
        if (!t) throw new UsageError(`study ${name} has no trial ${num}`);
        const state = (flags.state ?? 'complete').toUpperCase() as 'COMPLETE' | 'FAIL' | 'PRUNED';
        let value: number | null = null;
        if (flags.value !== undefined) {
          value = Number(flags.value);
          if (flags.value.trim() === '' || !Number.isFinite(value)) throw new UsageError(`--value: found '${flags.value}'; allowed: a finite number (report a diverged run with --state fail)`);
        }
        if (state === 'COMPLETE' && value === null && study.config.metric) {
          throw new UsageError(`--value: missing; study ${name} optimises ${study.config.metric.name}, so a complete trial needs its value (or use --state fail)`);
        }
        if (state === 'FAIL' && value !== null) throw new UsageError('--value: not allowed with --state fail');
        const done = await storage.finishTrial(t.id, { state, value, error: flags.error ?? (state === 'FAIL' ? 'reported failed through tell' : null) });
        await storage.logEvent(study.id, t.id, 'tell', 'trial_told', { state: done.state, value: done.value });
        if (flags.json) printJson(io, trialToJson(done));
        else io.stdout.write(`trial ${done.number} ${done.state.toLowerCase()}${done.value !== null ? ` (${done.value})` : ''}\n`);
        return EXIT.OK;
      })),
    );
}
