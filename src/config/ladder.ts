/** The scale ladder's part of a study config: `scales:`, `target:`, `fit:` and `verify:`. */
import { gridValues, type Distribution, type LiteralPath, type Params, type ParamValue, type SearchSpace } from '../core/distributions.js';
import { isNum, isObj, type OptionContext } from '../core/options.js';
import { BACKENDS, methodEntry, methodsWhere, type BackendType, type Method } from '../registry/index.js';
import { floatsIn, parseParameter, type Ctx } from './parameters.js';
import { allocateRuns, AUTO_RUNS_PER_SCALE, autoBudget, BUDGET_MIN_RUNS, leastBudget } from '../../fitters/ladder/budget.js';
import { lrContinuousEverywhere } from '../../fitters/ladder/scales.js';
import { HARVEST_DEFAULTS, HARVEST_DESIGNS, harvestCostFactor, type HarvestConfig } from '../../fitters/ladder/harvest.js';
import type { LadderFitConfig, ScaleConfig, StudyConfig } from './study.js';

const SCALE_KEYS = ['name', 'params', 'tokens', 'model', 'run_cap', 'parameters'];
const TARGET_KEYS = ['name', 'params', 'tokens', 'model'];
const FIT_KEYS = ['lr', 'batch', 'loss', 'lr_param', 'batch_param', 'lr_from'];

