/**
 * The report of a study as pure data (as Optuna's `_get_*_info`): what every renderer — Markdown, HTML,
 * JSON — shows, computed once from the study's records. Chart data (laws along a path to the target,
 * with their bands) is computed here too, so the renderers only draw.
 */
import type { Params } from '../core/distributions.js';
import { outsideSearch, type LineageEntry, type Metric, type Trial } from '../core/trial.js';
import { hypervolume, paretoTrials, referencePoint, signedVector } from '../core/pareto.js';
import { parameterImportance, type ImportanceResult } from './importance.js';
import type { StudyRecord } from '../storage/types.js';
import { lineageModel, type SchedulePiece } from './lineage.js';
import { predictLadder, summarizeLadder, verifyResults, type LadderSummary, type Predicted, type VerifyResult } from '../../fitters/ladder/index.js';
import { camelKeys, snakeKeys } from './format.js';
import { ladderJson, verifyJson } from './ladder-json.js';

/**
 * Version 2: keys in snake_case and trial states in lower case, as in all machine output. Version 1
 * (camelCase ladder and verify keys, no `schema_version`) is still read as a baseline.
 */
export const REPORT_SCHEMA_VERSION = 2;
export const REPORT_SCHEMA_ID = `scaletune.report/${REPORT_SCHEMA_VERSION}` as const;
/** what a report saved before version 2 says in its `schema` field */
export const REPORT_SCHEMA_ID_V1 = 'scaletune.report/1';

export interface HistoryPoint {
  number: number;
  state: string;
  value: number | null;
  /** the scale it ran at (ladders), else null */
  scale: string | null;
  /** the best value so far, of its scale in a ladder */
  best: number | null;
  params: Params;
  /** why it broke a constraint (constrained studies; then it is no rival for the best) */
  infeasible?: string;
}

/** One law drawn from the smallest scale to the target: value and band at points along the way. */
export interface LawCurvePoint {
  N: number;
  D: number;
  C: number;
  value: number;
  lo: number | null;
  hi: number | null;
}

export interface ReportModel {
  schema: typeof REPORT_SCHEMA_ID;
  schemaVersion: typeof REPORT_SCHEMA_VERSION;
  generated: string;
  study: {
    name: string;
    method: string;
    backend: string;
    metric: string | null;
    goal: 'minimize' | 'maximize' | null;
    seed: number;
    created: string;
    counts: Record<string, number>;
    /** the bounds a trial must keep (constrained studies only) */
    constraints?: { name: string; min?: number; max?: number }[];
    /** the study's note (`scaletune note`), when it has one */
    note?: string;
  };
  best: { number: number; value: number; params: Params; scale: string | null } | null;
  history: HistoryPoint[];
  ladder:
    | (ReturnType<typeof ladderJson> & {
        curves: { lr: LawCurvePoint[]; batch: LawCurvePoint[]; loss: LawCurvePoint[] };
        /** what the laws say at each scale's own (N, D) */
        atScales: { scale: string; lr: Predicted | null; batch: Predicted | null; loss: Predicted | null }[];
      })
    | null;
  verify: VerifyResult[];
  /** each trial's (first) metric against its step, at most CURVE_POINTS per trial; PBT members are in `pbt.curves` instead */
  learningCurves?: LearningCurve[];
  /** a multi-objective study: every feasible completed trial's objectives, which lie on the front, and the front's hypervolume */
  front?: FrontModel | null;
  /** which searched parameters mattered to the (first) metric, by PED-ANOVA; studies without scales, with 10 or more completed trials */
  importance?: ImportanceResult | null;
  pbt: {
    winner: { member: number; step: number; score: number | null } | null;
    schedule: SchedulePiece[];
    exploits: { member: number; step: number; kind: string; donor: number | null; before: Params; after: Params }[];
    /** each member's metric against its step */
    curves: { member: number; step: number; value: number }[];
  } | null;
}

export interface LearningCurve {
  number: number;
  state: string;
  scale: string | null;
  points: { step: number; value: number }[];
}

/** Enough to draw a curve's shape; a trial reporting every step of a long run would otherwise fill the report. */
export const CURVE_POINTS = 200;

/** Every trial's reports of `metric` by step, thinned evenly to CURVE_POINTS (the last report always kept). */
function learningCurves(trials: readonly Trial[], metrics: readonly Metric[], metric: string, scaleOf: (t: Trial) => string | null): LearningCurve[] {
  const byTrial = new Map<number, { step: number; value: number }[]>();
  for (const m of metrics) {
    if (m.name !== metric || m.value === null || !Number.isFinite(m.value)) continue;
    let pts = byTrial.get(m.trialId);
    if (!pts) byTrial.set(m.trialId, (pts = []));
    pts.push({ step: m.step, value: m.value });
  }
  const out: LearningCurve[] = [];
  for (const t of [...trials].sort((a, b) => a.number - b.number)) {
    const pts = byTrial.get(t.id);
    if (!pts?.length) continue;
    const every = Math.ceil(pts.length / CURVE_POINTS);
    const kept = every <= 1 ? pts : pts.filter((_, i) => i % every === 0 || i === pts.length - 1);
    out.push({ number: t.number, state: t.state.toLowerCase(), scale: scaleOf(t), points: kept });
  }
  return out;
}

