/** `storage "etcd" { … }`: Vault's keys for its etcd (v3) backend. */
import type { Block, Locator } from '../config.js';
import type { PhysicalBackend } from '../../storage/physical.js';

export interface EtcdStorageConfig {
  type: 'etcd';
  haEnabled: boolean;
}

export function parseEtcd(_b: Block, loc: Locator, at: number): EtcdStorageConfig {
  throw loc.error('storage "etcd" is not implemented yet', undefined, at);
}

/** Opens the store (the driver is imported here, only when this engine is configured). */
export async function openEtcd(_config: EtcdStorageConfig): Promise<PhysicalBackend> {
  throw new Error('storage "etcd" is not implemented yet');
}
