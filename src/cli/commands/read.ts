/** Read-back commands: `studies`, `trials`, `best`, `export`. Each reads storage, shapes, prints. */
import { noteOf } from '../../study/manage.js';
import { Command, Option } from 'commander';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { EXIT, ScaletuneError, UsageError } from '../../core/errors.js';
import { TRIAL_STATES, type TrialState } from '../../core/trial.js';
import { bestTrial, studyFront } from '../../orchestrator/best.js';
import { fmtNum, fmtParams, snakeKeys, table, toCsv, trialsCsv, trialToJson, type TrialJson } from '../../report/format.js';
import { typedParams } from '../../backends/trainer-args.js';
import { formatSearchCount, searchBudget, searchCount } from '../../study/progress.js';
import { trialDirFor } from '../../orchestrator/run-trial.js';
import type { Storage, StudyRecord } from '../../storage/types.js';
import type { Trial } from '../../core/trial.js';
import { action, globals, hint, printJson, printTypedJson, requireStudy, typedJsonText, withStorage, type CliIO } from '../context.js';
import { flag } from '../flags.js';
import { branchOf } from '../../../fitters/ladder/harvest.js';

/** A trial's JSON with its parameters typed as its trainer got them, and the folder it ran in. */
function forTrainer(study: StudyRecord, t: Trial, j: TrialJson): TrialJson & { dir: string } {
  return { ...j, params: typedParams(study.config, t) as unknown as TrialJson['params'], dir: trialDirFor(study, t.number) };
}

/** Trials as `trials --json` and `export` print them; a trial's GPUs are an attribute, read only for studies that assign them. */
async function trialsForTrainer(storage: Storage, study: StudyRecord, trials: readonly Trial[], all: readonly Trial[]): Promise<(TrialJson & { dir: string })[]> {
  const attrs = study.config.resources ? await Promise.all(trials.map((t) => storage.getTrialAttrs(t.id))) : [];
  const front = frontNumbers(study, all);
  return trials.map((t, i) => forTrainer(study, t, trialToJson(t, all, attrs[i], front)));
}

/** A multi-objective study's front members, by trial number; undefined for other studies. */
function frontNumbers(study: StudyRecord, all: readonly Trial[]): Set<number> | undefined {
  const front = studyFront(all, study.config);
  return front ? new Set(front.map((t) => t.number)) : undefined;
}

const when = (t: number | null): string => (t === null ? '-' : new Date(t).toISOString().replace('T', ' ').slice(0, 19));

export function makeStudiesCommand(io: CliIO): Command {
  return new Command('studies')
    .description('list the studies in the database')
    .addOption(flag('json', 'print an array of studies as JSON'))
    .action(action(io, async (flags: { json?: boolean }, cmd: Command) =>
      withStorage(globals(cmd, io), io, async (storage) => {
        const studies = await storage.listStudies();
        const fronts = await Promise.all(studies.map(async (s) => (s.config.objectives ? studyFront(await storage.getTrials(s.id), s.config)!.length : null)));
        const notes = await Promise.all(studies.map((s) => noteOf(storage, s)));
        if (flags.json) {
          printJson(
            io,
            studies.map((s, i) => ({
              name: s.name,
              method: s.config.method,
              metric: s.config.metric ?? null,
              run_cap: s.config.runCap ?? null,
              seed: s.seed,
              counts: Object.fromEntries(Object.entries(s.counts).map(([k, v]) => [k.toLowerCase(), v])),
              best: s.config.objectives ? null : s.best,
              ...(s.config.objectives ? { objectives: s.config.objectives, front: fronts[i] } : {}),
              ...(s.config.constraints ? { constraints: s.config.constraints } : {}),
              note: notes[i],
              created_at: new Date(s.createdAt).toISOString(),
              last_activity: s.lastActivity === null ? null : new Date(s.lastActivity).toISOString(),
            })),
          );
        } else if (studies.length === 0) {
          io.stdout.write(`no studies in ${storage.location}\n`);
        } else {
          // a ladder's verify runs are counted apart from its search, which needs its trials
          const counts = await Promise.all(studies.map(async (s) => (s.config.scales ? searchCount(s.config, await storage.getTrials(s.id)) : { complete: s.counts.COMPLETE, budget: searchBudget(s.config), verify: 0 })));
          const rows = studies.map((s, i) => [
            s.name,
            s.config.method,
            formatSearchCount(counts[i]!),
            String(s.counts.FAIL),
            String(s.counts.RUNNING + s.counts.WAITING),
            fronts[i] !== null
              ? `front of ${fronts[i]} (${s.config.objectives!.map((o) => o.name).join(', ')})`
              : s.config.metric
                ? `${s.config.metric.name} ${s.best === null && s.config.constraints && s.counts.COMPLETE > 0 ? 'none feasible' : fmtNum(s.best)}`
                : '-',
            when(s.createdAt),
            ...(notes.some((n) => n !== null) ? [notes[i] ?? ''] : []),
          ]);
          io.stdout.write(`${table(['study', 'method', 'complete', 'failed', 'pending', 'best', 'created', ...(notes.some((n) => n !== null) ? ['note'] : [])], rows)}\n`);
        }
        return EXIT.OK;
      })),
    );
}