/** `scales:`, `target:`, `fit:` and `verify:` — a scale ladder. */
export function parseLadder(ctx: Ctx, raw: Record<string, unknown>, octx: OptionContext): Pick<StudyConfig, 'scales' | 'target' | 'fit' | 'verify' | 'transfer' | 'budget' | 'harvest'> {
  const { parameters, metric } = octx;
  const method = octx.method as Method;
  const capabilities = methodEntry(method).capabilities;
  const backend = octx.backendType in BACKENDS ? BACKENDS[octx.backendType as BackendType] : null;
  const out: Pick<StudyConfig, 'scales' | 'target' | 'fit' | 'verify' | 'transfer' | 'budget' | 'harvest'> = {};
  if (raw.scales === undefined) {
    for (const k of ['target', 'fit', 'verify', 'transfer', 'budget', 'harvest']) if (raw[k] !== undefined) ctx.issues.add(k, 'belongs to a scale ladder, and this study has no scales; allowed: add scales: [{params, tokens, model}, …] or remove it');
    return out;
  }
  const positive = (p: string, v: unknown, required: boolean, what: string): number | undefined => {
    if (v === undefined) {
      if (required) ctx.issues.add(p, `missing; allowed: ${what}`);
      return undefined;
    }
    if (!isNum(v) || v <= 0) return void ctx.issues.bad(p, v, what);
    return v;
  };
  // the whole numbers of a model written as floats (`dropout: 0.0`), so that they reach the trainer as floats
  const modelFloats = (p: string, m: Params): { modelFloats?: LiteralPath[] } => {
    const found = Object.entries(m).flatMap(([k, x]) => floatsIn(ctx, `${p}.${k}`, x, [k]));
    return found.length ? { modelFloats: found } : {};
  };
  const model = (p: string, v: unknown): Params => {
    if (v === undefined) return {};
    if (!isObj(v)) {
      ctx.issues.bad(p, v, 'a mapping of model settings, e.g. {width: 32, depth: 2}');
      return {};
    }
    const m: Params = {};
    for (const [k, x] of Object.entries(v)) {
      const refused = backend?.refuseModelKey(k) ?? null;
      if (refused) ctx.issues.add(`${p}.${k}`, refused);
      else if (k in parameters && parameters[k]!.type !== 'constant') ctx.issues.add(`${p}.${k}`, `${k} is also a searched parameter; allowed: one of the two`);
      else if (k === 'tokens') ctx.issues.add(`${p}.${k}`, "a scale's tokens are its own key: write tokens next to model, not inside it");
      else m[k] = x as ParamValue;
    }
    return m;
  };
  const paramsWhat = 'the number of non-embedding parameters N, a positive number such as 2e4';
  const paramsRequired = backend?.capabilities.scaleNeedsParams ?? false;
  if (!capabilities.ladder) {
    const allowed = methodsWhere((e) => e.capabilities.ladder);
    ctx.issues.add('scales', `a ladder searches each scale with its own budget; method ${method} is not available for ladders in this version; allowed: ${allowed.join(', ')}`);
  }
  if (!metric) ctx.issues.add('metric', 'missing; a ladder finds the best run at each scale by a metric: add metric: {name: loss, goal: minimize}');
  else if (metric.goal !== 'minimize') ctx.issues.add('metric.goal', `found ${metric.goal}; a ladder fits loss laws, so allowed: minimize`);
  if (!Array.isArray(raw.scales) || raw.scales.length === 0) {
    ctx.issues.bad('scales', raw.scales, 'a non-empty list of scales, each {name?, params, tokens, model?, run_cap?, parameters?}');
    return out;
  }
  const names = new Set<string>();
  const scales: ScaleConfig[] = [];
  raw.scales.forEach((s: unknown, i: number) => {
    const at = `scales[${i}]`;
    if (!isObj(s)) return ctx.issues.bad(at, s, 'a mapping {name?, params, tokens, model?, run_cap?, parameters?}');
    for (const k of Object.keys(s)) if (!SCALE_KEYS.includes(k)) ctx.issues.add(`${at}.${k}`, `unknown key; allowed: ${SCALE_KEYS.join(', ')}`);
    let name = `s${i + 1}`;
    if (s.name !== undefined) {
      if (typeof s.name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(s.name)) ctx.issues.bad(`${at}.name`, s.name, 'letters, digits, `_`, `.` and `-`, at most 64 characters');
      else name = s.name;
    }
    if (names.has(name)) ctx.issues.add(`${at}.name`, `found "${name}" twice; allowed: a name of its own for each scale`);
    names.add(name);
    const params = positive(`${at}.params`, s.params, paramsRequired, paramsRequired ? `${paramsWhat} (backend ${octx.backendType} needs it)` : paramsWhat);
    const tokens = positive(`${at}.tokens`, s.tokens, true, 'the number of training tokens D, a positive number such as 4e5');
    let runCap: number | undefined;
    if (s.run_cap !== undefined) {
      if (!Number.isInteger(s.run_cap) || (s.run_cap as number) < 1) ctx.issues.bad(`${at}.run_cap`, s.run_cap, 'a whole number of runs, at least 1');
      else runCap = s.run_cap as number;
    }
    const space: SearchSpace = {};
    if (s.parameters !== undefined) {
      if (!isObj(s.parameters)) ctx.issues.bad(`${at}.parameters`, s.parameters, 'a mapping from a parameter of the study to its values or distribution at this scale');
      else
        for (const [k, spec] of Object.entries(s.parameters)) {
          if (!(k in parameters)) {
            const inside = Object.keys(parameters).filter((n) => n.startsWith(`${k}.`));
            const hint = inside.length > 0 ? ` (nested parameters are named here by their dotted names: ${inside.join(', ')})` : '';
            ctx.issues.add(`${at}.parameters.${k}`, `not a parameter of this study${hint}; allowed: ${Object.keys(parameters).join(', ')}`);
          }
          else {
            const d = parseParameter(ctx, `${at}.parameters.${k}`, spec);
            if (d && capabilities.walksGrid && gridValues(d) === null) ctx.issues.add(`${at}.parameters.${k}`, `distribution ${d.type} is continuous and cannot be walked by method grid`);
            if (d) space[k] = d;
          }
        }
    }
    const m = model(`${at}.model`, s.model);
    if (tokens !== undefined) scales.push({ name, ...(params !== undefined ? { params } : {}), tokens, model: m, ...modelFloats(`${at}.model`, m), ...(runCap !== undefined ? { runCap } : {}), parameters: space });
  });
  if (!capabilities.walksGrid && raw.run_cap === undefined && raw.budget === undefined && scales.some((s) => s.runCap === undefined)) {
    ctx.issues.add('run_cap', `missing; method ${method} needs a budget at each scale: set run_cap (runs per scale), run_cap on every scale, or budget: {flops: …} for the whole ladder`);
  }
  const harvest = parseHarvest(ctx, raw.harvest);
  if (harvest) out.harvest = harvest;
  const budget = parseBudget(ctx, raw.budget, scales, typeof raw.run_cap === 'number' ? raw.run_cap : undefined, harvestCostFactor(harvest));
  if (budget) {
    out.budget = budget.config;
    // a scale's own run_cap wins over its share
    for (const sc of scales) if (sc.runCap === undefined) sc.runCap = budget.runs.get(sc.name)!;
  }
  out.scales = scales;

  if (raw.target !== undefined) {
    const t = raw.target;
    if (!isObj(t)) ctx.issues.bad('target', t, 'a mapping {params, tokens, name?, model?}: the scale to predict for');
    else {
      for (const k of Object.keys(t)) if (!TARGET_KEYS.includes(k)) ctx.issues.add(`target.${k}`, `unknown key; allowed: ${TARGET_KEYS.join(', ')}`);
      const params = positive('target.params', t.params, true, paramsWhat);
      const tokens = positive('target.tokens', t.tokens, true, 'the number of training tokens D, a positive number such as 2e12');
      const name = typeof t.name === 'string' && t.name !== '' ? t.name : 'target';
      if (params !== undefined && tokens !== undefined) {
        const m = model('target.model', t.model);
        out.target = { name, params, tokens, model: m, ...modelFloats('target.model', m) };
      }
    }
  }

  out.fit = parseFit(ctx, raw.fit, parameters);
  // without `transfer:`, a ladder whose method proposes (random, sobol, bayes) over a continuous lr is
  // scale-aware: measured in bench/transfer, level with independent search at 24 runs per scale, and
  // what brings the target's gap down on a budget; stored in the config, so a study created before this
  // default resumes as it began
  const verify = parseVerify(ctx, raw.verify, out.target !== undefined, scales.length);
  if (verify) out.verify = verify;
  const transfer = parseTransfer(ctx, raw.transfer, parameters[out.fit.lrParam]) ?? (!capabilities.walksGrid && lrContinuousEverywhere(parameters, scales, out.fit.lrParam) ? 'auto' : undefined);
  if (transfer) out.transfer = transfer;
  return out;
}

