/** `sys/version-history` (LIST): the versions this store was unsealed with, oldest first, as Vault. */
import type { Fields } from '../../sdk/framework/fields.js';
import { definePath, type PathDef } from '../../sdk/framework/path.js';
import type { Storage } from '../../sdk/storage.js';
import { readVersions, versionHistoryAnswer } from '../versions/history.js';

export function versionHistoryPaths(barrier: Storage): PathDef<Fields>[] {
  return [
    definePath({
      pattern: 'version-history/?',
      fields: {},
      synopsis: 'Versions of Ward this store has run, with when each was first unsealed.',
      operations: { list: async () => ({ data: versionHistoryAnswer(await readVersions(barrier)) }) },
    }),
  ];
}
