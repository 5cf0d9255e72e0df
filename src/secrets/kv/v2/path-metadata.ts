/**
 * `metadata/<path>`: list secrets, read a secret's metadata and version history, set
 * its per-key settings (POST replaces supplied fields, PATCH merges custom_metadata),
 * and delete the secret with every version.
 */
import { badRequest, notFound } from '../../../sdk/errors.js';
import { definePath } from '../../../sdk/framework/path.js';
import { field } from '../../../sdk/framework/fields.js';
import type { FieldData } from '../../../sdk/framework/field-data.js';
import type { Frozen, Storage } from '../../../sdk/storage.js';
import { formatDuration } from '../../../lib/duration.js';
import { rfc3339 } from '../../../lib/clock.js';
import { kvEvent, secretPath, type KvContext } from './context.js';
import { parseCustomMetadata, patchCustomMetadata } from './custom-metadata.js';
import { deleteSecret, findVersion, METADATA_PREFIX, readMetadata, readMetadataForUpdate, versionsMap, writeMetadata, type KeyMetadata } from './layout.js';
import { emptyMetadata, isDeleted } from './versions.js';

const fields = {
  path: field.string({ description: 'Location of the secret, or a folder to list.' }),
  max_versions: field.int({ description: 'Versions to keep; 0 uses the mount setting.' }),
  cas_required: field.bool({ description: 'Require check-and-set on writes to this secret.' }),
  delete_version_after: field.durationSecond({ description: 'Schedule deletion of new versions this long after they are written.' }),
  custom_metadata: field.raw({ description: 'Arbitrary string→string map kept with the secret.' }),
  exclude_deleted: field.bool({ description: 'When listing, leave out secrets whose current version is deleted or destroyed.' }),
};

type MetadataFields = typeof fields;

/** The wire shape of a metadata read. */
export function metadataView(meta: Frozen<KeyMetadata>): Record<string, unknown> {
  return {
    cas_required: meta.cas_required,
    created_time: meta.created_time,
    current_version: meta.current_version,
    custom_metadata: meta.custom_metadata,
    delete_version_after: formatDuration(meta.delete_version_after),
    max_versions: meta.max_versions,
    oldest_version: meta.oldest_version,
    updated_time: meta.updated_time,
    versions: versionsMap(meta),
  };
}

/** Copies the supplied settings onto `meta`; custom_metadata is replaced or merged. */
function applySettings(meta: KeyMetadata, d: FieldData<MetadataFields>, mergeCustom: boolean): void {
  const max = d.opt('max_versions');
  if (max !== undefined) {
    if (max < 0) throw badRequest('max_versions must not be negative');
    meta.max_versions = max;
  }
  const cas = d.opt('cas_required');
  if (cas !== undefined) meta.cas_required = cas;
  const dva = d.opt('delete_version_after');
  if (dva !== undefined) meta.delete_version_after = dva;
  if (d.has('custom_metadata')) {
    const raw = d.get('custom_metadata');
    meta.custom_metadata = mergeCustom ? patchCustomMetadata(meta.custom_metadata, raw) : parseCustomMetadata(raw);
  }
}

async function isLiveSecret(s: Storage, path: string, nowMs: number): Promise<boolean> {
  const meta = await readMetadata(s, path);
  const vm = meta === null ? undefined : findVersion(meta, meta.current_version);
  return vm !== undefined && !isDeleted(vm, nowMs);
}

export function metadataPath(ctx: KvContext) {
  return definePath({
    pattern: 'metadata/(?<path>.*)',
    fields,
    synopsis: "List secrets and manage a secret's metadata and settings.",
    // The shared record: no copy of the stored bytes, and the write that follows reuses it.
    existenceCheck: async (req, d) => (await readMetadata(req.storage, d.get('path'))) !== null,
    operations: {
      async list(req, d) {
        let prefix = d.get('path');
        if (prefix !== '' && !prefix.endsWith('/')) prefix += '/';
        let keys = await req.storage.list(METADATA_PREFIX + prefix);
        if (d.get('exclude_deleted')) {
          const now = ctx.clock.now();
          const live: string[] = [];
          for (const k of keys) if (k.endsWith('/') || (await isLiveSecret(req.storage, prefix + k, now))) live.push(k);
          keys = live;
        }
        return { data: { keys } };
      },

      async read(req, d) {
        const meta = await readMetadata(req.storage, secretPath(d.get('path')));
        return meta === null ? null : { data: metadataView(meta) };
      },

      async update(req, d) {
        const path = secretPath(d.get('path'), true);
        await ctx.locks.run(path, async () => {
          const nowIso = rfc3339(ctx.clock.now());
          const meta = (await readMetadataForUpdate(req.storage, path)) ?? emptyMetadata(nowIso);
          applySettings(meta, d, false);
          meta.updated_time = nowIso;
          await writeMetadata(req.storage, path, meta);
        });
        kvEvent(ctx, 'metadata-write', `metadata/${path}`, `data/${path}`);
        return null;
      },

      async patch(req, d) {
        const path = secretPath(d.get('path'), true);
        await ctx.locks.run(path, async () => {
          const meta = await readMetadataForUpdate(req.storage, path);
          if (meta === null) throw notFound();
          applySettings(meta, d, true);
          meta.updated_time = rfc3339(ctx.clock.now());
          await writeMetadata(req.storage, path, meta);
        });
        kvEvent(ctx, 'metadata-patch', `metadata/${path}`, `data/${path}`);
        return null;
      },

      async delete(req, d) {
        const path = secretPath(d.get('path'));
        const existed = await ctx.locks.run(path, async () => {
          const meta = await readMetadata(req.storage, path);
          if (meta !== null) await deleteSecret(req.storage, path, meta);
          return meta !== null;
        });
        if (existed) kvEvent(ctx, 'metadata-delete', `metadata/${path}`, null);
        return null;
      },
    },
  });
}
