/**
 * `tidy/secret-id`: removes expired SecretIDs, SecretIDs whose role is gone and accessor
 * entries pointing nowhere. Runs in the background (202), one run at a time.
 */
import type { Clock } from '../../lib/clock.js';
import type { Fields } from '../../sdk/framework/fields.js';
import { definePath, type PathDef } from '../../sdk/framework/path.js';
import type { Logger } from '../../sdk/logical.js';
import type { AppRoleStore } from './store.js';

export const TIDY_STARTED = "Tidy operation successfully started. Any information from the operation will be printed to Ward's server logs.";

/** One full pass; returns how many SecretIDs and accessors it removed. */
export async function tidySecretIds(store: AppRoleStore, clock: Clock): Promise<{ secretIds: number; accessors: number }> {
  let secretIds = 0;
  let accessors = 0;
  for (const roleName of await store.secretRoleNames()) {
    const roleExists = (await store.getRole(roleName)) !== null;
    for (const h of await store.secretHmacs(roleName)) {
      await store.mutex.run(`secret/${roleName}/${h}`, async () => {
        const e = await store.getSecret(roleName, h);
        if (!e) return;
        if (!roleExists || (e.expirationTime > 0 && clock.now() >= e.expirationTime)) {
          await store.deleteSecret(roleName, h, e.accessor);
          secretIds += 1;
        }
      });
    }
  }
  for (const accessor of await store.listAccessors()) {
    const a = await store.getAccessor(accessor);
    if (a && (await store.getSecret(a.roleName, a.secretIdHmac))?.accessor === accessor) continue;
    await store.deleteAccessor(accessor);
    accessors += 1;
  }
  return { secretIds, accessors };
}

export function tidyPaths(store: AppRoleStore, clock: Clock, logger: Logger): PathDef<Fields>[] {
  let running: Promise<void> | null = null;
  return [
    definePath({
      pattern: 'tidy/secret-id',
      fields: {},
      synopsis: 'Remove expired and dangling SecretIDs',
      operations: {
        update: async () => {
          if (running) return { status: 202, warnings: ['Tidy operation already in progress.'] };
          running = tidySecretIds(store, clock)
            .then((n) => logger.info('approle secret-id tidy finished', { removedSecretIds: n.secretIds, removedAccessors: n.accessors }))
            .catch((e: unknown) => logger.error('approle secret-id tidy failed', { error: e instanceof Error ? e.message : String(e) }))
            .finally(() => {
              running = null;
            });
          return { status: 202, warnings: [TIDY_STARTED] };
        },
      },
    }),
  ];
}
