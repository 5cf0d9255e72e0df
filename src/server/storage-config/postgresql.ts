/** `storage "postgresql" { … }`: Vault's keys for its PostgreSQL backend. */
import type { Block, Locator } from '../config.js';
import type { PhysicalBackend } from '../../storage/physical.js';

export interface PostgresqlStorageConfig {
  type: 'postgresql';
  haEnabled: boolean;
}

export function parsePostgresql(_b: Block, loc: Locator, at: number): PostgresqlStorageConfig {
  throw loc.error('storage "postgresql" is not implemented yet', undefined, at);
}

/** Opens the store (the driver is imported here, only when this engine is configured). */
export async function openPostgresql(_config: PostgresqlStorageConfig): Promise<PhysicalBackend> {
  throw new Error('storage "postgresql" is not implemented yet');
}
