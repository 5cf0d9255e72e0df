/** What the database engine's paths share: the pools, the mount's view of time-to-live, logging. */
import { badRequest, internalError } from '../../sdk/errors.js';
import type { Logger, SystemView } from '../../sdk/logical.js';
import type { Storage } from '../../sdk/storage.js';
import type pg from 'pg';
import { dbError, type Connections } from './connections.js';
import { scramSha256Verifier } from './password.js';
import { getConfig, type DbConfig } from './store.js';

export interface DbContext {
  conns: Connections;
  system: SystemView;
  logger: Logger;
  /** Re-reads static roles and re-arms the rotation timer (after a static-role change). */
  rescheduleRotations(): void;
}

export interface OpenConnection {
  name: string;
  config: DbConfig;
  pool: pg.Pool;
  /** Maps a failure of work on this connection, scrubbing the root password and any extras. */
  fail(action: string, e: unknown, extraSecrets?: readonly string[]): Error;
}

/**
 * Loads connection `name` and its pool. `missing` picks the error for an unknown name:
 * 400 for operator paths (reset, rotate-root), 500 where Vault reports it as an internal
 * failure (issuing or revoking credentials of a role pointing at a deleted connection).
 */
export async function openConnection(ctx: DbContext, storage: Storage, name: string, missing: 'badRequest' | 'internal'): Promise<OpenConnection> {
  const config = await getConfig(storage, name);
  if (!config) {
    const msg = `failed to find entry for connection with name: "${name}"`;
    throw missing === 'badRequest' ? badRequest(msg) : internalError(msg);
  }
  return {
    name,
    config,
    pool: ctx.conns.pool(name, config),
    fail: (action, e, extra = []) => dbError(name, action, e, [config.password, ...extra]),
  };
}

/** The TTL a fresh credential gets: the role's, else the mount default, capped by the max. */
export function effectiveTtl(ctx: DbContext, roleTtl: number, roleMax: number): { ttl: number; max: number } {
  const max = roleMax > 0 ? Math.min(roleMax, ctx.system.maxLeaseTtl() || roleMax) : ctx.system.maxLeaseTtl();
  let ttl = roleTtl > 0 ? roleTtl : ctx.system.defaultLeaseTtl();
  if (max > 0 && (ttl <= 0 || ttl > max)) ttl = max;
  return { ttl, max };
}

/** The password as statements should see it: plaintext, or a SCRAM verifier when configured. */
export async function statementPassword(config: DbConfig, password: string): Promise<string> {
  return config.password_authentication === 'scram-sha-256' ? scramSha256Verifier(password) : password;
}
