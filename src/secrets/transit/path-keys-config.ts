/**
 * `keys/:name/config`, `keys/:name/rotate` and `keys/:name/trim`: the writes that
 * change an existing key. Each runs under the key's write lock.
 */
import { badRequest } from '../../sdk/errors.js';
import type { FieldData } from '../../sdk/framework/field-data.js';
import { definePath, genericName, type PathDef } from '../../sdk/framework/path.js';
import { field, type Fields } from '../../sdk/framework/fields.js';
import type { LogicalResponse } from '../../sdk/logical.js';
import type { Storage } from '../../sdk/storage.js';
import type { TransitContext } from './context.js';
import { checkAutoRotatePeriod } from './path-keys.js';
import { keyInfo, rotated, type Policy, type StoredPolicy } from './policy.js';

const notFound = (name: string) => badRequest(`no existing key named ${name} could be found`);

function answer(p: Policy | null): LogicalResponse {
  if (!p) throw badRequest('key disappeared during the update');
  return { data: keyInfo(p) };
}

const configFields = {
  name: field.string({ description: 'Name of the key.', required: true }),
  min_decryption_version: field.int({ description: 'Oldest version that may decrypt, verify or rewrap.' }),
  min_encryption_version: field.int({ description: 'Oldest version that may encrypt or sign; 0 means latest only by default.' }),
  deletion_allowed: field.bool({ description: 'Whether the key may be deleted.' }),
  exportable: field.bool({ description: 'Enable export of the key (one-way).' }),
  allow_plaintext_backup: field.bool({ description: 'Enable plaintext backup of the key (one-way).' }),
  auto_rotate_period: field.durationSecond({ description: 'Rotation period; 0 disables.' }),
};

/** Applies a config request to a copy of `s`, validating against the key's versions. */
function configured(s: Readonly<StoredPolicy>, d: FieldData<typeof configFields>): StoredPolicy {
  const next: StoredPolicy = { ...s };
  const minDec = d.opt('min_decryption_version');
  if (minDec !== undefined) {
    if (minDec < 0) throw badRequest('min decryption version cannot be negative');
    const v = minDec === 0 ? 1 : minDec;
    if (v > s.latest_version) throw badRequest(`cannot set min decryption version of ${v}, latest key version is ${s.latest_version}`);
    if (v < s.min_available_version) throw badRequest(`cannot set min decryption version below the min available version ${s.min_available_version}`);
    next.min_decryption_version = v;
  }
  const minEnc = d.opt('min_encryption_version');
  if (minEnc !== undefined) {
    if (minEnc < 0) throw badRequest('min encryption version cannot be negative');
    if (minEnc > s.latest_version) throw badRequest(`cannot set min encryption version of ${minEnc}, latest key version is ${s.latest_version}`);
    next.min_encryption_version = minEnc;
  }
  if (next.min_encryption_version !== 0 && next.min_encryption_version < next.min_decryption_version) {
    throw badRequest('min encryption version should not be less than min decryption version');
  }
  const deletion = d.opt('deletion_allowed');
  if (deletion !== undefined) next.deletion_allowed = deletion;
  const exportable = d.opt('exportable');
  if (exportable !== undefined) {
    if (s.exportable && !exportable) throw badRequest('export cannot be disabled on a key that already has it enabled');
    next.exportable = exportable;
  }
  const backup = d.opt('allow_plaintext_backup');
  if (backup !== undefined) {
    if (s.allow_plaintext_backup && !backup) throw badRequest('plaintext backup cannot be disabled on a key that already has it enabled');
    next.allow_plaintext_backup = backup;
  }
  const period = d.opt('auto_rotate_period');
  if (period !== undefined) {
    checkAutoRotatePeriod(period);
    next.auto_rotate_period = period;
  }
  return next;
}

const trimFields = {
  name: field.string({ description: 'Name of the key.', required: true }),
  min_available_version: field.int({ description: 'Versions below this are deleted permanently.', required: true }),
};

function trimmed(s: Readonly<StoredPolicy>, min: number): StoredPolicy {
  if (min < 1) throw badRequest('minimum available version should be positive');
  if (min > s.min_decryption_version) throw badRequest('minimum available version should not be greater than minimum decryption version');
  if (s.min_encryption_version > 0 && min > s.min_encryption_version) {
    throw badRequest('minimum available version should not be greater than minimum encryption version');
  }
  if (min < s.min_available_version) throw badRequest('minimum available version should not be less than the current minimum available version');
  const keys: StoredPolicy['keys'] = {};
  for (const [n, v] of Object.entries(s.keys)) if (Number(n) >= min) keys[n] = v;
  return { ...s, keys, min_available_version: min };
}

export function keyConfigPaths(ctx: TransitContext): PathDef<Fields>[] {
  const name = genericName('name');
  /** Applies `change` to an existing key under its write lock and answers with the key info. */
  const changeExisting = async (storage: Storage, keyName: string, change: (cur: Policy) => StoredPolicy | Promise<StoredPolicy>) =>
    answer(
      await ctx.keyring.write(storage, keyName, async (cur) => {
        if (!cur) throw notFound(keyName);
        return change(cur);
      }),
    );
  const config = definePath({
    pattern: `keys/${name}/config`,
    fields: configFields,
    synopsis: 'Configure a named key.',
    operations: {
      async update(req, d) {
        return changeExisting(req.storage, d.get('name'), (cur) => configured(cur.stored, d));
      },
    },
  });

  const rotate = definePath({
    pattern: `keys/${name}/rotate`,
    fields: { name: field.string({ description: 'Name of the key.', required: true }) },
    synopsis: 'Add a new version to a named key.',
    operations: {
      async update(req, d) {
        return changeExisting(req.storage, d.get('name'), (cur) => rotated(cur.stored, ctx.keyring.clock.now()));
      },
    },
  });

  const trim = definePath({
    pattern: `keys/${name}/trim`,
    fields: trimFields,
    synopsis: 'Permanently delete versions older than min_available_version.',
    operations: {
      async update(req, d) {
        return changeExisting(req.storage, d.get('name'), (cur) => trimmed(cur.stored, d.get('min_available_version')));
      },
    },
  });
  return [config, rotate, trim];
}
