/** How parameter importance reads, the same in `scaletune importance`, the reports and the dashboard. Pure. */
import type { ImportanceResult } from './importance.js';
import { fmtNum } from './format.js';

/** Below this out-of-bag R² the forest predicts too little of what it has not seen for its split of the variance to be trusted. */
const WEAK_FOREST_R2 = 0.5;

const percent = (x: number): string => `${(100 * x).toFixed(x < 0.1 ? 1 : 0)}%`;

/** What was measured and how far to trust it, in sentences; `metric` names what the trials' values are. */
export function importanceProse(imp: ImportanceResult, metric: string): string {
  if (imp.method === 'ped-anova') {
    const top = imp.top ?? 0;
    return `For ${metric}, by PED-ANOVA: how differently each parameter is spread among the best ${top} of ${imp.trials} completed trials than among all of them (Pearson divergence; 0: it did not matter), and each one's share of the total.${top < 5 ? ` With only ${top} best trials this is a rough guide: a parameter that matters can look as if it did not until more trials complete.` : ''}`;
  }
  const alone = imp.importances.reduce((s, x) => s + x.score, 0);
  const fit = imp.oobR2 === null ? 'its fit could not be checked on trials it was not fitted to' : `it predicts ${imp.oobR2 > 0 ? percent(imp.oobR2) : 'none'} of the variance of trials it was not fitted to (out-of-bag R² ${imp.oobR2.toFixed(2)})`;
  const weak = imp.oobR2 === null || imp.oobR2 < WEAK_FOREST_R2;
  // of the forest's variance, not the values': what is left is interaction in the forest, real or its own roughness between few trials
  const rest = weak
    ? ' That is too little to trust: read these importances as a rough guide, and expect them to change as trials complete.'
    : ` The parameters alone explain ${percent(alone)} of the forest's variance; the rest is in how they interact, or in the forest's own roughness where trials are sparse.`;
  return `For ${metric}, by fANOVA: a random forest fitted to the ${imp.trials} completed trials, its variance over the search space split into what each parameter explains on its own; ${fit}.${rest}`;
}

/** The table: each parameter's share, and the method's own measure. */
export function importanceTable(imp: ImportanceResult): { header: string[]; rows: string[][] } {
  if (imp.method === 'ped-anova') return { header: ['parameter', 'share', 'divergence'], rows: imp.importances.map((x) => [x.param, percent(x.share), fmtNum(x.score, 3)]) };
  return { header: ['parameter', 'share', 'variance explained alone', '± over trees'], rows: imp.importances.map((x) => [x.param, percent(x.share), percent(x.score), percent(x.sd ?? 0)]) };
}
