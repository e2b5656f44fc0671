/**
 * The loss law of an `auto` ladder, chosen by its backtest. Small proxies and early budgets often lie off
 * the law the larger ones follow (a few hundred steps; the smallest model learning the easy part of the
 * language), and a law fitted through them extrapolates their trend: on real runs (bench/RESULTS.md) the
 * law fitted to every scale and budget put the target 13% low, the same law without the smallest scale's
 * points 1.7%, E + A·N^−α on the full budgets without it 0.3%. So each candidate — the law the rows
 * support, on every budget, on budgets of half the tokens or more, and E + A·N^−α on the full budgets;
 * each with and without the smallest scale — is fitted without the largest scale and scored by its
 * error there; the one that erred least is refitted with the largest scale. The backtest that chose it
 * can no longer test it independently, and the summary says so. Pure.
 */
import type { LadderFitConfig } from '../../src/config/index.js';
import { fitChinchilla, predictChinchilla } from '../chinchilla.js';
import { fitPowerOffset, predictPowerOffset } from '../power.js';
import { FitError } from '../types.js';
import { chooseLossLaw, recipeRows, type LawRow, type LossRecipe } from './laws.js';

/**
 * How much less a later candidate (fewer points, or a simpler law) must err to be chosen over an earlier
 * one: 0.1 percentage point, below which two fits' errors differ by the fit's own noise (a scale's best
 * loss moves by 0.17% from seed to seed in bench/ladder-real).
 */
export const CHOICE_MARGIN = 1e-3;

export interface LossChoice {
  recipe: LossRecipe;
  /** every candidate tried, with the held-back scale's optimum against its prediction (measured over predicted − 1, as the backtest reads it) */
  tried: { label: string; error: number }[];
  held: number;
}

function label(r: Omit<LossRecipe, 'why'>, budgets: readonly number[]): string {
  const law = r.law === 'chinchilla' ? 'Chinchilla' : 'E + A·N^-alpha';
  const which = r.minBudget <= Math.min(...budgets) ? (budgets.length > 1 ? 'every budget' : '') : r.minBudget >= 1 ? 'the full budgets' : `budgets of ${r.minBudget} or more`;
  return `${law}${which ? ` on ${which}` : ''}${r.dropSmallest ? ', without the smallest scale' : ''}`;
}

/** The error at the held-back row of this recipe fitted to the others; null where it cannot be fitted there. */
function backtestError(rows: readonly LawRow[], r: Omit<LossRecipe, 'why'>, held: LawRow): number | null {
  const fitted = recipeRows(rows, r);
  try {
    if (r.law === 'chinchilla') {
      if (!chooseLossLaw(fitted, 'auto') || chooseLossLaw(fitted, 'auto')!.law !== 'chinchilla') return null;
      const fit = fitChinchilla(fitted, { bootstrap: { count: 0 }, holdOut: null });
      return held.loss / predictChinchilla(fit.params as Parameters<typeof predictChinchilla>[0], held.N, held.D) - 1;
    }
    if (new Set(fitted.map((x) => x.N)).size < 3) return null;
    const fit = fitPowerOffset(fitted.map((x) => ({ x: { N: x.N }, y: x.loss })), 'N', { bootstrap: { count: 0 } });
    return held.loss / predictPowerOffset(fit.params, held.N) - 1;
  } catch (e) {
    if (e instanceof FitError || e instanceof RangeError) return null;
    throw e;
  }
}

/**
 * The recipe for `fit: {loss: auto}`, chosen by the backtest on the largest scale (its full budget);
 * null when the loss law is declared, or fewer than two candidates can be backtested (then the law the
 * rows support is fitted to all of them, as before).
 */
export function chooseLossRecipe(rows: readonly LawRow[], declared: LadderFitConfig['loss']): LossChoice | null {
  if (declared !== 'auto' || rows.length === 0) return null;
  const largestN = Math.max(...rows.map((r) => r.N));
  const held = rows.filter((r) => r.N === largestN).reduce((a, b) => (b.budget > a.budget ? b : a));
  const rest = rows.filter((r) => r.N !== largestN);
  if (rest.length === 0) return null;
  const budgets = [...new Set(rows.map((r) => r.budget))].sort((a, b) => a - b);
  const base = chooseLossLaw(rows, 'auto');
  if (!base) return null;
  // E + A·N^−α cannot see D: a candidate only where every scale's full budget is one D
  const oneD = new Set(rows.filter((r) => r.budget === 1).map((r) => r.D)).size === 1;
  const mins = [...new Set([budgets[0]!, ...(budgets.some((b) => b < 0.5) && budgets.includes(0.5) ? [0.5] : [])])];
  const candidates: Omit<LossRecipe, 'why'>[] = [];
  for (const dropSmallest of [false, true]) {
    for (const minBudget of mins) candidates.push({ law: base.law, minBudget, dropSmallest });
    if (base.law === 'chinchilla' && oneD) candidates.push({ law: 'power-offset', minBudget: 1, dropSmallest });
  }
  const tried: LossChoice['tried'] = [];
  let best: { r: Omit<LossRecipe, 'why'>; error: number } | null = null;
  for (const r of candidates) {
    const error = backtestError(rest, r, held);
    if (error === null) continue;
    tried.push({ label: label(r, budgets), error });
    if (!best || Math.abs(error) < Math.abs(best.error) - CHOICE_MARGIN) best = { r, error };
  }
  if (!best || tried.length < 2) return null;
  const others = tried.filter((t) => t.label !== label(best!.r, budgets)).map((t) => `${t.label} ${pct(t.error)}`);
  const why = `by the backtest on the largest scale among ${tried.length} fits, by how far its optimum lies from each one's prediction: ${label(best.r, budgets)} ${pct(best.error)} (${others.join('; ')}); refitted with that scale`;
  return { recipe: { ...best.r, why }, tried, held: largestN };
}

const pct = (x: number): string => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(2)}%`;
