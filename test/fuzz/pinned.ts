/**
 * Requests pinned at fixed indexes of every plan: request #k is built to carry known
 * finding k's input (known-findings.ts), so the plan keeps testing for those regressions
 * however the random draw falls. A pin is found by trying the finding's generator on its
 * targets (in id order), with every family and a few draws each, until the built request
 * matches the finding; the draws come from the run's seed, so replay rebuilds the same bytes.
 */
import type { Target } from './catalogue.js';
import type { Generator } from './gen-fields.js';
import { guard } from './guard.js';
import { KNOWN_FINDINGS, type KnownFinding } from './known-findings.js';
import { Rng, STREAM } from './prng.js';
import type { FuzzRequest } from './request.js';

export interface Pin {
  generator: number;
  target: Target;
  family: number;
  draw: number;
}

/** Draws tried per target and family before moving on: generators pick fields and values at random. */
const DRAWS = 32;

/** The request a pin stands for at index `i`. */
export function buildPinned(seed: number, i: number, pin: Pin, generators: readonly Generator[]): FuzzRequest {
  return guard(generators[pin.generator]!.build(i, pin.target, pin.family, Rng.for(seed, STREAM.pinned, i * DRAWS + pin.draw), 0));
}

function resolve(seed: number, i: number, name: string, finding: KnownFinding, targets: readonly Target[], generators: readonly Generator[]): Pin | undefined {
  const gi = generators.findIndex((g) => g.name === finding.generator);
  const g = generators[gi];
  // A plan of chosen generators (a test's) without this one: no pin.
  if (!g) return undefined;
  const candidates = g.domain(targets).filter((t) => finding.target(t)).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const target of candidates) {
    for (let family = 0; family < g.families; family++) {
      for (let draw = 0; draw < DRAWS; draw++) {
        const pin = { generator: gi, target, family, draw };
        if (finding.matches(buildPinned(seed, i, pin, generators))) return pin;
      }
    }
  }
  throw new Error(`known finding ${name}: generator ${g.name} builds no matching request on ${candidates.length} target(s)`);
}

/**
 * Pins for indexes 0 … (number of known findings − 1), as far as the run is long. A
 * generator that can no longer build a finding's input is an error, not a silent gap.
 */
export function pinKnownFindings(seed: number, total: number, targets: readonly Target[], generators: readonly Generator[]): Map<number, Pin> {
  const out = new Map<number, Pin>();
  Object.entries(KNOWN_FINDINGS).forEach(([name, finding], i) => {
    const pin = i < total ? resolve(seed, i, name, finding, targets, generators) : undefined;
    if (pin) out.set(i, pin);
  });
  return out;
}
