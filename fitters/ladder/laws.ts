/**
 * The laws across a ladder's scales: lr* = a·N^α·D^β and B* = b·D^γ (other inputs where `fit:` says;
 * least squares in log space, each scale weighted by its runs, Student-t intervals: with one optimum
 * per scale, resampling scales is too coarse), and the loss law (Chinchilla with enough scales that N and D vary apart, else
 * E + A·N^−α). Each is declared in `fit:` or chosen here from what the scales support, and says which
 * and why.
 */
import type { LadderFitConfig } from '../../src/config/index.js';
import { fitChinchilla } from '../chinchilla.js';
import { fitPower, fitPowerOffset } from '../power.js';
import { FitError, type FitResult } from '../types.js';
import type { LawSummary, ScaleSummary } from './types.js';

/** One scale's optimum where its N is known: a row the laws are fitted to. */
export interface LawRow {
  N: number;
  D: number;
  lr: number;
  batch: number | null;
  loss: number;
  /** completed runs the optimum was found from */
  runs: number;
  /** the fraction of its scale's tokens the row was measured at (1 without harvesting) */
  budget: number;
}

/** The row a scale contributes to the laws; null without an optimum or a known N. */
export function lawRow(s: ScaleSummary): LawRow | null {
  return s.optimum && s.N !== null ? { N: s.N, D: s.D, lr: s.optimum.lr, batch: s.optimum.batch, loss: s.optimum.loss, runs: s.runs.length, budget: s.harvest?.budget ?? 1 } : null;
}

export interface LawSet {
  lr: LawSummary | null;
  batch: LawSummary | null;
  loss: LawSummary | null;
}

interface InputsChoice {
  x: ('N' | 'D')[];
  chosen: 'declared' | 'auto';
  why: string;
}

interface LossChoice {
  law: 'chinchilla' | 'power-offset';
  chosen: 'declared' | 'auto';
  why: string;
}

/** Is log D a straight line of log N across these scales (so their effects cannot be told apart)? */
function collinear(rows: readonly { N: number; D: number }[]): boolean {
  const x = rows.map((r) => Math.log(r.N));
  const y = rows.map((r) => Math.log(r.D));
  const mx = x.reduce((s, v) => s + v, 0) / x.length;
  const my = y.reduce((s, v) => s + v, 0) / y.length;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  x.forEach((xi, i) => {
    sxy += (xi - mx) * (y[i]! - my);
    sxx += (xi - mx) ** 2;
    syy += (y[i]! - my) ** 2;
  });
  if (sxx < 1e-12 || syy < 1e-12) return true;
  return (sxy * sxy) / (sxx * syy) > 0.999;
}

/** Which inputs a hyperparameter law can use on these rows, and why. */
export function chooseInputs(rows: readonly LawRow[], declared: LadderFitConfig['lr'], y: 'lr' | 'batch'): InputsChoice | null {
  if (declared === 'none') return null;
  if (declared !== 'auto') return { x: declared, chosen: 'declared', why: 'declared in fit:' };
  const nN = new Set(rows.map((r) => r.N)).size;
  const nD = new Set(rows.map((r) => r.D)).size;
  if (y === 'batch') {
    if (nD >= 2) return { x: ['D'], chosen: 'auto', why: "Step Law's B*(D): the optimal batch follows the data size" };
    return null;
  }
  if (nN >= 2 && nD >= 2 && rows.length >= 4 && !collinear(rows)) return { x: ['N', 'D'], chosen: 'auto', why: "Step Law's form: the scales vary N and D apart" };
  if (nN >= 2) return { x: ['N'], chosen: 'auto', why: nD >= 2 ? 'N and D grow together across the scales, so one exponent carries both: the law holds at the same tokens per parameter' : 'only N varies across the scales' };
  if (nD >= 2) return { x: ['D'], chosen: 'auto', why: 'only D varies across the scales' };
  return null;
}

/** Which loss law these rows support, and why. */
export function chooseLossLaw(rows: readonly LawRow[], declared: LadderFitConfig['loss']): LossChoice | null {
  if (declared === 'none') return null;
  if (declared !== 'auto') return { law: declared, chosen: 'declared', why: 'declared in fit:' };
  if (rows.length >= 6 && !collinear(rows)) return { law: 'chinchilla', chosen: 'auto', why: rows.some((r) => r.budget < 1) ? 'six or more optima (scales × harvested budgets) that vary N and D apart' : 'six or more scales that vary N and D apart' };
  if (new Set(rows.map((r) => r.N)).size >= 3) return { law: 'power-offset', chosen: 'auto', why: rows.length >= 6 ? 'N and D grow together, so Chinchilla’s two terms cannot be told apart; loss as E + A·N^−α' : 'fewer than six scales: E + A·N^−α (Chinchilla’s five constants need more)' };
  return null;
}

/**
 * Which rows a loss law is fitted to and which law, when the backtest chose them (loss-choice.ts): all
 * budgets or the larger ones only, all scales or all but the smallest.
 */
export interface LossRecipe {
  law: 'chinchilla' | 'power-offset';
  minBudget: number;
  dropSmallest: boolean;
  why: string;
}

export function recipeRows(rows: readonly LawRow[], r: Pick<LossRecipe, 'minBudget' | 'dropSmallest'>): LawRow[] {
  const smallest = Math.min(...rows.map((x) => x.N));
  return rows.filter((x) => x.budget >= r.minBudget && !(r.dropSmallest && x.N === smallest));
}

