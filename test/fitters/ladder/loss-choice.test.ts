import { describe, expect, it } from 'vitest';
import { recipeRows, type LawRow } from '../../../fitters/ladder/laws.js';
import { chooseLossRecipe } from '../../../fitters/ladder/loss-choice.js';

const row = (N: number, D: number, loss: number, budget = 1): LawRow => ({ N, D, loss, lr: 0.01, batch: null, runs: 8, budget });
const Ns = [1e3, 4e3, 1.6e4, 6.4e4, 2.56e5];
const law = (N: number) => 1.37 + 40 * N ** -0.66;

describe('the loss law chosen by its backtest', () => {
  it('leaves out a smallest scale that lies off the law the others follow, and says what each fit erred', () => {
    // the smallest model far above the law (it learned the easy part of the language only)
    const rows = Ns.map((N, i) => row(N, 4e5, law(N) * (i === 0 ? 1.15 : 1)));
    const choice = chooseLossRecipe(rows, 'auto')!;
    expect(choice.recipe).toMatchObject({ law: 'power-offset', dropSmallest: true });
    expect(choice.tried).toHaveLength(2);
    expect(Math.abs(choice.tried.find((t) => t.label.includes('without'))!.error)).toBeLessThan(1e-3);
    expect(Math.abs(choice.tried.find((t) => !t.label.includes('without'))!.error)).toBeGreaterThan(5e-3);
    expect(choice.recipe.why).toMatch(/^by the backtest on the largest scale among 2 fits, by how far its optimum lies from each one's prediction: E \+ A·N\^-alpha, without the smallest scale [+-]0\.\d\d% \(E \+ A·N\^-alpha [+-]\d+\.\d\d%\); refitted with that scale/);
    expect(recipeRows(rows, choice.recipe).map((r) => r.N)).toEqual(Ns.slice(1));
  });

  it('keeps every row when they all follow the law, harvested budgets included', () => {
    const chin = (N: number, D: number) => 1.8 + 480 / N ** 0.35 + 2000 / D ** 0.37;
    const rows = Ns.flatMap((N) => [0.25, 0.5, 1].map((f) => row(N, f * 4e5 * (N / 1e3) ** 0.5, chin(N, f * 4e5 * (N / 1e3) ** 0.5), f)));
    const choice = chooseLossRecipe(rows, 'auto')!;
    expect(choice.recipe).toMatchObject({ law: 'chinchilla', minBudget: 0.25, dropSmallest: false });
    expect(Math.abs(choice.tried[0]!.error)).toBeLessThan(1e-3);
  });

  it('chooses nothing for a declared law, or where fewer than two fits can be backtested', () => {
    const rows = Ns.map((N) => row(N, 4e5, law(N)));
    expect(chooseLossRecipe(rows, 'chinchilla')).toBeNull();
    expect(chooseLossRecipe(rows.slice(0, 4), 'auto')).toBeNull();
  });
});
