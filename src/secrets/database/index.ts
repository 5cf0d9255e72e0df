/**
 * The `database` secrets engine: dynamic PostgreSQL users under leases (`creds/<role>`),
 * static users whose passwords Ward rotates, and root-credential rotation. Each mount keeps
 * one connection pool per configured connection and one rotation timer; `cleanup()`
 * releases both.
 */
import { defineBackend } from '../../sdk/framework/backend.js';
import type { Backend, BackendFactory } from '../../sdk/logical.js';
import { Connections } from './connections.js';
import type { DbContext } from './context.js';
import { CREDS_SECRET_TYPE, credsPath, credsSecretType } from './path-creds.js';
import { configPaths } from './path-config.js';
import { rolePaths } from './path-roles.js';
import { staticPaths } from './path-static.js';
import { StaticRotator } from './rotation.js';

export const databaseFactory: BackendFactory = async (config): Promise<Backend> => {
  const conns = new Connections(config.logger);
  let rotator: StaticRotator | null = null;
  const ctx: DbContext = {
    conns,
    system: config.system,
    logger: config.logger,
    rescheduleRotations: () => rotator?.reschedule(),
  };
  rotator = new StaticRotator(ctx, config.storage);
  const backend = defineBackend({
    type: 'database',
    kind: 'secret',
    paths: [...configPaths(ctx), ...rolePaths(), credsPath(ctx), ...staticPaths(ctx, rotator)],
    secretTypes: { [CREDS_SECRET_TYPE]: credsSecretType(ctx) },
    async cleanup() {
      rotator?.stop();
      await conns.closeAll();
    },
    help: 'The database secrets engine issues PostgreSQL credentials: dynamic users under leases and rotated static users.',
  });
  // Static roles stored before a restart or remount pick up their schedule here. A read-only
  // copy (a performance standby) never rotates: it would change the password in the database
  // and then fail to store it; the active node's copy does the rotations.
  if (config.system.readOnly?.() === true) rotator.stop();
  else rotator.reschedule();
  return backend;
};
