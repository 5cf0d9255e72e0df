/**
 * Opens the PhysicalBackend a parsed storage stanza describes. Engines that need a network
 * connection are imported only when configured, so a SQLite server never loads their drivers.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { InmemPhysical } from '../storage/inmem/inmem-physical.js';
import type { PhysicalBackend } from '../storage/physical.js';
import { SqlitePhysical } from '../storage/sqlite/sqlite-physical.js';
import type { StorageConfig } from './storage-config/index.js';
import { openEtcd } from './storage-config/etcd.js';
import { openPostgresql } from './storage-config/postgresql.js';

import type { ServerLogger } from './logger.js';

export interface OpenStorageOptions {
  /** Where a networked engine logs why it cannot connect yet, while it retries. */
  logger?: ServerLogger;
  /** Stops those retries (shutdown before the engine ever answered). */
  signal?: AbortSignal;
}

export async function openStorage(config: StorageConfig, o: OpenStorageOptions = {}): Promise<PhysicalBackend> {
  const engine = (name: string): { logger?: ServerLogger; signal?: AbortSignal } => ({
    ...(o.logger ? { logger: o.logger.child(`storage.${name}`) } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
  });
  switch (config.type) {
    case 'sqlite': {
      // SQLite creates the file, not its directory; a first-time user (./data in a laptop
      // config) gets the path and the fix rather than the driver's bare message.
      const dir = resolve(dirname(config.path));
      if (!existsSync(dir)) throw new Error(`storage "sqlite": the directory ${dir} of path "${config.path}" does not exist; create it (mkdir -p ${dir}) or change path`);
      return SqlitePhysical.open(config.path);
    }
    case 'inmem':
      return new InmemPhysical();
    case 'postgresql':
      return openPostgresql(config, engine('postgresql'));
    case 'etcd':
      return openEtcd(config, engine('etcd'));
  }
}
