/**
 * The broker's trust decision. A device gets a credential only when every rule passes:
 *
 * 1. the orchestrator vouches for it: `trusted` is literally `true`;
 * 2. `posture.disk_encrypted` is literally `true` (a missing value fails);
 * 3. with a minimum patch level configured, `posture.patch_level` is present and at least
 *    that level (see {@link comparePatchLevels}); without one, patch level is not judged.
 *
 * Every failing rule is reported, so an operator sees all the reasons at once.
 */
import type { Device } from './inventory.js';

/** What the operator asked for on the command line. */
export type TrustRules = { minPatchLevel?: string };

/** The verdict for one device; `reasons` is empty exactly when `trusted` is true. */
export type TrustDecision = { trusted: boolean; reasons: string[] };

/**
 * Orders patch levels given as numbers, dates or dotted versions (`2024-06-01`, `14.5.1`,
 * `10`): both are split into their digit runs and compared run by run, numerically; a
 * missing run counts as 0 (`14.5` equals `14.5.0`). Returns null when either side has no
 * digits at all, because such a level cannot be ordered and must not pass.
 */
export function comparePatchLevels(a: string | number, b: string | number): number | null {
  const runs = (v: string | number): number[] => (String(v).match(/\d+/g) ?? []).map(Number);
  const x = runs(a);
  const y = runs(b);
  if (x.length === 0 || y.length === 0) return null;
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

/** Applies the rules above to one device. */
export function decideTrust(device: Device, rules: TrustRules = {}): TrustDecision {
  const reasons: string[] = [];
  if (!device.trusted) reasons.push('not trusted by the orchestrator');
  if (device.posture.disk_encrypted !== true) reasons.push('disk not encrypted');
  if (rules.minPatchLevel !== undefined && rules.minPatchLevel !== '') {
    const level = device.posture.patch_level;
    if (typeof level !== 'string' && typeof level !== 'number') reasons.push('no patch level reported');
    else {
      const c = comparePatchLevels(level, rules.minPatchLevel);
      if (c === null) reasons.push(`patch level "${level}" cannot be compared with "${rules.minPatchLevel}"`);
      else if (c < 0) reasons.push(`patch level ${level} is below ${rules.minPatchLevel}`);
    }
  }
  return { trusted: reasons.length === 0, reasons };
}