export interface FrontModel {
  objectives: { name: string; goal: 'minimize' | 'maximize' }[];
  /** feasible completed trials with every objective, by number */
  trials: { number: number; values: Record<string, number>; params: Params; onFront: boolean }[];
  /** completed trials that broke a constraint */
  infeasible: number;
  /** the volume the front dominates up to `reference` (each objective in minimisation form: a maximised one negated) */
  hypervolume: number;
  reference: number[];
}

/** The front of a multi-objective study, as the report shows it; null for one objective. */
function frontModel(trials: readonly Trial[], cfg: StudyRecord['config']): FrontModel | null {
  const objectives = cfg.objectives;
  if (!objectives) return null;
  const rows = trials.filter((t) => t.state === 'COMPLETE' && !t.infeasible && !outsideSearch(t) && signedVector(t.values, objectives) !== null);
  const on = new Set(paretoTrials(rows, objectives).map((t) => t.number));
  const vectors = rows.map((t) => signedVector(t.values, objectives)!);
  const reference = vectors.length ? referencePoint(vectors) : objectives.map(() => 0);
  return {
    objectives: objectives.map((o) => ({ name: o.name, goal: o.goal })),
    trials: rows.map((t) => ({ number: t.number, values: Object.fromEntries(objectives.map((o) => [o.name, t.values![o.name]!])), params: t.params, onFront: on.has(t.number) })),
    infeasible: trials.filter((t) => t.state === 'COMPLETE' && t.infeasible).length,
    hypervolume: hypervolume(vectors, reference),
    reference,
  };
}

export interface ReportInput {
  study: StudyRecord;
  trials: readonly Trial[];
  metrics: readonly Metric[];
  lineage: readonly LineageEntry[];
  /** the note kept with the study (`scaletune note`) */
  note?: string | null;
  /** the time to stamp (tests pass a fixed one) */
  now?: Date;
  /** importance measured already (the dashboard keeps it while no trial completes); measured here when absent */
  importance?: ImportanceResult | null;
}

/** Points from the smallest scale to the target (or twice the largest scale), log-evenly in N and D. */
function path(summary: LadderSummary, steps = 40): { N: number; D: number }[] {
  const known = summary.scales.filter((s) => s.N !== null);
  if (known.length === 0) return [];
  const first = known.reduce((a, b) => (a.N! * a.D <= b.N! * b.D ? a : b));
  const last = known.reduce((a, b) => (a.N! * a.D >= b.N! * b.D ? a : b));
  const end = summary.target ?? { N: last.N! * 2, D: last.D * 2 };
  const out: { N: number; D: number }[] = [];
  for (let i = 0; i <= steps; i++) {
    const f = i / steps;
    out.push({ N: Math.exp(Math.log(first.N!) + f * (Math.log(end.N) - Math.log(first.N!))), D: Math.exp(Math.log(first.D) + f * (Math.log(end.D) - Math.log(first.D))) });
  }
  return out;
}

function curves(summary: LadderSummary): { lr: LawCurvePoint[]; batch: LawCurvePoint[]; loss: LawCurvePoint[] } {
  const out = { lr: [] as LawCurvePoint[], batch: [] as LawCurvePoint[], loss: [] as LawCurvePoint[] };
  for (const { N, D } of path(summary)) {
    const p = predictLadder(summary, N, D);
    for (const k of ['lr', 'batch', 'loss'] as const) {
      const v = p[k];
      if (v && Number.isFinite(v.value)) out[k].push({ N, D, C: 6 * N * D, value: v.value, lo: v.interval?.[0] ?? null, hi: v.interval?.[1] ?? null });
    }
  }
  return out;
}

