/**
 * The run's plan, a pure function of (seed, request count, catalogue): which generator
 * builds request #i, which target and value family it uses, and which stretches of the
 * run happen while the server is sealed. Same seed and count → byte-identical requests.
 * The first requests are pinned to the known findings' inputs (pinned.ts), outside the draw.
 */
import type { Target } from './catalogue.js';
import { FIELD_GENERATORS, type Generator } from './gen-fields.js';
import { SHAPE_GENERATORS } from './gen-shapes.js';
import { guard } from './guard.js';
import { buildPinned, pinKnownFindings, type Pin } from './pinned.js';
import { deriveSeed, Rng, STREAM } from './prng.js';
import type { FuzzRequest } from './request.js';

export const GENERATORS: readonly Generator[] = [...FIELD_GENERATORS, ...SHAPE_GENERATORS];

export interface Window {
  start: number;
  /** Exclusive. */
  end: number;
}

/** Sealed stretches: about one per 1,000 requests, 5 to 30 requests long, placed by the seed. */
export function sealedWindows(seed: number, total: number): Window[] {
  if (total < 100) return [];
  const count = Math.max(1, Math.round(total / 1000));
  const len = Math.min(30, Math.max(5, Math.floor(total / 40)));
  const out: Window[] = [];
  for (let w = 0; w < count; w++) {
    const u = Rng.for(seed, STREAM.phases, w).float();
    const start = Math.min(total - len, Math.floor((total * (w + 0.2 + 0.6 * u)) / count));
    out.push({ start, end: start + len });
  }
  return out;
}

export class Schedule {
  /** Generator number of each request. */
  private readonly picks: Uint8Array;
  /** How many requests of the same generator came before it. */
  private readonly uses: Uint32Array;
  private readonly domains: Target[][];
  private readonly familyOffset: number[];
  private readonly pins: Map<number, Pin>;
  readonly windows: Window[];

  constructor(
    readonly seed: number,
    readonly total: number,
    targets: readonly Target[],
    readonly generators: readonly Generator[] = GENERATORS,
  ) {
    const weights = generators.map((g) => g.weight);
    const indices = generators.map((_, i) => i);
    this.picks = new Uint8Array(total);
    this.uses = new Uint32Array(total);
    const counters = new Uint32Array(generators.length);
    this.pins = pinKnownFindings(seed, total, targets, generators);
    for (let i = 0; i < total; i++) {
      // A pinned request is not a use of its generator: the drawn ones keep their rotation.
      const pin = this.pins.get(i);
      if (pin) {
        this.picks[i] = pin.generator;
        continue;
      }
      const g = Rng.for(seed, STREAM.schedule, i).weighted(indices, weights);
      this.picks[i] = g;
      this.uses[i] = counters[g]!++;
    }
    this.domains = generators.map((g, gi) => {
      const d = g.domain(targets);
      if (d.length === 0) throw new Error(`generator ${g.name} has nothing to work on`);
      return new Rng(deriveSeed(seed, STREAM.permutation, gi)).shuffle(d);
    });
    this.familyOffset = generators.map((g, gi) => new Rng(deriveSeed(seed, STREAM.permutation, 1000 + gi)).int(g.families));
    this.windows = sealedWindows(seed, total);
  }

  generatorAt(i: number): Generator {
    return this.generators[this.picks[i]!]!;
  }

  sealedAt(i: number): boolean {
    return this.windows.some((w) => i >= w.start && i < w.end);
  }

  /**
   * Request #i. The k-th use of a generator takes target k mod |domain|, and family
   * (position + pass + offset) mod |families|: every pass shifts each target to the next
   * family, so |domain| × |families| uses try every family on every target.
   */
  requestAt(i: number): FuzzRequest {
    if (i < 0 || i >= this.total) throw new RangeError(`request index ${i} is outside 0..${this.total - 1}`);
    const pin = this.pins.get(i);
    if (pin) return buildPinned(this.seed, i, pin, this.generators);
    const gi = this.picks[i]!;
    const g = this.generators[gi]!;
    const domain = this.domains[gi]!;
    const k = this.uses[i]!;
    const pos = k % domain.length;
    const pass = Math.floor(k / domain.length);
    const family = (pos + pass + this.familyOffset[gi]!) % g.families;
    return guard(g.build(i, domain[pos]!, family, Rng.for(this.seed, STREAM.request, i), pass));
  }
}
