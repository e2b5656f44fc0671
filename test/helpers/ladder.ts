/** Noiseless ladders with a planted law, for the tests of the ladder pipeline and its views. */
import { validateStudyConfig, type StudyConfig } from '../../src/config/index.js';
import type { Trial } from '../../src/core/trial.js';
import { scaleRecord } from '../../fitters/ladder/index.js';

/** lr*(N, D) = 2·N^-0.7·D^0.3; loss = 1.8 + 400/N^0.34 + 2000/D^0.37, times a quadratic basin in ln(lr/lr*). */
export const lrStar = (N: number, D: number): number => 2 * N ** -0.7 * D ** 0.3;
export const lawLoss = (N: number, D: number): number => 1.8 + 400 / N ** 0.34 + 2000 / D ** 0.37;

export function ladder(scales: [number, number][], extra: Record<string, unknown> = {}): StudyConfig {
  return validateStudyConfig({
    method: 'grid',
    metric: { name: 'loss' },
    parameters: { lr: { values: [1] } },
    backend: { type: 'sim' },
    scales: scales.map(([N, D]) => ({ params: N, tokens: D })),
    target: { params: 7e10, tokens: 1.4e12 },
    // pinned: what these ladders measure was written for scales searched from scratch
    transfer: 'none',
    ...extra,
  });
}

/** A completed run of scale `index` of `cfg`, appended to `out` with the next id and number. */
export function pushRun(out: Trial[], cfg: StudyConfig, index: number, params: Trial['params'], value: number): void {
  out.push({ id: out.length + 1, number: out.length, state: 'COMPLETE', params, scale: scaleRecord(cfg.scales![index]!, index), value } as unknown as Trial);
}

/** Seven runs per scale on a grid around lr*, noiseless. */
export function trials(cfg: StudyConfig, skip: string[] = []): Trial[] {
  const out: Trial[] = [];
  cfg.scales!.forEach((s, i) => {
    if (skip.includes(s.name)) return;
    for (const f of [0.125, 0.25, 0.5, 1, 2, 4, 8]) {
      const lr = lrStar(s.params!, s.tokens) * f * 1.1;
      const u = Math.log(lr / lrStar(s.params!, s.tokens));
      pushRun(out, cfg, i, { lr }, lawLoss(s.params!, s.tokens) * (1 + 0.004 * u * u));
    }
  });
  return out;
}

/** Three scales searched at random with a budget of seven runs each, as the live view sees them. */
export const liveLadder = (): StudyConfig => ladder([[1e8, 2e9], [4e8, 8e9], [1.6e9, 3.2e10]], { method: 'random', run_cap: 7, parameters: { lr: { distribution: 'log_uniform_values', min: 1e-5, max: 1 } } });
