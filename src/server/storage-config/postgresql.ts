/** `storage "postgresql" { … }`: Vault's keys for its PostgreSQL backend. */
import type { Block, Locator } from '../config.js';

export interface PostgresqlStorageConfig {
  type: 'postgresql';
  haEnabled: boolean;
}

export function parsePostgresql(_b: Block, loc: Locator, at: number): PostgresqlStorageConfig {
  throw loc.error('storage "postgresql" is not implemented yet', undefined, at);
}
