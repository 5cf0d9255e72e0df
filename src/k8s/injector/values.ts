/**
 * Reads a pod's `vault.hashicorp.com/*` annotations against the catalogue: every value is
 * validated up front (a malformed one denies the pod with a message naming it), unknown
 * keys become warnings with the closest known name, and typed getters serve the rest.
 */
import { CATALOGUE, PREFIX, closest, lookup, type AnnotationDef } from './annotations.js';
import type { InjectorOptions } from './options.js';
import { parseJsonPatch } from './json-patch.js';

/** A value that must deny the pod; the message names the annotation and the value. */
export class DenyError extends Error {
  override readonly name = 'DenyError';
}

const BOOL_TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const BOOL_FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);
const DURATION = /^(?:0|(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+)$/;
const QUANTITY = /^\+?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+|Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$/;

const SUFFIX: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };

/** A Kubernetes quantity as a number (for comparing a request with its limit). */
export function quantityValue(q: string): number {
  const m = /^\+?((?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$/.exec(q);
  return m ? Number(m[1]) * (SUFFIX[m[2] ?? ''] ?? 1) : Number.NaN;
}

export function parseBool(v: string): boolean | undefined {
  if (BOOL_TRUE.has(v)) return true;
  if (BOOL_FALSE.has(v)) return false;
  return undefined;
}

/** Why `v` is not a valid value of `def`, or undefined when it is. */
export function invalid(def: AnnotationDef, v: string): string | undefined {
  switch (def.kind) {
    case 'bool':
      return parseBool(v) === undefined ? 'expected a boolean (true or false)' : undefined;
    case 'path':
      return v.startsWith('/') ? undefined : 'expected an absolute path';
    case 'url':
      return /^https?:\/\/[^\s/]+/i.test(v) && URL.canParse(v) ? undefined : 'expected an http(s) URL such as "https://ward.ward.svc:8200"';
    case 'duration':
      return DURATION.test(v) ? undefined : 'expected a duration such as "30s" or "1m30s"';
    case 'uint':
      return /^\d{1,10}$/.test(v) ? undefined : 'expected a non-negative integer';
    case 'int':
      return /^-?\d{1,10}$/.test(v) ? undefined : 'expected an integer';
    case 'float':
      return /^\d*\.?\d+$/.test(v) && Number(v) <= 1 ? undefined : 'expected a number between 0 and 1';
    case 'port':
      return /^\d{1,5}$/.test(v) && Number(v) >= 1 && Number(v) <= 65535 ? undefined : 'expected a port number (1-65535)';
    case 'quantity':
      return v === '' || QUANTITY.test(v) ? undefined : 'expected a non-negative Kubernetes quantity such as "250m" or "64Mi" (or "" to omit it)';
    case 'octal':
      return /^0?[0-7]{3,4}$/.test(v) ? undefined : 'expected an octal file mode such as "0400"';
    case 'enum':
      return def.values?.includes(v) ? undefined : `expected one of ${def.values?.join(', ')}`;
    case 'json-patch':
      try {
        parseJsonPatch(v);
        return undefined;
      } catch (e) {
        return `invalid JSON patch: ${e instanceof Error ? e.message : String(e)}`;
      }
    case 'list':
    case 'string':
      return undefined;
  }
}

/** Typed access to a pod's annotations (keys without the prefix), with the catalogue's defaults. */
export class Annotations {
  readonly warnings: string[] = [];
  private readonly values = new Map<string, string>();
  /** Suffixed keys by their catalogue prefix, resolved once (the prefix lookups are the hot path). */
  private readonly prefixed = new Map<string, [string, string][]>();

  /** Validates every `vault.hashicorp.com/*` annotation; throws DenyError on the first bad one. */
  constructor(
    all: Record<string, string> | undefined,
    private readonly options: InjectorOptions,
  ) {
    for (const [full, value] of Object.entries(all ?? {})) {
      if (!full.startsWith(PREFIX)) continue;
      const key = full.slice(PREFIX.length);
      const found = lookup(key);
      if (!found) {
        this.warnings.push(`unknown annotation ${full} (did you mean ${closest(key)}?)`);
        continue;
      }
      const why = invalid(found.def, value);
      if (why) throw new DenyError(`invalid annotation ${full}: value ${JSON.stringify(value)}: ${why}`);
      this.values.set(key, value);
      if (found.suffix !== undefined) {
        const list = this.prefixed.get(found.def.name) ?? [];
        list.push([found.suffix, value]);
        this.prefixed.set(found.def.name, list);
      }
    }
  }

  /** True when the pod sets the annotation (a default does not count). */
  has(key: string): boolean {
    return this.values.has(key);
  }

  /** The pod's value, else the catalogue default; undefined when neither exists. */
  str(key: string): string | undefined {
    return this.values.get(key) ?? lookup(key)?.def.default?.(this.options);
  }

  bool(key: string): boolean {
    const v = this.str(key);
    return v !== undefined && parseBool(v) === true;
  }

  /** A numeric annotation (validated up front); undefined when unset with no default. */
  num(key: string): number | undefined {
    const v = this.str(key);
    return v === undefined || v === '' ? undefined : Number(v);
  }

  /** Suffixes of the keys starting with `prefix`, with their values, in annotation order. */
  withPrefix(prefix: string): [string, string][] {
    return this.prefixed.get(prefix) ?? [];
  }

  /** A DenyError naming an annotation and its value. */
  deny(key: string, why: string): DenyError {
    return new DenyError(`invalid annotation ${PREFIX}${key}: value ${JSON.stringify(this.values.get(key) ?? '')}: ${why}`);
  }
}

/** Every catalogued name (for docs and tests). */
export const KNOWN = CATALOGUE.map((a) => a.name);
