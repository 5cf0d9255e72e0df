/**
 * A small seeded PRNG (mulberry32) and the helpers the generators use. Every request is
 * generated from its own stream, derived from (seed, stream id, index) by a splitmix-style
 * hash, so request #i can be rebuilt without replaying the i-1 before it (`--replay`).
 */

/** 32-bit avalanche of one word (the finaliser of splitmix32 / murmur3). */
function mix32(x: number): number {
  let z = x >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** Combines words into one 32-bit seed; order matters. */
export function deriveSeed(...words: number[]): number {
  let h = 0x9e3779b9;
  for (const w of words) h = mix32(h ^ mix32((w >>> 0) + 0x7f4a7c15));
  return h;
}

export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A stream for one purpose (`stream` names it) and one index within the run. */
  static for(seed: number, stream: number, index: number): Rng {
    return new Rng(deriveSeed(seed, stream, index));
  }

  /** Uniform in [0, 2^32). */
  next32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.next32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    if (n <= 0) throw new RangeError(`Rng.int(${n})`);
    return Math.floor(this.float() * n);
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('Rng.pick of an empty list');
    return items[this.int(items.length)] as T;
  }

  /** Picks by weight; `weights` and `items` have the same length. */
  weighted<T>(items: readonly T[], weights: readonly number[]): T {
    const total = weights.reduce((a, b) => a + b, 0);
    let r = this.float() * total;
    for (let i = 0; i < items.length; i++) {
      r -= weights[i] ?? 0;
      if (r < 0) return items[i] as T;
    }
    return items[items.length - 1] as T;
  }

  /** A shuffled copy (Fisher-Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [out[i], out[j]] = [out[j] as T, out[i] as T];
    }
    return out;
  }
}

/** Stream ids: one per purpose, so adding a draw in one place never shifts another's values. */
export const STREAM = {
  schedule: 1,
  request: 2,
  permutation: 3,
  phases: 4,
  pinned: 5,
} as const;
