/**
 * `backup/:name` and `restore[/:name]`: a plaintext, self-contained copy of a key
 * (every version and setting) for keys created with allow_plaintext_backup. Restore
 * never overwrites an existing key unless `force` is set.
 */
import { badRequest } from '../../sdk/errors.js';
import { definePath, genericName, type PathDef } from '../../sdk/framework/path.js';
import { field, type Fields } from '../../sdk/framework/fields.js';
import { rfc3339 } from '../../lib/clock.js';
import type { TransitContext } from './context.js';
import { decodeBase64 } from './encoding.js';
import { isKeyType } from './key-types.js';
import { Policy, type StoredPolicy } from './policy.js';

const FORMAT = 'ward-transit-backup-v1';

interface BackupBlob {
  format: string;
  policy: StoredPolicy;
}

function decodeBackup(raw: string): StoredPolicy {
  let blob: BackupBlob;
  try {
    blob = JSON.parse(decodeBase64(raw.trim(), 'backup').toString('utf8')) as BackupBlob;
  } catch (e) {
    if (e instanceof Error && 'status' in e) throw e;
    throw badRequest('invalid backup: not a transit key backup');
  }
  const s = blob?.policy;
  if (blob?.format !== FORMAT || typeof s !== 'object' || s === null || !isKeyType(String(s.type)) || typeof s.keys !== 'object' || !Number.isInteger(s.latest_version)) {
    throw badRequest('invalid backup: not a transit key backup');
  }
  try {
    new Policy(s);
  } catch {
    throw badRequest('invalid backup: key material could not be parsed');
  }
  return s;
}

export function backupPaths(ctx: TransitContext): PathDef<Fields>[] {
  const backup = definePath({
    pattern: `backup/${genericName('name')}`,
    fields: { name: field.string({ description: 'Name of the key.', required: true }) },
    synopsis: 'Back up a named key in plaintext.',
    operations: {
      async read(req, d) {
        const name = d.get('name');
        // As Vault, the backup is recorded on the key itself (backup_info on read) before it is taken.
        const p = await ctx.keyring.write(req.storage, name, async (cur) => {
          if (!cur) throw badRequest(`key "${name}" not found`);
          if (!cur.stored.exportable) throw badRequest('exporting is disallowed on the policy');
          if (!cur.stored.allow_plaintext_backup) throw badRequest('plaintext backup is disallowed on the policy');
          return { ...cur.stored, backup_info: { time: rfc3339(ctx.keyring.clock.now()), version: cur.stored.latest_version } };
        });
        if (!p) throw badRequest(`key "${name}" not found`);
        const blob: BackupBlob = { format: FORMAT, policy: { ...p.stored } };
        return { data: { backup: Buffer.from(JSON.stringify(blob), 'utf8').toString('base64') } };
      },
    },
  });

  const restore = definePath({
    pattern: `restore(?:/${genericName('name')})?`,
    fields: {
      name: field.string({ description: 'Name to restore under; the backed-up name when omitted.' }),
      backup: field.string({ description: 'The backup returned by backup/:name.', sensitive: true }),
      force: field.bool({ description: 'Overwrite an existing key of the same name.' }),
    },
    synopsis: 'Restore a named key from a backup.',
    operations: {
      async update(req, d) {
        if (d.get('backup') === '') throw badRequest("'backup' must be supplied");
        const stored = decodeBackup(d.get('backup'));
        const name = d.get('name') || stored.name;
        if (!/^\w(?:[\w.-]*\w)?$/.test(name)) throw badRequest('invalid key name');
        await ctx.keyring.write(req.storage, name, async (cur) => {
          if (cur && !d.get('force')) throw badRequest(`key "${name}" already exists`);
          return { ...stored, name, restore_info: { time: rfc3339(ctx.keyring.clock.now()), version: stored.latest_version } };
        });
        return null;
      },
    },
  });
  return [backup, restore];
}
