/**
 * Token tidy (runs in the background after `auth/token/tidy` answers 202): drops accessor
 * records whose token is gone, parent-index entries whose child is gone, and revokes
 * children whose parent vanished without cascading (an interrupted revocation).
 */
import { LoopSlice } from '../../lib/loop-slice.js';
import { yieldToLoop } from '../expiration/scheduler.js';
import type { StoreCore } from './store-core.js';
import { revokeTree } from './token-revoke.js';

export async function tidyTokens(core: StoreCore): Promise<void> {
  const { repo, deps } = core;
  let accessors = 0;
  let links = 0;
  let revoked = 0;
  // Tens of thousands of records answer from memory in one turn without it.
  const slice = new LoopSlice();
  for (const rec of await repo.accessorRecords()) {
    await slice.pause();
    if (!(await repo.get(rec.tokenKey))) {
      await repo.deleteAccessorRecord(rec.name);
      accessors++;
    }
  }
  await yieldToLoop();
  for (const parentKey of await repo.parentsWithChildren()) {
    const parentGone = (await repo.get(parentKey)) === null;
    for (const childKey of await repo.children(parentKey)) {
      await slice.pause();
      const child = await repo.get(childKey);
      if (!child) {
        await repo.removeChild(parentKey, childKey);
        links++;
      } else if (parentGone) {
        await revokeTree(core, child);
        await repo.removeChild(parentKey, childKey);
        revoked++;
      }
    }
    await yieldToLoop();
  }
  deps.logger.info('tokens: tidy finished', { accessors, links, revoked });
}
