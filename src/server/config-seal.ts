/** `seal "type" { … }`: how the root key is protected (default: Shamir, no stanza). */
import type { Block, Locator } from './config.js';

export type SealConfig = { type: 'shamir' };

export function parseSeal(b: Block, loc: Locator, at: number): SealConfig {
  throw loc.error(`unknown seal type "${b.label}"`, undefined, at);
}