function lawSummary(fit: FitResult, law: Pick<LawSummary, 'y' | 'law' | 'x' | 'formula'>, choice: { chosen: LawSummary['chosen']; why: string }): LawSummary {
  return { ...law, chosen: choice.chosen, why: choice.why, params: fit.params, intervals: fit.intervals, residuals: fit.residuals, ...(fit.samples ? { samples: fit.samples } : {}) };
}

function fitHpLaw(rows: readonly LawRow[], y: 'lr' | 'batch', choice: InputsChoice, seed: number): LawSummary {
  const data = rows.map((r) => ({ x: { N: r.N, D: r.D }, y: y === 'lr' ? r.lr : r.batch! }));
  // an optimum's scatter shrinks about as 1/runs: a budget's 48-run scales say more than its 5-run ones
  // (bench/transfer: B*'s miss at the target halved); equal runs weigh equally, as unweighted
  // a scale's harvested budgets come from the same runs: as many independent groups as scales
  const groups = rows.some((r) => r.budget < 1) ? new Set(rows.map((r) => `${r.N}|${Math.round(r.D / r.budget)}`)).size : undefined;
  const fit = fitPower(data, choice.x, { intervals: 'ols', bootstrap: { seed, count: 1000 }, weights: rows.map((r) => Math.max(1, r.runs)), ...(groups !== undefined ? { groups } : {}) });
  return lawSummary(fit, { y, law: 'power', x: choice.x, formula: `${y}* = a·${choice.x.map((k) => `${k}^alpha_${k}`).join('·')}` }, { ...choice, why: `${choice.why}; fitted to each scale's optimum, weighted by its runs` });
}

/**
 * The constants of a loss law (E, A, B: each ≥ 0 by the fit's parametrisation) that sit at their bound:
 * an interval reaching down to 0, or the fit and every refit at it — E pushed to 0 by points that
 * cannot tell it from the power terms. `scale` is the smallest loss fitted, what "at 0" is judged against.
 */
export function undeterminedConstants(fit: Pick<FitResult, 'params' | 'intervals'>, scale: number): string[] {
  const tiny = 1e-6 * Math.abs(scale);
  return ['E', 'A', 'B'].filter((k) => {
    const iv = fit.intervals[k];
    const v = fit.params[k];
    if (v === undefined) return false;
    if (v <= tiny) return true;
    return iv !== undefined && iv[0] >= 0 && iv[1] > iv[0] && iv[0] < 1e-6 * iv[1];
  });
}

function fitLossLaw(rows: readonly LawRow[], choice: LossChoice, seed: number, quick = false): LawSummary {
  const scale = Math.min(...rows.map((r) => r.loss));
  const withBounds = (l: LawSummary, fit: FitResult): LawSummary => {
    const u = undeterminedConstants(fit, scale);
    return u.length ? { ...l, undetermined: u } : l;
  };
  if (choice.law === 'chinchilla') {
    const fit = fitChinchilla(rows.map((r) => ({ N: r.N, D: r.D, loss: r.loss })), { bootstrap: { seed, count: quick ? 10 : 100 }, holdOut: null });
    return withBounds(lawSummary(fit, { y: 'loss', law: 'chinchilla', x: ['N', 'D'], formula: 'loss = E + A/N^alpha + B/D^beta' }, choice), fit);
  }
  const fit = fitPowerOffset(rows.map((r) => ({ x: { N: r.N }, y: r.loss })), 'N', { bootstrap: { seed, count: quick ? 20 : 200 } });
  return withBounds(lawSummary(fit, { y: 'loss', law: 'power-offset', x: ['N'], formula: 'loss = E + A·N^-alpha' }, choice), fit);
}

/**
 * Every law the rows and `fit:` allow. A law that cannot be fitted is left out with a note (when
 * `notes` is given: the backtest refits quietly); `quick` draws fewer resamples, for live views.
 */
export function fitLaws(rows: readonly LawRow[], fitCfg: LadderFitConfig, twoD: boolean, seed: number, notes: string[] | null, quick = false, recipe: LossRecipe | null = null): LawSet {
  const out: LawSet = { lr: null, batch: null, loss: null };
  const attempt = <T>(what: string, f: () => T): T | null => {
    try {
      return f();
    } catch (e) {
      if (!(e instanceof FitError) && !(e instanceof RangeError)) throw e;
      notes?.push(`${what}: not fitted: ${e.message}`);
      return null;
    }
  };
  const lrChoice = chooseInputs(rows, fitCfg.lr, 'lr');
  if (lrChoice) out.lr = attempt('lr*', () => fitHpLaw(rows, 'lr', lrChoice, seed));
  else if (fitCfg.lr !== 'none') notes?.push('lr*: not fitted: the scales do not vary N or D');
  if (twoD) {
    const bChoice = chooseInputs(rows, fitCfg.batch, 'batch');
    if (bChoice) out.batch = attempt('B*', () => fitHpLaw(rows, 'batch', bChoice, seed + 1));
    else if (fitCfg.batch !== 'none') notes?.push('B*: not fitted: the scales do not vary D');
  }
  if (recipe) {
    const chosen = recipeRows(rows, recipe);
    out.loss = attempt('loss', () => fitLossLaw(chosen, { law: recipe.law, chosen: 'auto', why: recipe.why }, seed + 2, quick));
    return out;
  }
  const lossChoice = chooseLossLaw(rows, fitCfg.loss);
  if (lossChoice) out.loss = attempt('loss', () => fitLossLaw(rows, lossChoice, seed + 2, quick));
  else if (fitCfg.loss !== 'none') notes?.push('loss: not fitted: a loss law needs three or more model sizes');
  return out;
}
