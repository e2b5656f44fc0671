/** Seeded bootstrap: refit on resampled points, report percentile intervals and the resamples' mean. */
import { quantileSorted } from 'simple-statistics';
import { Rng } from '../src/core/rng.js';

export interface BootstrapOptions {
  /** resamples (default 1000) */
  count?: number;
  seed?: number;
  /** interval coverage (default 0.95) */
  level?: number;
}

export interface BootstrapResult {
  intervals: Record<string, [number, number]>;
  mean: Record<string, number>;
  /** resamples whose refit failed (degenerate draws) and were skipped */
  failed: number;
  /** every successful refit's parameters, for prediction intervals */
  samples: Record<string, number>[];
}

/**
 * Resample `n` points with replacement `count` times and refit each with `fit(indices)`. Draws whose fit
 * throws (e.g. every resampled point at one N) are skipped and counted.
 */
export function bootstrap(n: number, fit: (indices: number[]) => Record<string, number>, opts: BootstrapOptions = {}): BootstrapResult {
  const count = opts.count ?? 1000;
  const level = opts.level ?? 0.95;
  const rng = new Rng(opts.seed ?? 0, 0x424f4f54);
  const samples: Record<string, number[]> = {};
  const sets: Record<string, number>[] = [];
  let failed = 0;
  for (let b = 0; b < count; b++) {
    const idx = Array.from({ length: n }, () => rng.int(0, n - 1));
    let params: Record<string, number>;
    try {
      params = fit(idx);
    } catch {
      failed++;
      continue;
    }
    if (!Object.values(params).every(Number.isFinite)) {
      failed++;
      continue;
    }
    sets.push(params);
    for (const [k, v] of Object.entries(params)) (samples[k] ??= []).push(v);
  }
  const intervals: Record<string, [number, number]> = {};
  const mean: Record<string, number> = {};
  for (const [k, vs] of Object.entries(samples)) {
    const sorted = [...vs].sort((a, b) => a - b);
    intervals[k] = [quantileSorted(sorted, (1 - level) / 2), quantileSorted(sorted, 1 - (1 - level) / 2)];
    mean[k] = vs.reduce((s, x) => s + x, 0) / vs.length;
  }
  return { intervals, mean, failed, samples: sets };
}
