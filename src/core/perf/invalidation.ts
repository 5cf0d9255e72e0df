/**
 * The one place that says what a changed storage key invalidates on a performance standby.
 * Every changed key first drops the barrier's cached plaintext for it (the value cache is
 * keyed by storage key, as are the caches below); some keys also back a structure built
 * from them:
 *
 *   core/keyring                      the barrier keyring (a rotation): reload it
 *   core/mounts, core/auth            the mount tables: rebuild the router (all subsystems)
 *   sys/audit/table                   the audit table: rebuild (devices are opened from it)
 *   sys/audit/audited-headers         the audited request headers (read into the broker): rebuild
 *   sys/token/salt, sys/token/batch-key  token key material: rebuild
 *   sys/policy/<name>                 that policy and every compiled ACL using it
 *   sys/token/id/<key>                that token's cached entry (revocation, use counts, renewal)
 *   sys/identity/entity|group/<id>    that identity object: reloaded into the identity store,
 *                                     whose generation bump drops the effective policies and
 *                                     templated ACLs derived from identity
 *   anything else                     only the barrier's cache entry (KV data and metadata,
 *                                     token accessors and roles, mount storage)
 *
 * Higher-level caches that are keyed by the decoded object (KV v2's read views) go with
 * the barrier entry they were built from. A key this table does not know about needs no
 * more than the barrier entry as long as nothing caches it above the barrier; a new cache
 * above the barrier must add its keys here.
 */

export type Invalidation =
  | { kind: 'value' }
  | { kind: 'keyring' }
  | { kind: 'rebuild' }
  | { kind: 'policy'; name: string }
  | { kind: 'token'; key: string }
  /** `key` is relative to `sys/identity/` (`entity/<id>`, `group/<id>`). */
  | { kind: 'identity'; key: string };

const REBUILD = new Set(['core/mounts', 'core/auth', 'sys/audit/table', 'sys/audit/audited-headers', 'sys/token/salt', 'sys/token/batch-key']);
const POLICY_PREFIX = 'sys/policy/';
const TOKEN_PREFIX = 'sys/token/id/';
const IDENTITY_PREFIX = 'sys/identity/';
const IDENTITY_KINDS = ['entity/', 'group/'];

export function invalidationFor(key: string): Invalidation {
  if (key === 'core/keyring') return { kind: 'keyring' };
  if (REBUILD.has(key)) return { kind: 'rebuild' };
  if (key.startsWith(POLICY_PREFIX) && key.length > POLICY_PREFIX.length) return { kind: 'policy', name: key.slice(POLICY_PREFIX.length) };
  if (key.startsWith(TOKEN_PREFIX) && key.length > TOKEN_PREFIX.length) return { kind: 'token', key: key.slice(TOKEN_PREFIX.length) };
  if (key.startsWith(IDENTITY_PREFIX)) {
    const rel = key.slice(IDENTITY_PREFIX.length);
    if (IDENTITY_KINDS.some((k) => rel.startsWith(k) && rel.length > k.length)) return { kind: 'identity', key: rel };
  }
  return { kind: 'value' };
}
