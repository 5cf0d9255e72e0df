import type { Fields } from '../../sdk/framework/fields.js';
import { definePath, type PathDef } from '../../sdk/framework/path.js';
import type { InternalResponse } from '../internal-response.js';

export interface SnapshotPathDeps {
  save(): Promise<AsyncIterable<Buffer>>;
  restore(body: AsyncIterable<Buffer> | undefined, force: boolean): Promise<void>;
}

/**
 * Snapshot paths, for every storage backend: `storage/snapshot` (GET saves, POST
 * restores) and `storage/snapshot-force` (POST restores another cluster's snapshot).
 * Vault has these only for raft, as `storage/raft/snapshot[-force]`; those names are
 * served too, so `vault operator raft snapshot save/restore` works against Ward.
 * The HTTP layer hands these paths the request body unread (see http/handler.ts).
 */
export const SNAPSHOT_PATHS = ['storage/snapshot', 'storage/snapshot-force', 'storage/raft/snapshot', 'storage/raft/snapshot-force'];

export function snapshotPaths(deps: SnapshotPathDeps): PathDef<Fields>[] {
  const save = async (): Promise<InternalResponse> => ({ stream: { contentType: 'application/octet-stream', body: await deps.save() } });
  return ['storage/snapshot', 'storage/raft/snapshot'].flatMap((base) => [
    definePath({
      pattern: base,
      fields: {},
      operations: {
        read: save,
        update: async (req) => {
          await deps.restore(req.body, false);
          return null;
        },
      },
    }),
    definePath({
      pattern: `${base}-force`,
      fields: {},
      operations: {
        update: async (req) => {
          await deps.restore(req.body, true);
          return null;
        },
      },
    }),
  ]);
}
