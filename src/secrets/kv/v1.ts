/**
 * The plain K/V secrets engine (KV v1): each path holds one JSON object, replaced
 * whole on every write. A stored `ttl` (or `lease`) field is reported as the
 * response's lease_duration without creating a lease.
 */
import { badRequest } from '../../sdk/errors.js';
import { defineBackend } from '../../sdk/framework/backend.js';
import { definePath, matchAll } from '../../sdk/framework/path.js';
import type { Backend } from '../../sdk/logical.js';
import { noEvents, type EventSender } from '../../sdk/events.js';
import { parseDurationSeconds } from '../../lib/duration.js';
import { decodeRecord, encodeRecord } from '../../sdk/record.js';

/** The TTL hint of a stored secret: its `ttl`, else `lease`, parsed as a duration; undefined if absent or unusable. */
export function ttlHintOf(data: Record<string, unknown>): number | undefined {
  const raw = data.ttl ?? data.lease;
  if (raw === undefined || raw === null || raw === '') return undefined;
  try {
    const secs = parseDurationSeconds(raw);
    return secs >= 0 ? secs : undefined;
  } catch {
    return undefined;
  }
}

/** Storage key for a request path (leading slashes dropped; a LIST path keeps its trailing "/"). */
function keyOf(path: string): string {
  return path.startsWith('/') ? path.replace(/^\/+/, '') : path;
}

const secretPath = (defaultTtl: () => number, events: EventSender) =>
  definePath({
  pattern: '.*',
  documentedPattern: matchAll('path'),
  fields: {},
  takesArbitraryData: true,
  synopsis: 'Read, write, list and delete arbitrary secrets.',
  existenceCheck: async (req) => (await req.storage.get(keyOf(req.path))) !== null,
  operations: {
    async read(req) {
      const key = keyOf(req.path);
      if (key === '') return null;
      const raw = await req.storage.get(key);
      if (raw === null) return null;
      const data = decodeRecord<Record<string, unknown>>(raw);
      // Without a `ttl` field Vault reports the mount's default lease TTL as a hint.
      return { data, ttlHint: ttlHintOf(data) ?? defaultTtl() };
    },

    async update(req) {
      const key = keyOf(req.path);
      if (key === '' || key.endsWith('/')) throw badRequest('invalid secret path');
      if (Object.keys(req.data).length === 0) throw badRequest('missing data fields');
      const ttl = req.data.ttl ?? req.data.lease;
      if (ttl !== undefined && ttl !== null && ttl !== '' && ttlHintOf(req.data) === undefined) {
        throw badRequest('failed to parse ttl for the secret');
      }
      await req.storage.put(key, encodeRecord(req.data));
      events.send('kv-v1/write', { path: key, data_path: key, modified: 'true', operation: 'write' });
      return null;
    },

    async delete(req) {
      const key = keyOf(req.path);
      if (key === '') return null;
      await req.storage.delete(key);
      // No data_path: nothing is left to read there (as Vault's KV plugin).
      events.send('kv-v1/delete', { path: key, modified: 'true', operation: 'delete' });
      return null;
    },

    async list(req) {
      let prefix = keyOf(req.path);
      if (prefix !== '' && !prefix.endsWith('/')) prefix += '/';
      return { data: { keys: await req.storage.list(prefix) } };
    },
  },
});

/** `defaultTtl` is the mount's effective default lease TTL, reported on reads. */
export function kvV1Backend(defaultTtl: () => number = () => 0, events: EventSender = noEvents): Backend {
  return defineBackend({
    type: 'kv',
    kind: 'secret',
    paths: [secretPath(defaultTtl, events)],
    help: 'The key/value secrets engine: each path stores one JSON object.',
  });
}
