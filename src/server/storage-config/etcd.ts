/** `storage "etcd" { … }`: Vault's keys for its etcd (v3) backend. */
import type { Block, Locator } from '../config.js';

export interface EtcdStorageConfig {
  type: 'etcd';
  haEnabled: boolean;
}

export function parseEtcd(_b: Block, loc: Locator, at: number): EtcdStorageConfig {
  throw loc.error('storage "etcd" is not implemented yet', undefined, at);
}