export function makeTrialsCommand(io: CliIO): Command {
  return new Command('trials')
    .description("list a study's trials")
    .argument('<study>', 'study name')
    .addOption(flag('json', 'print an array of {number, state, params, value, …}'))
    .option('--csv', 'print CSV, one column per parameter')
    .addOption(new Option('--state <state>', 'only trials in this state').choices(TRIAL_STATES.map((s) => s.toLowerCase())))
    .action(action(io, async (name: string, flags: { json?: boolean; csv?: boolean; state?: string }, cmd: Command) =>
      withStorage(globals(cmd, io), io, async (storage) => {
        if (flags.json && flags.csv) throw new UsageError('--json and --csv: choose one');
        const study = await requireStudy(storage, name);
        const all = await storage.getTrials(study.id);
        const trials = flags.state ? all.filter((t) => t.state === (flags.state!.toUpperCase() as TrialState)) : all;
        if (flags.json) {
          printTypedJson(io, await trialsForTrainer(storage, study, trials, all));
        } else if (flags.csv) io.stdout.write(trialsCsv(trials));
        else if (trials.length === 0) io.stdout.write(`study ${name} has no trials${flags.state ? ` in state ${flags.state}` : ''}\n`);
        else {
          const metric = study.config.metric?.name ?? 'value';
          // the other metrics a study names (objectives, constraints) each get a column; the front is marked
          const extra = (study.config.objectives ?? []).slice(1).map((o) => o.name).concat((study.config.constraints ?? []).map((c) => c.name));
          const front = frontNumbers(study, all);
          const scaled = Boolean(study.config.scales);
          const gpus = study.config.resources ? await Promise.all(trials.map(async (t) => (await storage.getTrialAttrs(t.id)).gpus)) : null;
          const rows = trials.map((t, i) => {
            const j = trialToJson(t, all);
            const b = branchOf(t);
            // a verify run and a harvesting branch are no configurations of the scale's search: say which they are
            const role = b ? `branch of #${b.parent} at ${b.budget} of its tokens` : t.scale?.role === 'verify' ? 'verify run' : '';
            const failure = t.state === 'FAIL' || t.state === 'STALE' ? (t.error ?? '').split('\n')[0]!.slice(0, 80) : '';
            const standing = t.infeasible ? `infeasible: ${t.infeasible}` : front?.has(t.number) ? 'on the front' : '';
            const note = [role, failure, standing].filter(Boolean).join('; ');
            const scale = scaled ? [typeof t.scale?.name === 'string' ? t.scale.name : '-'] : [];
            const gpu = gpus ? [Array.isArray(gpus[i]) ? (gpus[i] as string[]).join(',') : '-'] : [];
            return [String(t.number), j.state, ...scale, fmtNum(t.value), ...extra.map((n) => fmtNum(t.values?.[n])), j.duration_s === null ? '-' : `${j.duration_s.toFixed(1)}s`, fmtParams(t.params), ...gpu, note];
          });
          io.stdout.write(`${table(['#', 'state', ...(scaled ? ['scale'] : []), metric, ...extra, 'time', extra.includes('params') ? 'configuration' : 'params', ...(gpus ? ['gpus'] : []), 'note'], rows)}\n`);
        }
        return EXIT.OK;
      })),
    );
}

