/**
 * Parameter constraints of a matched rule: `required_parameters`, `denied_parameters`
 * and `allowed_parameters`, checked against exactly what the client sent.
 */
import { isDeepStrictEqual } from 'node:util';

export interface ParameterConstraints {
  required: string[];
  /** Lower-cased names → value lists (`[]` = any value). */
  allowed: Map<string, unknown[]> | null;
  denied: Map<string, unknown[]> | null;
}

/**
 * Vault's order: required names must be present; with no data nothing else applies;
 * denied is checked first (`*` denies any parameter); then, when an allow list exists,
 * every supplied key must be listed (or `*` be present) and match the listed values.
 */
export function parametersAllowed(c: ParameterConstraints, data: Record<string, unknown>): boolean {
  // Like Vault, the lower-cased required name is looked up as-is among the supplied keys.
  for (const name of c.required) if (!Object.hasOwn(data, name.toLowerCase())) return false;
  const entries = Object.entries(data);
  if (entries.length === 0) return true;

  if (c.denied && c.denied.size > 0) {
    if (c.denied.has('*')) return false;
    for (const [key, value] of entries) {
      const values = c.denied.get(key.toLowerCase());
      if (values && valueInList(value, values)) return false;
    }
  }

  if (!c.allowed || c.allowed.size === 0) return true;
  const allowAll = c.allowed.has('*');
  if (allowAll && c.allowed.size === 1) return true;
  for (const [key, value] of entries) {
    const values = c.allowed.get(key.toLowerCase());
    if (values === undefined) {
      if (!allowAll) return false;
    } else if (!valueInList(value, values)) {
      return false;
    }
  }
  return true;
}

/** An empty list matches anything; strings match with leading/trailing `*` globs. */
export function valueInList(value: unknown, list: readonly unknown[]): boolean {
  if (list.length === 0) return true;
  for (const item of list) {
    if (typeof item === 'string' && typeof value === 'string') {
      if (globMatch(item, value)) return true;
    } else if (isDeepStrictEqual(item, value)) {
      return true;
    }
  }
  return false;
}

/** `*x*` contains, `*x` suffix, `x*` prefix, otherwise equality. */
export function globMatch(pattern: string, value: string): boolean {
  const n = pattern.length;
  if (n === 0) return value === '';
  const lead = pattern.startsWith('*');
  const trail = pattern.endsWith('*');
  if (n > 1 && lead && trail) return value.includes(pattern.slice(1, -1));
  if (lead) return value.endsWith(pattern.slice(1));
  if (trail) return value.startsWith(pattern.slice(0, -1));
  return value === pattern;
}
