/**
 * The cubbyhole secrets engine: a KV v1-like store private to each token. Every token
 * sees only the subtree named by the SHA-256 of the token itself, so no other token
 * (root included) can read it, and revoking the token drops the whole subtree.
 */
import { createHash } from 'node:crypto';
import { badRequest } from '../../sdk/errors.js';
import { decodeRecord, encodeRecord } from '../../sdk/record.js';
import { defineBackend } from '../../sdk/framework/backend.js';
import { definePath, matchAll } from '../../sdk/framework/path.js';
import type { BackendFactory, LogicalRequest } from '../../sdk/logical.js';
import { listRecursive, PrefixStorage, type Storage } from '../../sdk/storage.js';

/** The view of `storage` that belongs to `clientToken`'s cubbyhole. */
export function cubbyholeStorageFor(storage: Storage, clientToken: string): Storage {
  return new PrefixStorage(storage, `${createHash('sha256').update(clientToken, 'utf8').digest('hex')}/`);
}

/** Deletes every entry of `clientToken`'s cubbyhole (token revoked or expired). */
export async function destroyCubbyhole(storage: Storage, clientToken: string): Promise<void> {
  const view = cubbyholeStorageFor(storage, clientToken);
  for (const key of await listRecursive(view)) await view.delete(key);
}

/** The caller's cubbyhole; refuses requests without a token and batch tokens (they have none). */
function storageOf(req: LogicalRequest): Storage {
  if (req.clientToken === '') throw badRequest('client token empty');
  if (req.caller?.tokenType === 'batch') throw badRequest('batch tokens do not have a cubbyhole');
  return cubbyholeStorageFor(req.storage, req.clientToken);
}

const keyOf = (path: string): string => path.replace(/^\/+/, '');

const cubbyPath = definePath({
  pattern: '.*',
  documentedPattern: matchAll('path'),
  fields: {},
  takesArbitraryData: true,
  synopsis: "Read, write, list and delete secrets in the calling token's cubbyhole.",
  existenceCheck: async (req) => {
    // Without a usable token the handler refuses the request; "absent" is enough here.
    const key = keyOf(req.path);
    if (key === '' || req.clientToken === '') return false;
    return (await cubbyholeStorageFor(req.storage, req.clientToken).get(key)) !== null;
  },
  operations: {
    async read(req) {
      const s = storageOf(req);
      const key = keyOf(req.path);
      if (key === '') return null;
      const raw = await s.get(key);
      return raw === null ? null : { data: decodeRecord<Record<string, unknown>>(raw) };
    },

    async update(req) {
      const s = storageOf(req);
      const key = keyOf(req.path);
      if (key === '' || key.endsWith('/')) throw badRequest('invalid secret path');
      if (Object.keys(req.data).length === 0) throw badRequest('missing data fields');
      await s.put(key, encodeRecord(req.data));
      return null;
    },

    async delete(req) {
      const s = storageOf(req);
      const key = keyOf(req.path);
      if (key !== '') await s.delete(key);
      return null;
    },

    async list(req) {
      const s = storageOf(req);
      let prefix = keyOf(req.path);
      if (prefix !== '' && !prefix.endsWith('/')) prefix += '/';
      return { data: { keys: await s.list(prefix) } };
    },
  },
});

export const cubbyholeFactory: BackendFactory = async () =>
  defineBackend({
    type: 'cubbyhole',
    kind: 'secret',
    paths: [cubbyPath],
    help: "Per-token private storage: only the token that wrote a secret can read it, and it vanishes with the token.",
  });
