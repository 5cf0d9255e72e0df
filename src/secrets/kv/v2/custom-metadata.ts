/**
 * `custom_metadata` on a secret's metadata: a string→string map with size limits.
 * Writes replace it; patches merge it (a null value removes the key).
 */
import { WardError } from '../../../sdk/errors.js';
import { field, parseField } from '../../../sdk/framework/fields.js';
import { isPlainObject } from './merge-patch.js';

export const MAX_CUSTOM_METADATA_KEYS = 64;
export const MAX_CUSTOM_METADATA_KEY_BYTES = 128;
export const MAX_CUSTOM_METADATA_VALUE_BYTES = 512;

const pairs = field.kvPairs();

/** Parses a full replacement: a map (values weakly stringified) or a list of "k=v". */
export function parseCustomMetadata(raw: unknown): Record<string, string> {
  return validateCustomMetadata(parseField('custom_metadata', pairs, raw));
}

/** Applies a patch onto `current`: null values delete, other values set. Validates the result. */
export function patchCustomMetadata(current: Record<string, string> | null, raw: unknown): Record<string, string> {
  const out: Record<string, string> = { ...(current ?? {}) };
  const removals: string[] = [];
  let sets: unknown = raw;
  if (isPlainObject(raw)) {
    const kept: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(raw)) {
      if (v === null) removals.push(k);
      else kept[k] = v;
    }
    sets = kept;
  }
  for (const k of removals) delete out[k];
  for (const [k, v] of Object.entries(parseField('custom_metadata', pairs, sets))) out[k] = v;
  return validateCustomMetadata(out);
}

function validateCustomMetadata(m: Record<string, string>): Record<string, string> {
  const problems: string[] = [];
  const keys = Object.keys(m);
  if (keys.length > MAX_CUSTOM_METADATA_KEYS) {
    problems.push(`at most ${MAX_CUSTOM_METADATA_KEYS} keys are allowed, got ${keys.length}`);
  }
  for (const k of keys) {
    const kb = Buffer.byteLength(k, 'utf8');
    if (kb === 0 || kb > MAX_CUSTOM_METADATA_KEY_BYTES) {
      problems.push(`key ${JSON.stringify(k)} is ${kb} bytes long; keys must be 1 to ${MAX_CUSTOM_METADATA_KEY_BYTES} bytes`);
    }
    const vb = Buffer.byteLength(m[k] ?? '', 'utf8');
    if (vb > MAX_CUSTOM_METADATA_VALUE_BYTES) {
      problems.push(`value of key ${JSON.stringify(k)} is ${vb} bytes long; values must be at most ${MAX_CUSTOM_METADATA_VALUE_BYTES} bytes`);
    }
  }
  if (problems.length > 0) {
    throw new WardError('invalid_request', problems.map((p) => `custom_metadata validation failed: ${p}`));
  }
  return m;
}
