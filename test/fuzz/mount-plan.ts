/**
 * Where the fuzzer mounts things: one mount of every type in the backend registry (KV
 * twice, as v1 and v2), plus two canary mounts that no generator addresses. The same
 * plan is applied to the real server over HTTP and to the in-process mirror whose path
 * tables the catalogue reads.
 */
import { builtinRegistry } from '../../src/core/builtin-registry.js';
import { SINGLETON_TYPES } from '../../src/core/router/registry.js';

export interface MountSpec {
  table: 'mounts' | 'auth';
  /** Without the `auth/` prefix for auth mounts; with a trailing slash. */
  path: string;
  type: string;
  options?: Record<string, string>;
}

/** The routed prefix of a mount: `kv2/`, `auth/approle/`. */
export const routedPrefix = (m: MountSpec): string => (m.table === 'auth' ? `auth/${m.path}` : m.path);

/** Names every seeded object shares, so generated paths hit something that exists. */
export const SEED_NAME = 'fz';

/** Canary mounts: written once, re-read and compared; never a fuzz target. */
export const CANARY_MOUNTS: readonly MountSpec[] = [
  { table: 'mounts', path: 'canary-kv1/', type: 'kv', options: { version: '1' } },
  { table: 'mounts', path: 'canary-kv2/', type: 'kv', options: { version: '2' } },
];

/** One fuzz mount per registered type; `kv` twice. */
export function fuzzMounts(): MountSpec[] {
  const out: MountSpec[] = [];
  for (const { type, kind } of builtinRegistry().list()) {
    if (SINGLETON_TYPES.has(type)) continue;
    if (type === 'kv') {
      out.push({ table: 'mounts', path: 'kv1/', type, options: { version: '1' } });
      out.push({ table: 'mounts', path: 'kv2/', type, options: { version: '2' } });
    } else {
      out.push({ table: kind === 'auth' ? 'auth' : 'mounts', path: `${type}/`, type });
    }
  }
  return out;
}

/** Prefixes the fuzzer must not disable, move or revoke under with a root token. */
export function protectedPrefixes(): string[] {
  return [...fuzzMounts(), ...CANARY_MOUNTS].map(routedPrefix).concat(['secret/', 'cubbyhole/', 'sys/', 'auth/token/', 'identity/']);
}