export function makeBestCommand(io: CliIO): Command {
  return new Command('best')
    .description("print a study's best completed trial (of a multi-objective study: its Pareto front)")
    .argument('<study>', 'study name')
    .addOption(flag('json', 'print the trial as JSON'))
    .action(action(io, async (name: string, flags: { json?: boolean }, cmd: Command) =>
      withStorage(globals(cmd, io), io, async (storage) => {
        const study = await requireStudy(storage, name);
        if (!study.config.metric) throw new UsageError(`study ${name} has no metric, so no trial is best; see: ${hint(globals(cmd, io), io, `trials ${name}`)}`);
        const trials = await storage.getTrials(study.id);
        const front = studyFront(trials, study.config);
        if (front) return printFront(io, study, trials, front, Boolean(flags.json));
        const best = bestTrial(trials, study.config.metric);
        const infeasible = trials.filter((t) => t.state === 'COMPLETE' && t.infeasible).length;
        if (!best) throw new ScaletuneError(`study ${name} has no ${infeasible ? 'feasible ' : ''}completed trial yet${infeasible ? ` (${infeasible} completed but broke a constraint: see ${hint(globals(cmd, io), io, `trials ${name}`)})` : ''}`, EXIT.FAILURE);
        if (flags.json) printTypedJson(io, forTrainer(study, best, trialToJson(best, trials)));
        else {
          // a ladder's best is that of one scale: say which
          const at = typeof best.scale?.name === 'string' ? ` at scale ${best.scale.name}` : '';
          io.stdout.write(`trial ${best.number}${at}  ${study.config.metric.name}=${fmtNum(best.value)}\n${Object.entries(best.params).map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`).join('\n')}\n`);
        }
        return EXIT.OK;
      })),
    );
}

export function makeExportCommand(io: CliIO): Command {
  return new Command('export')
    .description('export a study: trials (CSV), or everything with metrics and events (JSON)')
    .argument('<study>', 'study name')
    .addOption(new Option('--format <format>', 'output format').choices(['csv', 'json']).makeOptionMandatory())
    .addOption(new Option('--what <what>', 'the trials table, or every intermediate metric in long form (CSV default: trials; JSON default: the whole study)').choices(['trials', 'metrics']))
    .option('--out <path>', 'write to a file instead of stdout')
    .action(action(io, async (name: string, flags: { format: 'csv' | 'json'; what?: 'trials' | 'metrics'; out?: string }, cmd: Command) =>
      withStorage(globals(cmd, io), io, async (storage) => {
        const study = await requireStudy(storage, name);
        const trials = await storage.getTrials(study.id);
        const numberOf = new Map(trials.map((t) => [t.id, t.number]));
        // the trial is `number` in the metrics rows as in the trials table
        const metricRows = async (): Promise<{ number: number | null; step: number; tokens: number | null; name: string; value: number | null }[]> =>
          (await storage.getMetrics(study.id)).map((m) => ({ number: numberOf.get(m.trialId) ?? null, step: m.step, tokens: m.tokens, name: m.name, value: m.value }));
        const json = (v: unknown): string => `${JSON.stringify(snakeKeys(v), null, 2)}\n`;
        let text: string;
        if (flags.format === 'csv') {
          if (flags.what === 'metrics') text = toCsv(['number', 'step', 'tokens', 'name', 'value'], (await metricRows()).map((m) => [m.number, m.step, m.tokens, m.name, m.value]));
          else text = trialsCsv(trials);
        } else if (flags.what === 'metrics') text = json(await metricRows());
        else if (flags.what === 'trials') {
          text = typedJsonText(await trialsForTrainer(storage, study, trials, trials));
        }
        else {
          const metrics = await storage.getMetrics(study.id);
          const events = await storage.getEvents(study.id);
          const front = frontNumbers(study, trials);
          text = json({
            format: 'scaletune-study/1',
            study: { name: study.name, config: study.config, seed: study.seed, created_at: new Date(study.createdAt).toISOString(), attrs: await storage.getStudyAttrs(study.id) },
            trials: trials.map((t) => ({
              ...trialToJson(t, trials, {}, front),
              metrics: metrics.filter((m) => m.trialId === t.id).map((m) => ({ step: m.step, tokens: m.tokens, name: m.name, value: m.value })),
            })),
            events: events.map((e) => ({ at: new Date(e.at).toISOString(), trial: e.trialId === null ? null : (numberOf.get(e.trialId) ?? null), who: e.who, kind: e.kind, detail: e.detail })),
          });
        }
        if (flags.out) {
          const out = path.resolve(io.cwd, flags.out);
          if (existsSync(out) && statSync(out).isDirectory()) throw new UsageError(`--out ${flags.out}: is a folder; allowed: a file to write (it is replaced)`);
          try {
            writeFileSync(out, text);
          } catch (e) {
            throw new UsageError(`--out ${flags.out}: cannot write it (${(e as Error).message})`);
          }
          io.stderr.write(`wrote ${flags.out}\n`);
        } else io.stdout.write(text);
        return EXIT.OK;
      })),
    );
}

/** `best` of a multi-objective study: every trial on its front, by the first objective. */
function printFront(io: CliIO, study: StudyRecord, trials: readonly Trial[], front: Trial[], json: boolean): number {
  const objectives = study.config.objectives!;
  const first = objectives[0]!;
  const sorted = [...front].sort((a, b) => (first.goal === 'minimize' ? 1 : -1) * (a.values![first.name]! - b.values![first.name]!));
  const numbers = new Set(front.map((t) => t.number));
  if (json) {
    printTypedJson(io, sorted.map((t) => forTrainer(study, t, trialToJson(t, trials, {}, numbers))));
    return EXIT.OK;
  }
  if (sorted.length === 0) throw new ScaletuneError(`study ${study.name} has no completed trial with every objective (${objectives.map((o) => o.name).join(', ')}) yet`, EXIT.FAILURE);
  const goals = objectives.map((o) => `${o.name} (${o.goal})`).join(', ');
  const rows = sorted.map((t) => [String(t.number), ...objectives.map((o) => fmtNum(t.values![o.name])), fmtParams(t.params)]);
  io.stdout.write(`Pareto front of study ${study.name}: ${sorted.length} trial${sorted.length === 1 ? '' : 's'} no other trial beats in every objective of ${goals}\n`);
  // a metric may itself be called params: the configuration's column is named apart
  io.stdout.write(`${table(['#', ...objectives.map((o) => o.name), 'configuration'], rows)}\n`);
  return EXIT.OK;
}
