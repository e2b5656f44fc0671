/** `scaletune importance <study> [--json]`: which searched parameters mattered, by PED-ANOVA (src/report/importance.ts). */
import { Command } from 'commander';
import { EXIT, ScaletuneError } from '../../core/errors.js';
import type { Trial } from '../../core/trial.js';
import { pedAnova, type ImportanceResult } from '../../report/importance.js';
import { table } from '../../report/format.js';
import { action, globals, printJson, requireStudy, withStorage, type CliIO } from '../context.js';
import { flag } from '../flags.js';

export function makeImportanceCommand(io: CliIO): Command {
  return new Command('importance')
    .description("which searched parameters mattered: PED-ANOVA over the completed trials (a ladder: per scale)")
    .argument('<study>', 'study name')
    .addOption(flag('json', 'print {scale, trials, top, importances: [{param, share, divergence}]} per group'))
    .action(action(io, async (name: string, flags: { json?: boolean }, cmd: Command) =>
      withStorage(globals(cmd, io), io, async (storage) => {
        const study = await requireStudy(storage, name);
        const cfg = study.config;
        if (!cfg.metric) throw new ScaletuneError(`study ${name} has no metric, so no parameter can matter to it`, EXIT.USAGE);
        const trials = await storage.getTrials(study.id);
        // a ladder's scales are searched apart, and what matters at one scale need not at another
        const groups = new Map<string | null, Trial[]>();
        for (const t of trials) {
          const key = typeof t.scale?.name === 'string' ? t.scale.name : null;
          groups.set(key, [...(groups.get(key) ?? []), t]);
        }
        const results: { scale: string | null; result: ImportanceResult | null }[] = [...groups.entries()].map(([scale, ts]) => {
          const space = scale ? { ...cfg.parameters, ...(cfg.scales?.find((s) => s.name === scale)?.parameters ?? {}) } : cfg.parameters;
          return { scale, result: pedAnova(ts, space, cfg.metric!.goal) };
        });
        if (flags.json) {
          printJson(io, results.map((r) => ({ scale: r.scale, metric: cfg.metric!.name, ...(r.result ?? { trials: null, top: null, importances: null }) })));
          return EXIT.OK;
        }
        const of = cfg.objectives ? `${cfg.metric.name} (the first of ${cfg.objectives.length} objectives)` : cfg.metric.name;
        for (const r of results) {
          const head = r.scale ? `scale ${r.scale}: ` : '';
          if (!r.result) {
            io.stdout.write(`${head}fewer than 10 completed trials: too few to tell which parameters matter\n`);
            continue;
          }
          io.stdout.write(`${head}importance for ${of} by PED-ANOVA: how differently each parameter is spread among the best ${r.result.top} of ${r.result.trials} completed trials than among all\n`);
          io.stdout.write(`${table(['parameter', 'share', 'divergence'], r.result.importances.map((x) => [x.param, `${(100 * x.share).toFixed(1)}%`, x.divergence.toPrecision(3)]))}\n`);
          if (r.result.top < 5) io.stdout.write(`  with only ${r.result.top} best trials this is a rough guide: a parameter that matters can look as if it did not until more trials complete\n`);
        }
        return EXIT.OK;
      })),
    );
}