export function buildReport(input: ReportInput): ReportModel {
  const { study, trials, metrics } = input;
  const cfg = study.config;
  const sign = cfg.metric?.goal === 'maximize' ? -1 : 1;
  const counts: Record<string, number> = {};
  for (const t of trials) counts[t.state.toLowerCase()] = (counts[t.state.toLowerCase()] ?? 0) + 1;

  const bestOf = new Map<string, number>();
  const scaleOf = (t: Trial): string | null => (typeof t.scale?.name === 'string' ? (t.scale.role ? `${t.scale.role} ${t.scale.name}` : t.scale.name) : null);
  const history: HistoryPoint[] = [...trials]
    .sort((a, b) => a.number - b.number)
    .map((t) => {
      const scale = scaleOf(t);
      const key = scale ?? '';
      if (t.state === 'COMPLETE' && t.value !== null && !t.infeasible) {
        const b = bestOf.get(key);
        if (b === undefined || sign * t.value < sign * b) bestOf.set(key, t.value);
      }
      return { number: t.number, state: t.state.toLowerCase(), value: t.value, scale, best: bestOf.get(key) ?? null, params: t.params, ...(t.infeasible ? { infeasible: t.infeasible } : {}) };
    });

  const complete = trials.filter((t) => t.state === 'COMPLETE' && t.value !== null && !t.infeasible && !outsideSearch(t) && !cfg.objectives);
  const bestTrial = cfg.metric && complete.length ? complete.reduce((a, b) => (sign * b.value! < sign * a.value! ? b : a)) : null;

  let ladder: ReportModel['ladder'] = null;
  if (cfg.scales?.length) {
    const summary = summarizeLadder({ config: cfg, trials, metrics, seed: study.seed });
    const atScales = summary.scales.filter((z) => z.N !== null).map((z) => ({ scale: z.name, ...predictLadder(summary, z.N!, z.D) }));
    ladder = { ...ladderJson(summary), curves: curves(summary), atScales };
  }

  let pbt: ReportModel['pbt'] = null;
  // only population methods have a pbt block
  if (cfg.pbt && cfg.metric) {
    const lm = lineageModel([...trials], [...input.lineage], cfg.metric.goal, cfg.pbt.maxSteps);
    const memberOf = new Map(trials.map((t) => [t.id, t.member]));
    const pts: { member: number; step: number; value: number }[] = [];
    for (const m of metrics) {
      const member = memberOf.get(m.trialId);
      if (m.name === cfg.metric.name && m.value !== null && member !== null && member !== undefined) pts.push({ member, step: m.step, value: m.value });
    }
    pbt = {
      winner: lm.winner ? { member: lm.winner.member, step: lm.winner.step, score: lm.winner.score } : null,
      schedule: lm.schedule,
      exploits: lm.lineage.map((e) => ({ member: e.member, step: e.step, kind: e.kind, donor: e.donor, before: e.paramsBefore, after: e.paramsAfter })),
      curves: pts.sort((a, b) => a.member - b.member || a.step - b.step),
    };
  }

  return {
    schema: REPORT_SCHEMA_ID,
    schemaVersion: REPORT_SCHEMA_VERSION,
    generated: (input.now ?? new Date()).toISOString(),
    study: {
      name: study.name,
      method: cfg.method,
      backend: cfg.backend.type,
      metric: cfg.metric?.name ?? null,
      goal: cfg.metric?.goal ?? null,
      seed: study.seed,
      created: new Date(study.createdAt).toISOString(),
      counts,
      ...(cfg.constraints ? { constraints: cfg.constraints } : {}),
      ...(input.note ? { note: input.note } : {}),
    },
    best: bestTrial ? { number: bestTrial.number, value: bestTrial.value!, params: bestTrial.params, scale: typeof bestTrial.scale?.name === 'string' ? bestTrial.scale.name : null } : null,
    history,
    ladder,
    verify: verifyResults(cfg, trials),
    ...(cfg.metric && !cfg.pbt ? { learningCurves: learningCurves(trials, metrics, cfg.metric.name, scaleOf) } : {}),
    ...(cfg.objectives ? { front: frontModel(trials, cfg) } : {}),
    ...(!cfg.scales?.length && cfg.metric ? { importance: input.importance !== undefined ? input.importance : parameterImportance(trials, cfg.parameters, cfg.metric.goal, { seed: study.seed }) } : {}),
    pbt,
  };
}

/** The report as `report --format json` writes it (the shape `schema --report` describes). */
export function reportJson(model: ReportModel): unknown {
  return snakeKeys({ ...model, verify: model.verify.map(verifyJson) });
}

/**
 * A report JSON read back into the model (the CI gate's saved baseline): version 2 as written, or a
 * version 1 report, which had camelCase keys and no version field. Returns null for any other schema;
 * the caller checks the fields it needs.
 */
export function readReportJson(raw: Record<string, unknown>): ReportModel | null {
  if (raw.schema !== REPORT_SCHEMA_ID && raw.schema !== REPORT_SCHEMA_ID_V1) return null;
  const model = camelKeys(raw) as Record<string, unknown>;
  return { ...model, schema: REPORT_SCHEMA_ID, schemaVersion: REPORT_SCHEMA_VERSION } as unknown as ReportModel;
}