/** `budget: {flops}` or `{runs: auto}` — the whole ladder's compute, shared out as runs per scale (fitters/ladder/budget.ts). */
function parseBudget(ctx: Ctx, raw: unknown, scales: readonly ScaleConfig[], runCap: number | undefined, costFactor: number): { config: NonNullable<StudyConfig['budget']>; runs: Map<string, number> } | undefined {
  if (raw === undefined) return undefined;
  const allowed = "a mapping {flops: 3e21} (the compute of the whole ladder, 6·N·D per run) or {runs: auto}";
  if (!isObj(raw)) return void ctx.issues.bad('budget', raw, allowed);
  for (const k of Object.keys(raw)) if (k !== 'flops' && k !== 'runs') ctx.issues.add(`budget.${k}`, 'unknown key; allowed: flops, runs');
  if (raw.flops !== undefined && raw.runs !== undefined) return void ctx.issues.add('budget', 'sets both flops and runs; allowed: one of them');
  if (raw.runs !== undefined && raw.runs !== 'auto') return void ctx.issues.bad('budget.runs', raw.runs, `auto (the compute of ${AUTO_RUNS_PER_SCALE} runs at every scale, shared out by cost), or budget: {flops: …} for a compute of your own`);
  if (raw.runs === undefined && (!isNum(raw.flops) || raw.flops <= 0)) return void ctx.issues.bad('budget.flops', raw.flops, 'a positive number of FLOPs for the whole ladder, e.g. 3e21 (a run costs 6·N·D)');
  const unknown = scales.filter((s) => s.params === undefined).map((s) => s.name);
  if (unknown.length) return void ctx.issues.add('budget', `shares compute by each scale's cost 6·N·D, and scale${unknown.length === 1 ? '' : 's'} ${unknown.join(', ')} declare${unknown.length === 1 ? 's' : ''} no params; allowed: params on every scale, or run_cap instead of budget`);
  // runs: auto means 8 runs at every scale, a harvesting run's branches included
  const flops = raw.runs === 'auto' ? autoBudget(scales) * costFactor : (raw.flops as number);
  // a harvesting run's branches are compute of the ladder's too
  const runs = allocateRuns(scales, flops, runCap, costFactor);
  if (!runs) return void ctx.issues.bad('budget.flops', raw.flops, `at least ${leastBudget(scales, runCap, costFactor).toExponential(2)} FLOPs: ${BUDGET_MIN_RUNS} runs at every scale, the fewest a scale's optimum is fitted from`);
  return { config: { flops, ...(raw.runs === 'auto' ? { runs: 'auto' as const } : {}) }, runs };
}

