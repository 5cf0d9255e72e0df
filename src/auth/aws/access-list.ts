/**
 * The identity access list of ec2 logins: one entry per instance ID remembering the role,
 * the client nonce, the document's pendingTime and whether reauthentication is disabled,
 * so a stolen identity document cannot log in a second machine. `identity-accesslist/:id`
 * reads (without the nonce, a credential) and deletes an entry; deleting is how an
 * operator lets an instance start over; `tidy/identity-accesslist` removes entries expired for
 * longer than `safety_buffer`, in the background as Vault does. The checks are pure.
 */
import { badRequest } from '../../sdk/errors.js';
import { field } from '../../sdk/framework/fields.js';
import { definePath } from '../../sdk/framework/path.js';
import type { Logger } from '../../sdk/logical.js';
import { getJSON, putJSON, type Storage } from '../../sdk/storage.js';

export interface AccessListEntry {
  role: string;
  clientNonce: string;
  creationTime: string;
  disallowReauthentication: boolean;
  pendingTime: string;
  expirationTime: string;
  lastUpdatedTime: string;
}

/** Vault's storage prefix, kept from before the access list was renamed. */
const PREFIX = 'whitelist/identity/';

export const loadAccessEntry = (s: Storage, instanceId: string): Promise<AccessListEntry | null> => getJSON<AccessListEntry>(s, PREFIX + instanceId);
export const saveAccessEntry = (s: Storage, instanceId: string, e: AccessListEntry): Promise<void> => putJSON(s, PREFIX + instanceId, e);

/**
 * A later login of an instance already on the list, as Vault's validateMetadata: refused
 * once reauthentication is disabled; otherwise the nonce must match, unless the role allows
 * instance migration and the document is newer; and a document older than the last one
 * never logs in. Returns the refusal text, or null.
 */
export function validateReauth(stored: AccessListEntry, nonce: string, pendingTime: string, allowInstanceMigration: boolean): string | null {
  if (stored.disallowReauthentication) return 'reauthentication is disabled';
  if (stored.clientNonce === '') return 'client nonce missing in stored identity';
  const given = Date.parse(pendingTime);
  const before = Date.parse(stored.pendingTime);
  if (Number.isNaN(given)) return `invalid pendingTime "${pendingTime}" in the identity document`;
  if (nonce !== stored.clientNonce) {
    if (!allowInstanceMigration) return 'client nonce mismatch';
    if (!(given > before)) return 'client nonce mismatch and instance meta-data incorrect';
  }
  if (given < before) return 'instance meta-data is older than the one used for previous login';
  return null;
}

const instanceField = { instance_id: field.string({ description: 'EC2 instance ID.', required: true }) };

export const accessListPath = definePath({
  pattern: 'identity-accesslist/(?<instance_id>[\\w-]+)',
  fields: instanceField,
  synopsis: 'Read or delete the access-list entry of an instance that logged in with the ec2 type.',
  operations: {
    async read(req, d) {
      const e = await loadAccessEntry(req.storage, d.get('instance_id'));
      if (!e) return null;
      return {
        data: {
          role: e.role,
          creation_time: e.creationTime,
          disallow_reauthentication: e.disallowReauthentication,
          pending_time: e.pendingTime,
          expiration_time: e.expirationTime,
          last_updated_time: e.lastUpdatedTime,
        },
      };
    },
    async delete(req, d) {
      const id = d.get('instance_id');
      if (id === '') throw badRequest('missing instance_id');
      await req.storage.delete(PREFIX + id);
      return null;
    },
  },
});

export const accessListListPath = definePath({
  pattern: 'identity-accesslist/?',
  fields: {},
  synopsis: 'List the instances on the identity access list.',
  operations: {
    async list(req) {
      return { data: { keys: (await req.storage.list(PREFIX)).filter((k) => !k.endsWith('/')) } };
    },
  },
});

/** Vault's default: an entry stays 72 hours past its expiration before tidy removes it. */
const DEFAULT_SAFETY_BUFFER = 259_200;

/** True when tidy may remove the entry: expired more than `bufferSeconds` ago (or unreadable). */
export function tidyable(e: Pick<AccessListEntry, 'expirationTime'>, nowMs: number, bufferSeconds: number): boolean {
  const expires = Date.parse(e.expirationTime);
  return Number.isNaN(expires) || nowMs > expires + bufferSeconds * 1000;
}

export async function tidyAccessList(s: Storage, nowMs: number, bufferSeconds: number): Promise<number> {
  let removed = 0;
  for (const id of await s.list(PREFIX)) {
    if (id.endsWith('/')) continue;
    const e = await loadAccessEntry(s, id);
    if (e && !tidyable(e, nowMs, bufferSeconds)) continue;
    await s.delete(PREFIX + id);
    removed += 1;
  }
  return removed;
}

export const TIDY_STARTED = "Tidy operation successfully started. Any information from the operation will be printed to Ward's server logs.";

export function accessListTidyPath(logger: Logger, nowMs: () => number) {
  let running: Promise<void> | null = null;
  return definePath({
    pattern: 'tidy/identity-accesslist',
    fields: { safety_buffer: field.durationSecond({ description: 'How long past its expiration an entry is kept (default 72h).', default: DEFAULT_SAFETY_BUFFER }) },
    synopsis: 'Remove expired entries from the identity access list.',
    operations: {
      update: async (req, d) => {
        if (running) return { status: 202, warnings: ['Tidy operation already in progress.'] };
        const buffer = d.get('safety_buffer');
        running = tidyAccessList(req.storage, nowMs(), buffer)
          .then((n) => logger.info('aws identity access list tidy finished', { removed: n }))
          .catch((e: unknown) => logger.error('aws identity access list tidy failed', { error: e instanceof Error ? e.message : String(e) }))
          .finally(() => {
            running = null;
          });
        return { status: 202, warnings: [TIDY_STARTED] };
      },
    },
  });
}
