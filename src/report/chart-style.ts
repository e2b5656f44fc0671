/** What every chart shares: sizes, axis label formats, the palette, the spec's frame. */
export const LOG = { type: 'log' };
export const WIDTH = 520;
export const HEIGHT = 300;
export const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
/** Counts read as people write them: 20k, 400M, 1.6B, 70B, 1.4T. */
export const COUNT_AXIS = {
  // a log axis labels 2…9 of every decade, which overlap on a narrow panel: drop the ones that would
  labelOverlap: 'greedy', labelSeparation: 6,
  labelExpr:
    "datum.value >= 1e12 ? format(datum.value / 1e12, '~g') + 'T' : datum.value >= 1e9 ? format(datum.value / 1e9, '~g') + 'B' : datum.value >= 1e6 ? format(datum.value / 1e6, '~g') + 'M' : datum.value >= 1e3 ? format(datum.value / 1e3, '~g') + 'k' : format(datum.value, '~g')",
};
/** FLOPs, whose range no unit covers: 6e16, 2e21. */
export const FLOPS_AXIS = { labelOverlap: 'greedy', labelSeparation: 6, labelExpr: "replace(format(datum.value, '.1~e'), 'e+', 'e')" };
/** Small values on a log axis as 1e-4, 3e-3 rather than 0.0001, 0.003. */
export const SMALL_AXIS = { labelOverlap: 'greedy', labelSeparation: 6, labelExpr: "datum.value < 0.01 ? format(datum.value, '~e') : format(datum.value, '~g')" };
/** Room around the data so that no point sits on an axis. */
export const PAD = 10;

export function base(title: string): Record<string, unknown> {
  return { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', title, background: 'white', config: { font: 'sans-serif', axis: { labelFontSize: 11, titleFontSize: 12 }, legend: { labelFontSize: 11, labelLimit: 320 } } };
}

/** Distinct colours for scales, studies and members, in order. */
export const PALETTE = ['#4c78a8', '#f58518', '#54a24b', '#e45756', '#72b7b2', '#b279a2', '#eeca3b', '#9d755d', '#ff9da6', '#bab0ac', '#1f77b4', '#8c564b'];