/** `harvest: {design?, budgets?, decay?}` (or `true`, for the defaults) — many token budgets per run (fitters/ladder/harvest.ts). */
function parseHarvest(ctx: Ctx, raw: unknown): HarvestConfig | undefined {
  if (raw === undefined || raw === false || raw === 'none') return undefined;
  if (raw === true) return { ...HARVEST_DEFAULTS, budgets: [...HARVEST_DEFAULTS.budgets] };
  if (!isObj(raw)) return void ctx.issues.bad('harvest', raw, 'a mapping {design: cooldown | wsds, budgets: [0.125, 0.25, 0.5, 1], decay: 0.2}, true for those defaults, or none');
  const out: HarvestConfig = { ...HARVEST_DEFAULTS, budgets: [...HARVEST_DEFAULTS.budgets] };
  for (const [k, v] of Object.entries(raw)) {
    const p = `harvest.${k}`;
    if (k === 'design') {
      if ((HARVEST_DESIGNS as readonly unknown[]).includes(v)) out.design = v as HarvestConfig['design'];
      else ctx.issues.bad(p, v, 'cooldown (a WSD run and a branch decaying from its checkpoint to each smaller budget) or wsds (one run that decays before every budget and re-warms)');
    } else if (k === 'budgets') {
      const problem = !Array.isArray(v)
        ? 'not a list'
        : v.length < 2
          ? 'fewer than two budgets'
          : !v.every((f) => isNum(f) && f > 0 && f <= 1)
            ? 'a budget outside (0, 1]'
            : !v.every((f, i) => i === 0 || f > v[i - 1])
              ? 'not ascending'
              : v[v.length - 1] !== 1
                ? 'the last is not 1'
                : null;
      if (!problem) out.budgets = v as number[];
      else ctx.issues.bad(p, v, `two or more fractions of a scale's tokens, ascending, in (0, 1], the last 1 (the run's own end), e.g. [0.125, 0.25, 0.5, 1] (this one: ${problem})`);
    } else if (k === 'decay') {
      if (isNum(v) && v > 0 && v <= 1) out.decay = v;
      else ctx.issues.bad(p, v, 'a number in (0, 1]: each decay as a fraction of the tokens trained when it starts, e.g. 0.2');
    } else ctx.issues.add(p, 'unknown key; allowed: design, budgets, decay');
  }
  return out;
}

/** `transfer:` — whether later scales start from what the smaller ones predict (fitters/ladder/transfer.ts). */
function parseTransfer(ctx: Ctx, raw: unknown, lr: Distribution | undefined): StudyConfig['transfer'] {
  if (raw === undefined) return undefined;
  if (raw !== 'auto' && raw !== 'none' && raw !== 'recenter') {
    return void ctx.issues.bad('transfer', raw, 'auto (later scales search around the laws’ prediction, for random, sobol and bayes), recenter (a grid’s points moved onto it), none (every scale searched from scratch)');
  }
  if (raw === 'recenter' && lr && gridValues(lr) === null) ctx.issues.add('transfer', `found recenter, which moves a grid's points, but the learning rate's distribution (${lr.type}) is continuous; allowed: auto, none`);
  if (raw === 'auto' && lr && gridValues(lr) !== null) ctx.issues.add('transfer', `found auto, which searches a range around the prediction, but the learning rate takes listed values (${lr.type}); allowed: recenter (the values moved onto the prediction), none`);
  return raw;
}

