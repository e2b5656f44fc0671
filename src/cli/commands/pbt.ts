/** `scaletune lineage <study>` (the family tree and the winner's schedule) and `scaletune replay <study>`. */
import { Command } from 'commander';
import { METHOD_NAMES, METHODS } from '../../registry/methods.js';
import { EXIT, UsageError } from '../../core/errors.js';
import { lineageModel, type LineageModel } from '../../report/lineage.js';
import { formatLineage } from '../../report/lineage-text.js';
import type { Storage, StudyRecord } from '../../storage/types.js';
import { action, globals, hint, printJson, requireStudy, withStorage, type CliIO } from '../context.js';
import { flag } from '../flags.js';
import { executeStudy } from './run.js';

async function pbtStudy(storage: Storage, name: string): Promise<StudyRecord> {
  const study = await requireStudy(storage, name);
  if (!study.config.pbt) throw new UsageError(`study ${name} uses method ${study.config.method}; lineage and replay are for methods ${METHOD_NAMES.filter((m) => METHODS[m].scheduler === 'population').join(' and ')}`);
  return study;
}

async function modelOf(storage: Storage, study: StudyRecord, member?: number): Promise<LineageModel> {
  const trials = await storage.getTrials(study.id);
  const model = lineageModel(trials, await storage.getLineage(study.id), study.config.metric?.goal ?? 'minimize', study.config.pbt!.maxSteps, member);
  if (member !== undefined && !model.winner) throw new UsageError(`study ${study.name} has no member ${member} with a completed segment; members: ${model.members.map((m) => m.member).join(', ') || 'none yet'}`);
  return model;
}

export function makeLineageCommand(io: CliIO): Command {
  return new Command('lineage')
    .description("a PBT study's family tree: every exploit, each member's end, and the winner's hyperparameter schedule")
    .argument('<study>', 'study name')
    .addOption(flag('member', 'the schedule of this member instead of the winner'))
    .addOption(flag('json', 'print JSON'))
    .action(
      action(io, async (name: string, flags: { member?: number; json?: boolean }, cmd: Command) =>
        withStorage(globals(cmd, io), io, async (storage) => {
          const study = await pbtStudy(storage, name);
          const m = await modelOf(storage, study, flags.member);
          if (flags.json) {
            printJson(io, {
              study: study.name,
              metric: study.config.metric?.name ?? 'value',
              lineage: m.lineage.map((e) => ({ member: e.member, step: e.step, kind: e.kind, donor: e.donor, donor_step: e.donorStep, params_before: e.paramsBefore, params_after: e.paramsAfter, scores: e.scores })),
              members: m.members,
              winner: m.winner,
              schedule: m.schedule,
            });
          } else io.stdout.write(formatLineage(study, m, flags.member, (args) => hint(globals(cmd, io), io, args)));
          return EXIT.OK;
        }),
      ),
    );
}

export function makeReplayCommand(io: CliIO): Command {
  return new Command('replay')
    .description("train one new run from scratch that follows a PBT member's hyperparameter schedule (default: the winner's)")
    .argument('<study>', 'the PBT study')
    .addOption(flag('member'))
    .addOption(flag('name', 'name of the new study (default <study>-replay-<member>)'))
    .addOption(flag('json', 'print the outcome as JSON'))
    .addOption(flag('live'))
    .action(
      action(io, async (name: string, flags: { member?: number; name?: string; json?: boolean; live?: boolean }, cmd: Command) => {
        const g = globals(cmd, io);
        return withStorage(g, io, async (storage) => {
          const study = await pbtStudy(storage, name);
          const m = await modelOf(storage, study, flags.member);
          if (!m.winner || m.schedule.length === 0) throw new UsageError(`study ${name} has no finished member to replay yet`);
          const newName = flags.name ?? `${study.name}-replay-${m.winner.member}`;
          if (await storage.getStudy(newName)) throw new UsageError(`a study named '${newName}' already exists; pick another with --name`);
          const config = { ...study.config, name: newName, pbt: { ...study.config.pbt!, population: 1, replay: m.schedule.map((p) => ({ from: p.from, to: p.to, params: p.params })) } };
          const replay = await storage.createStudy({ name: newName, config, seed: study.seed, cwd: study.cwd, artifactsDir: `${study.artifactsDir}-replay-${m.winner.member}` });
          if (!flags.json) io.stderr.write(`replaying member ${m.winner.member} of ${study.name} (${m.schedule.length} pieces) as study ${newName}\n`);
          return executeStudy(storage, replay, g, io, { ...(flags.json ? { json: true } : {}), ...(flags.live === false ? { live: false } : {}) });
        }, { create: false });
      }),
    );
}
