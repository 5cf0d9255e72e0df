/**
 * Opens the PhysicalBackend a parsed storage stanza describes. Engines that need a network
 * connection are imported only when configured, so a SQLite server never loads their drivers.
 */
import { InmemPhysical } from '../storage/inmem/inmem-physical.js';
import type { PhysicalBackend } from '../storage/physical.js';
import { SqlitePhysical } from '../storage/sqlite/sqlite-physical.js';
import type { StorageConfig } from './storage-config/index.js';
import { openEtcd } from './storage-config/etcd.js';
import { openPostgresql } from './storage-config/postgresql.js';

export async function openStorage(config: StorageConfig): Promise<PhysicalBackend> {
  switch (config.type) {
    case 'sqlite':
      return SqlitePhysical.open(config.path);
    case 'inmem':
      return new InmemPhysical();
    case 'postgresql':
      return openPostgresql(config);
    case 'etcd':
      return openEtcd(config);
  }
}
