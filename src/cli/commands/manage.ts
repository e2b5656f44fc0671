/** `delete`, `rename` and `note`: managing studies (src/study/manage.ts holds the rules). */
import { Command } from 'commander';
import { EXIT, UsageError } from '../../core/errors.js';
import { deleteStudy, noteOf, renameStudy, setNote } from '../../study/manage.js';
import { importOptunaStudy, readOptuna } from '../../study/import-optuna.js';
import { defaultRunsDir } from '../../study/create.js';
import { redactUrl } from '../../core/hint.js';
import { action, globals, requireStudy, withStorage, type CliIO } from '../context.js';

export function makeDeleteCommand(io: CliIO): Command {
  return new Command('delete')
    .description("delete a study and everything recorded of it (asks first unless --yes); its run folders stay unless --files")
    .argument('<study>', 'study name')
    .option('--yes', 'do not ask')
    .option('--files', "also remove the study's run folder (trial outputs, checkpoints)")
    .action(action(io, async (name: string, flags: { yes?: boolean; files?: boolean }, cmd: Command) =>
      withStorage(globals(cmd, io), io, async (storage) => {
        const study = await requireStudy(storage, name);
        if (!flags.yes) {
          if (!io.ask) throw new UsageError(`delete ${name}: not asked for confirmation (no terminal); allowed: --yes to delete without asking`);
          const trials = (await storage.getTrials(study.id)).length;
          const answer = await io.ask(`delete study ${name} and its ${trials} trial${trials === 1 ? '' : 's'} from ${storage.location}${flags.files ? `, and ${study.artifactsDir}` : ''}? [y/N] `);
          if (!/^y(es)?$/i.test(answer.trim())) {
            io.stdout.write('not deleted\n');
            return EXIT.OK;
          }
        }
        const r = await deleteStudy(storage, study, { files: Boolean(flags.files) });
        io.stdout.write(`deleted study ${name}${r.removed ? ` and ${r.removed}` : ''}${r.kept ? `; its run folder ${r.kept} stays (remove it with --files, or by hand)` : ''}\n`);
        return EXIT.OK;
      })),
    );
}

export function makeRenameCommand(io: CliIO): Command {
  return new Command('rename')
    .description('rename a study (its run folders and checkpoints stay where they are and keep working)')
    .argument('<study>', 'study name')
    .argument('<new-name>', 'the new name (the rules of run --name)')
    .action(action(io, async (name: string, next: string, _flags: unknown, cmd: Command) =>
      withStorage(globals(cmd, io), io, async (storage) => {
        const study = await requireStudy(storage, name);
        const renamed = await renameStudy(storage, study, next);
        io.stdout.write(`renamed study ${name} to ${renamed.name}\n`);
        return EXIT.OK;
      })),
    );
}

export function makeNoteCommand(io: CliIO): Command {
  return new Command('note')
    .description('keep a note with a study, shown by studies, reports and export ("" clears it; without text, prints it)')
    .argument('<study>', 'study name')
    .argument('[text]', 'the note')
    .action(action(io, async (name: string, text: string | undefined, _flags: unknown, cmd: Command) =>
      withStorage(globals(cmd, io), io, async (storage) => {
        const study = await requireStudy(storage, name);
        if (text === undefined) {
          const note = await noteOf(storage, study);
          io.stdout.write(note === null ? `study ${name} has no note\n` : `${note}\n`);
          return EXIT.OK;
        }
        await setNote(storage, study, text);
        io.stdout.write(text.trim() === '' ? `cleared the note of study ${name}\n` : `noted on study ${name}\n`);
        return EXIT.OK;
      })),
    );
}

export function makeImportCommand(io: CliIO): Command {
  return new Command('import')
    .description("record a study another tool ran as a scaletune study (optuna: its SQLite file or PostgreSQL URL, read directly)")
    .argument('<tool>', 'the tool that ran it: optuna')
    .argument('<storage>', 'an Optuna SQLite file (a path or sqlite:///path) or postgresql://… URL')
    .option('--study <name>', 'the Optuna study to import (needed when the storage holds several)')
    .option('--name <name>', 'the scaletune study to create (default: the Optuna name)')
    .action(action(io, async (tool: string, from: string, flags: { study?: string; name?: string }, cmd: Command) => {
      if (tool !== 'optuna') throw new UsageError(`import: found '${tool}'; allowed: optuna (W&B runs: export them as CSV and use fit --csv)`);
      const studies = await readOptuna(from);
      const pick = flags.study === undefined ? (studies.length === 1 ? studies[0] : undefined) : studies.find((s) => s.name === flags.study);
      if (!pick) {
        const list = studies.map((s) => s.name).join(', ') || 'none';
        throw new UsageError(flags.study === undefined ? `import optuna: ${studies.length} studies in ${redactUrl(from)} (${list}); allowed: --study NAME` : `import optuna: no study '${flags.study}' in ${redactUrl(from)}; allowed: ${list}`);
      }
      return withStorage(globals(cmd, io), io, async (storage) => {
        const r = await importOptunaStudy(storage, pick, { ...(flags.name ? { name: flags.name } : {}), cwd: io.cwd, runsDir: defaultRunsDir(storage, io.cwd) });
        const skipped = Object.entries(r.skipped).map(([s, n]) => `${n} ${s.toLowerCase()}`).join(', ');
        io.stdout.write(`imported ${r.imported} trials of Optuna study '${pick.name}' as study ${r.study.name}${skipped ? ` (left out, not finished: ${skipped})` : ''}; see: scaletune trials ${r.study.name}\n`);
        return EXIT.OK;
      }, { create: true });
    }));
}
