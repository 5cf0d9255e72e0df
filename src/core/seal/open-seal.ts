/** Turns parsed seal stanzas into running seals, for WardCore's `seal` option. */
import type { AutoSeal } from './auto-seal.js';
import type { AutoSealSpec, SealSpec } from './spec.js';
import { StaticSeal } from './static-seal.js';
import { TransitSeal } from './transit-seal.js';

/** What `ward status` and the server log say about the static seal. */
export const STATIC_SEAL_WARNING =
  'the static seal keeps the key that protects the root key beside the configuration: anyone who can read that key and the storage can read every secret; prefer the transit seal or Shamir unless a platform KMS guards the key';

export function openSeal(spec: AutoSealSpec): AutoSeal {
  return spec.type === 'transit' ? new TransitSeal(spec) : new StaticSeal(spec);
}

/** The configured seal (null: Shamir) and the disabled one of a seal migration. */
export function openSeals(config: SealSpec & { previous?: AutoSealSpec }): { active: AutoSeal | null; previous: AutoSeal | null } {
  return { active: config.type === 'shamir' ? null : openSeal(config), previous: config.previous ? openSeal(config.previous) : null };
}
