/**
 * `delete/<path>`, `undelete/<path>` and `destroy/<path>`: act on a list of versions.
 * Delete and undelete only move `deletion_time`; destroy also removes the version's data
 * for good. Versions that do not exist (never written, or purged) are skipped silently.
 */
import { badRequest } from '../../../sdk/errors.js';
import { definePath, type PathDef } from '../../../sdk/framework/path.js';
import { field } from '../../../sdk/framework/fields.js';
import { transact, type StorageOp } from '../../../sdk/storage.js';
import { rfc3339 } from '../../../lib/clock.js';
import { kvEvent, secretPath, type KvContext } from './context.js';
import { findVersion, MAX_TX_OPS, metadataPut, readMetadataForUpdate, setVersion, versionDelete, versionEntry, type VersionMetadata } from './layout.js';
import { isDeleted } from './versions.js';

const fields = {
  path: field.string({ description: 'Location of the secret.' }),
  versions: field.commaIntSlice({ description: 'The versions to act on.' }),
};

/**
 * Applied to each listed version that exists: the replacement entry, or null when nothing
 * changes; `destroy` also removes the version's data, in the same transaction as the metadata.
 */
type VersionAction = (vm: Readonly<VersionMetadata>, nowMs: number) => { entry: VersionMetadata; destroy?: true } | null;

function versionsPath(ctx: KvContext, verb: string, synopsis: string, action: VersionAction) {
  return definePath({
    pattern: `${verb}/(?<path>.+)`,
    fields,
    synopsis,
    operations: {
      async update(req, d) {
        const path = secretPath(d.get('path'));
        const versions = d.get('versions');
        if (versions.length === 0) throw badRequest('no version number provided');
        const applied = await ctx.locks.run(path, async () => {
          const meta = await readMetadataForUpdate(req.storage, path);
          if (meta === null) return false;
          const now = ctx.clock.now();
          let changed = false;
          const ops: StorageOp[] = [];
          for (const v of new Set(versions)) {
            const vm = findVersion(meta, v);
            const updated = vm === undefined ? null : action(vm, now);
            if (updated === null) continue;
            if (updated.destroy) ops.push(versionDelete(path, v));
            setVersion(meta, versionEntry(v, updated.entry));
            changed = true;
          }
          if (!changed) return false;
          // Destroying many versions at once: the data first, the metadata with the last ones.
          ops.push(metadataPut(path, meta));
          for (let i = 0; i < ops.length; i += MAX_TX_OPS) await transact(req.storage, ops.slice(i, i + MAX_TX_OPS));
          return true;
        });
        // Only an undelete leaves data to read at data/<path>.
        if (applied) kvEvent(ctx, verb, `${verb}/${path}`, verb === 'undelete' ? `data/${path}` : null);
        return null;
      },
    },
  });
}

export function versionOpsPaths(ctx: KvContext): PathDef<typeof fields>[] {
  return [
    versionsPath(ctx, 'delete', 'Soft-delete versions of a secret.', (vm, now) => {
      if (vm.destroyed || isDeleted(vm, now)) return null;
      return { entry: { ...vm, deletion_time: rfc3339(now) } };
    }),
    versionsPath(ctx, 'undelete', 'Restore soft-deleted versions of a secret.', (vm) => {
      if (vm.destroyed || vm.deletion_time === '') return null;
      return { entry: { ...vm, deletion_time: '' } };
    }),
    versionsPath(ctx, 'destroy', 'Permanently remove the data of versions of a secret.', (vm) => {
      if (vm.destroyed) return null;
      return { entry: { ...vm, destroyed: true }, destroy: true };
    }),
  ];
}
