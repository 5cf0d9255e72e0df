/**
 * What a `storage "type" { … }` (or `ha_storage`) stanza parses to, one variant per
 * engine. Each engine's keys are parsed in its own file beside this one.
 */
import type { EtcdStorageConfig } from './etcd.js';
import type { PostgresqlStorageConfig } from './postgresql.js';

export type StorageConfig = { type: 'sqlite'; path: string } | { type: 'inmem' } | PostgresqlStorageConfig | EtcdStorageConfig;
