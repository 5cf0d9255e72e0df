import { defineBackend } from '../../sdk/framework/backend.js';
import type { Fields } from '../../sdk/framework/fields.js';
import type { PathDef } from '../../sdk/framework/path.js';
import type { Backend } from '../../sdk/logical.js';
import { withSysHelp } from './help-text.js';

/** Paths relative to `sys/` that only root or `sudo` may use (reference §1.8). */
export const SYS_ROOT_PATHS = [
  'auth/*',
  'remount',
  'audit',
  'audit/*',
  'raw',
  'raw/*',
  'rotate',
  'config/cors',
  'config/auditing/*',
  'config/ui/headers/*',
  'plugins/catalog/*',
  'revoke-prefix/*',
  'revoke-force/*',
  'leases/revoke-prefix/*',
  'leases/revoke-force/*',
  'leases/lookup/*',
  'seal',
  'step-down',
  'rekey/backup',
  'rekey/recovery-key-backup',
  // A snapshot is every stored entry, and restoring one replaces them all.
  'storage/snapshot',
  'storage/snapshot-force',
  'storage/raft/snapshot',
  'storage/raft/snapshot-force',
];

/**
 * Reachable without a token; the handlers look the token up themselves when given.
 * `wrapping/unwrap` is here so a used or expired wrapping token gets Vault's 400
 * "wrapping token is not valid or does not exist" rather than a 403.
 */
export const SYS_UNAUTHENTICATED_PATHS = [
  'decode-token',
  'wrapping/lookup',
  'wrapping/unwrap',
  'internal/ui/mounts',
  'internal/ui/mounts/*',
  // As in Vault; the handler still requires a valid token and shows only the mounts it reaches.
  'internal/specs/openapi',
];

/** The `sys/` backend: built with the same framework as every other backend. */
export function systemBackend(paths: PathDef<Fields>[]): Backend {
  return defineBackend({
    type: 'system',
    kind: 'secret',
    paths: withSysHelp(paths),
    specialPaths: { root: SYS_ROOT_PATHS, unauthenticated: SYS_UNAUTHENTICATED_PATHS },
    help: 'The system backend: mounts, policies, leases, audit, seal and wrapping.',
  });
}
