/**
 * State shared by the path groups of one versioned K/V mount: the clock and a per-key
 * lock that serialises read-modify-write cycles on a secret's metadata (two concurrent
 * writes must not both claim the same version number).
 */
import { badRequest } from '../../../sdk/errors.js';
import type { Clock } from '../../../lib/clock.js';
import type { KeyedMutex } from '../../../lib/keyed-mutex.js';
import type { EventSender } from '../../../sdk/events.js';

export interface KvContext {
  clock: Clock;
  locks: KeyedMutex;
  events: EventSender;
}

/**
 * Publishes a `kv-v2/<operation>` event once the change is committed. `eventPath` is the
 * request path below the mount; `dataPath` (the `data/` path the change concerns) only
 * for operations after which the secret's data can be read there, as Vault's KV plugin.
 */
export function kvEvent(ctx: KvContext, operation: string, eventPath: string, dataPath: string | null, extra: Record<string, string> = {}): void {
  const metadata: Record<string, string> = { path: eventPath };
  if (dataPath !== null) metadata.data_path = dataPath;
  ctx.events.send(`kv-v2/${operation}`, { ...metadata, modified: 'true', operation, ...extra });
}

export const INVALID_PATH_WARNING =
  "Invalid path for a versioned K/V secrets engine. See the API docs for the appropriate API endpoints to use. If using the Vault CLI, use 'vault kv get' for this operation.";

/** The secret path captured from the URL; empty paths and (for writes) trailing slashes are refused. */
export function secretPath(raw: string, forWrite = false): string {
  if (raw === '') throw badRequest('missing path');
  if (forWrite && raw.endsWith('/')) throw badRequest('path must not end with a slash');
  return raw;
}
