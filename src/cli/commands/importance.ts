/** `scaletune importance <study> [--method fanova|ped-anova] [--json]`: which searched parameters mattered (src/report/importance.ts). */
import { Command, Option } from 'commander';
import { EXIT, ScaletuneError } from '../../core/errors.js';
import { outsideSearch, type Trial } from '../../core/trial.js';
import { DEFAULT_IMPORTANCE, IMPORTANCE_METHODS, importanceTrials, MIN_IMPORTANCE_TRIALS, parameterImportance, type ImportanceMethod, type ImportanceResult } from '../../report/importance.js';
import { importanceProse, importanceTable } from '../../report/importance-text.js';
import { snakeKeys, table } from '../../report/format.js';
import { action, globals, printJson, requireStudy, withStorage, type CliIO } from '../context.js';
import { flag } from '../flags.js';

/** Why a group has no importances (importances null in --json). */
const whyNone = (counted: number): string => (counted < MIN_IMPORTANCE_TRIALS ? 'too_few_trials' : 'values_alike');

export function makeImportanceCommand(io: CliIO): Command {
  return new Command('importance')
    .description('which searched parameters mattered, over the completed trials (a ladder: per scale)')
    .argument('<study>', 'study name')
    .addOption(new Option('--method <method>', 'fanova: a random forest’s variance split by parameter; ped-anova: how differently each is spread among the best tenth').choices(IMPORTANCE_METHODS).default(DEFAULT_IMPORTANCE))
    .addOption(flag('json', 'print per scale (one group without scales) {scale, metric, method, importances: [{param, share, score, sd}], trials, top, oob_r2, unavailable}; score: fanova, the fraction of the variance explained alone (sd: its spread over the trees); ped-anova, the Pearson divergence; importances null with unavailable too_few_trials or values_alike'))
    .action(action(io, async (name: string, flags: { json?: boolean; method: ImportanceMethod }, cmd: Command) =>
      withStorage(globals(cmd, io), io, async (storage) => {
        const study = await requireStudy(storage, name);
        const cfg = study.config;
        if (!cfg.metric) throw new ScaletuneError(`study ${name} has no metric, so no parameter can matter to it`, EXIT.USAGE);
        const trials = await storage.getTrials(study.id);
        // a ladder's scales are searched apart, and what matters at one scale need not at another
        const groups = new Map<string | null, Trial[]>();
        // a verify run or a harvested branch is no point of a search: a scale with only those (the target) has no importance to tell
        for (const t of trials.filter((x) => !outsideSearch(x))) {
          const key = typeof t.scale?.name === 'string' ? t.scale.name : null;
          groups.set(key, [...(groups.get(key) ?? []), t]);
        }
        const results: { scale: string | null; counted: number; result: ImportanceResult | null }[] = [...groups.entries()].map(([scale, ts]) => {
          const space = scale ? { ...cfg.parameters, ...(cfg.scales?.find((s) => s.name === scale)?.parameters ?? {}) } : cfg.parameters;
          return { scale, counted: importanceTrials(ts).length, result: parameterImportance(ts, space, cfg.metric!.goal, { method: flags.method, seed: study.seed }) };
        });
        if (flags.json) {
          printJson(io, results.map((r) => snakeKeys({ scale: r.scale, metric: cfg.metric!.name, ...(r.result ? { ...r.result, unavailable: null } : { method: flags.method, importances: null, trials: r.counted, top: null, oobR2: null, unavailable: whyNone(r.counted) }) })));
          return EXIT.OK;
        }
        const of = cfg.objectives ? `${cfg.metric.name} (the first of ${cfg.objectives.length} objectives)` : cfg.metric.name;
        results.forEach((r, i) => {
          const head = `${i > 0 ? '\n' : ''}${r.scale ? `scale ${r.scale}: ` : ''}`;
          if (!r.result) {
            io.stdout.write(`${head}${r.counted < MIN_IMPORTANCE_TRIALS ? `${r.counted} completed trial${r.counted === 1 ? '' : 's'}, fewer than ${MIN_IMPORTANCE_TRIALS}: too few to tell which parameters matter` : `every one of the ${r.counted} completed trials has the same ${cfg.metric!.name}: no parameter made a difference`}\n`);
            return;
          }
          const t = importanceTable(r.result);
          io.stdout.write(`${head}${importanceProse(r.result, of)}\n${table(t.header, t.rows)}\n`);
        });
        return EXIT.OK;
      })),
    );
}