/** What trainers call their learning rate and their batch size, in the order a ladder looks for them when `fit:` does not say. */
export const LR_NAMES = ['lr', 'learning_rate', 'peak_lr', 'max_lr', 'lr_max', 'base_lr', 'lr0'];
export const BATCH_NAMES = ['batch_size', 'batch', 'global_batch_size', 'train_batch_size', 'per_device_train_batch_size', 'micro_batch_size'];

/** `fit:` — which laws a ladder fits, and which parameters hold the learning rate and the batch size. */
function parseFit(ctx: Ctx, raw: unknown, parameters: SearchSpace): LadderFitConfig {
  const found = (names: string[], fallback: string): string => names.find((n) => n in parameters) ?? fallback;
  const fit: LadderFitConfig = { lr: 'auto', batch: 'auto', loss: 'auto', lrParam: found(LR_NAMES, 'lr'), batchParam: found(BATCH_NAMES, 'batch_size') };
  if (raw !== undefined) {
    if (!isObj(raw)) ctx.issues.bad('fit', raw, 'a mapping {lr, batch, loss, lr_param, batch_param, lr_from}');
    else
      for (const [k, v] of Object.entries(raw)) {
        const p = `fit.${k}`;
        if (k === 'lr' || k === 'batch') {
          const cols = typeof v === 'string' && v !== 'auto' && v !== 'none' ? [v] : v;
          if (v === 'auto' || v === 'none') fit[k] = v;
          else if (Array.isArray(cols) && cols.length > 0 && cols.every((c) => c === 'N' || c === 'D') && new Set(cols).size === cols.length) fit[k] = cols as ('N' | 'D')[];
          else ctx.issues.bad(p, v, `auto, none, or the inputs of the power law ${k}* = a·N^α·D^β: [N, D], [N] or [D]`);
        } else if (k === 'loss') {
          if (v === 'auto' || v === 'none' || v === 'chinchilla' || v === 'power-offset') fit.loss = v;
          else ctx.issues.bad(p, v, 'auto, none, chinchilla (E + A/N^α + B/D^β), power-offset (E + A·N^−α)');
        } else if (k === 'lr_from') {
          if (v === 'auto' || v === 'runs' || v === 'optima') fit.lrFrom = v;
          else ctx.issues.bad(p, v, 'auto, runs (every run of every scale at once), optima (one optimum per scale)');
        } else if (k === 'lr_param' || k === 'batch_param') {
          if (typeof v === 'string' && v in parameters) fit[k === 'lr_param' ? 'lrParam' : 'batchParam'] = v;
          else ctx.issues.bad(p, v, `a parameter of this study (${Object.keys(parameters).join(', ')})`);
        } else ctx.issues.add(p, `unknown key; allowed: ${FIT_KEYS.join(', ')}`);
      }
  }
  if (!(fit.lrParam in parameters)) ctx.issues.add('parameters', `a ladder searches the learning rate, and no parameter has one of the names it looks for (${LR_NAMES.join(', ')}); allowed: add one, or name yours with fit.lr_param`);
  return fit;
}

/** `verify:` — one run with the predicted hyperparameters, at the largest proxy scale or at the target. */
function parseVerify(ctx: Ctx, raw: unknown, hasTarget: boolean, nScales: number): StudyConfig['verify'] {
  if (raw === undefined || raw === false || raw === 'none') return undefined;
  if (raw === 'target' && !hasTarget) ctx.issues.add('verify', 'found target, but the study has no target: add target: {params, tokens}');
  if (raw === 'largest' && nScales < 3) ctx.issues.add('verify', `found largest with ${nScales} scale${nScales === 1 ? '' : 's'}; fitting without the largest needs at least 2 others, so allowed with 3 or more scales`);
  if (raw === 'largest' || raw === 'target') return raw;
  ctx.issues.bad('verify', raw, 'largest (one run at the largest proxy scale with what the smaller ones predict), target (one run at the target: affordable with backend sim), none');
  return undefined;
}
