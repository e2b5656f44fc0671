import { fromUnit, isFixed } from '../src/core/distributions.js';
import { Rng } from '../src/core/rng.js';
import type { HistoryTrial, Proposal, Searcher, SearcherContext } from './types.js';

/**
 * Primitive polynomials and initial direction numbers of Joe & Kuo (2008, new-joe-kuo-6.21201), for
 * dimensions 2..32 as `degree a m1 m2 …`. Dimension 1 is van der Corput.
 */
const JOE_KUO = `1 0 1
2 1 1 3
3 1 1 3 1
3 2 1 1 1
4 1 1 1 3 3
4 4 1 3 5 13
5 2 1 1 5 5 17
5 4 1 1 5 5 5
5 7 1 1 7 11 19
5 11 1 1 5 1 1
5 13 1 1 1 3 11
5 14 1 3 5 5 31
6 1 1 3 3 9 7 49
6 13 1 1 1 15 21 21
6 16 1 3 1 13 27 49
6 19 1 1 1 15 7 5
6 22 1 3 1 15 13 25
6 25 1 1 5 5 19 61
7 1 1 3 7 11 23 15 103
7 4 1 3 7 13 13 15 69
7 7 1 1 3 13 7 35 63
7 8 1 3 5 9 1 25 53
7 14 1 3 1 13 9 35 107
7 19 1 3 1 5 27 61 31
7 21 1 1 5 11 19 41 61
7 28 1 3 5 3 3 13 69
7 31 1 1 7 13 1 19 1
7 32 1 3 7 5 13 19 59
7 37 1 1 3 9 25 29 41
7 41 1 3 5 13 23 1 55
7 42 1 3 7 3 13 59 17`;

const BITS = 32;
export const SOBOL_MAX_DIMS = JOE_KUO.split('\n').length + 1;

/** Direction numbers v_1..v_32 of one dimension (0-based dim; v_j already shifted to 32-bit fractions). */
function directionNumbers(dim: number): number[] {
  const v: number[] = [];
  if (dim === 0) {
    for (let j = 1; j <= BITS; j++) v.push((1 << (BITS - j)) >>> 0);
    return v;
  }
  const [s, a, ...m0] = JOE_KUO.split('\n')[dim - 1]!.split(' ').map(Number) as [number, number, ...number[]];
  const m = [...m0];
  for (let j = s; j < BITS; j++) {
    let next = m[j - s]! ^ (m[j - s]! << s);
    for (let k = 1; k < s; k++) if ((a >> (s - 1 - k)) & 1) next ^= m[j - k]! << k;
    m.push(next);
  }
  for (let j = 1; j <= BITS; j++) v.push((m[j - 1]! * 2 ** (BITS - j)) >>> 0);
  return v;
}

function parity(x: number): number {
  let y = x >>> 0;
  y ^= y >>> 16;
  y ^= y >>> 8;
  y ^= y >>> 4;
  y ^= y >>> 2;
  y ^= y >>> 1;
  return y & 1;
}

/**
 * A scrambled Sobol sequence: linear matrix scrambling plus a random digital shift (as in Matoušek
 * 1998 / SciPy's `scramble=True`), seeded. Scrambling keeps the net properties and removes the
 * all-zeros first point.
 */
export class SobolSequence {
  private readonly v: number[][];
  private readonly shift: number[];

  constructor(readonly dims: number, seed: number, scramble = true) {
    if (dims < 1 || dims > SOBOL_MAX_DIMS) throw new Error(`Sobol sequence supports 1 to ${SOBOL_MAX_DIMS} dimensions, not ${dims}`);
    const rng = new Rng(seed, 0x534f424c);
    this.v = [];
    this.shift = [];
    for (let d = 0; d < dims; d++) {
      const raw = directionNumbers(d);
      if (!scramble) {
        this.v.push(raw);
        this.shift.push(0);
        continue;
      }
      // lower-triangular matrix with unit diagonal; row r (bit r from the top) as a mask of columns ≤ r
      const rows: number[] = [];
      for (let r = 0; r < BITS; r++) {
        const below = r === 0 ? 0 : rng.nextUint32() >>> (BITS - r);
        rows.push(((below << (BITS - r)) | (1 << (BITS - 1 - r))) >>> 0);
      }
      this.v.push(
        raw.map((col) => {
          let out = 0;
          for (let r = 0; r < BITS; r++) if (parity(rows[r]! & col)) out |= 1 << (BITS - 1 - r);
          return out >>> 0;
        }),
      );
      this.shift.push(rng.nextUint32());
    }
  }

  /** The k-th point (k ≥ 0), in Gray-code order, each coordinate in [0, 1). */
  point(k: number): number[] {
    const gray = k ^ Math.floor(k / 2);
    return this.v.map((dirs, d) => {
      let x = this.shift[d]!;
      let g = gray;
      for (let j = 0; g > 0 && j < BITS; j++, g = Math.floor(g / 2)) if (g % 2 === 1) x ^= dirs[j]!;
      return (x >>> 0) / 2 ** BITS;
    });
  }
}

/**
 * Quasi-random search: the k-th proposal is the k-th point of a seeded scrambled Sobol sequence over
 * the searched (non-fixed) parameters, mapped through each distribution's inverse CDF. Beyond 32
 * searched parameters the remaining ones are drawn at random (seeded).
 */
export class SobolSearcher implements Searcher {
  private readonly searched: string[];
  private readonly seq: SobolSequence | null;

  constructor(private readonly ctx: SearcherContext) {
    this.searched = Object.keys(ctx.space).filter((n) => !isFixed(ctx.space[n]!));
    this.seq = this.searched.length ? new SobolSequence(Math.min(this.searched.length, SOBOL_MAX_DIMS), ctx.seed) : null;
  }

  suggest(history: readonly HistoryTrial[], n: number): Proposal[] {
    const out: Proposal[] = [];
    for (let i = 0; i < n; i++) {
      const k = history.length + i;
      const u = this.seq ? this.seq.point(k) : [];
      const rng = new Rng(this.ctx.seed, 0x534f4258, k);
      const params: Proposal['params'] = {};
      for (const [name, d] of Object.entries(this.ctx.space)) {
        const idx = this.searched.indexOf(name);
        params[name] = fromUnit(d, idx < 0 ? 0.5 : idx < u.length ? u[idx]! : rng.next());
      }
      out.push({ params });
    }
    return out;
  }
}
