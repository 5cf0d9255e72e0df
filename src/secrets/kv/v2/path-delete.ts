/**
 * `delete/<path>`, `undelete/<path>` and `destroy/<path>`: act on a list of versions.
 * Delete and undelete only move `deletion_time`; destroy also removes the version's data
 * for good. Versions that do not exist (never written, or purged) are skipped silently.
 */
import { badRequest } from '../../../sdk/errors.js';
import { definePath, type PathDef } from '../../../sdk/framework/path.js';
import { field } from '../../../sdk/framework/fields.js';
import type { Storage } from '../../../sdk/storage.js';
import { rfc3339 } from '../../../lib/clock.js';
import { secretPath, type KvContext } from './context.js';
import { deleteVersionData, findVersion, readMetadataForUpdate, setVersion, versionEntry, writeMetadata, type VersionMetadata } from './layout.js';
import { isDeleted } from './versions.js';

const fields = {
  path: field.string({ description: 'Location of the secret.' }),
  versions: field.commaIntSlice({ description: 'The versions to act on.' }),
};

/** Applied to each listed version that exists: the replacement entry, or null when nothing changes. */
type VersionAction = (s: Storage, path: string, version: number, vm: Readonly<VersionMetadata>, nowMs: number) => Promise<VersionMetadata | null>;

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
        await ctx.locks.run(path, async () => {
          const meta = await readMetadataForUpdate(req.storage, path);
          if (meta === null) return;
          const now = ctx.clock.now();
          let changed = false;
          for (const v of new Set(versions)) {
            const vm = findVersion(meta, v);
            const updated = vm === undefined ? null : await action(req.storage, path, v, vm, now);
            if (updated === null) continue;
            setVersion(meta, versionEntry(v, updated));
            changed = true;
          }
          if (changed) await writeMetadata(req.storage, path, meta);
        });
        return null;
      },
    },
  });
}

export function versionOpsPaths(ctx: KvContext): PathDef<typeof fields>[] {
  return [
    versionsPath(ctx, 'delete', 'Soft-delete versions of a secret.', async (_s, _p, _v, vm, now) => {
      if (vm.destroyed || isDeleted(vm, now)) return null;
      return { ...vm, deletion_time: rfc3339(now) };
    }),
    versionsPath(ctx, 'undelete', 'Restore soft-deleted versions of a secret.', async (_s, _p, _v, vm) => {
      if (vm.destroyed || vm.deletion_time === '') return null;
      return { ...vm, deletion_time: '' };
    }),
    versionsPath(ctx, 'destroy', 'Permanently remove the data of versions of a secret.', async (s, path, v, vm) => {
      if (vm.destroyed) return null;
      await deleteVersionData(s, path, v);
      return { ...vm, destroyed: true };
    }),
  ];
}
