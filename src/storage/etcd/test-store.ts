/** Opening etcd stores in tests: short TTLs, a fresh prefix per store unless one is given. */
import { ETCD_MAX_REQUEST_BYTES, type EtcdOptions, type StoreLogger } from './client-options.js';
import type { EtcdPhysical } from './etcd-physical.js';
import { openEtcdStore } from './open.js';

let seq = 0;

/** A prefix no other store in this process uses. */
export function freshPath(): string {
  return `/ward-test-${process.pid}-${seq++}/`;
}

export function testOptions(address: string, o: Partial<EtcdOptions> = {}): EtcdOptions {
  return {
    endpoints: address.split(','),
    path: freshPath(),
    haEnabled: false,
    sync: false,
    lockTtlSeconds: 2,
    requestTimeoutMs: 5000,
    maxRequestBytes: ETCD_MAX_REQUEST_BYTES,
    ...o,
  };
}

export function openTestStore(address: string, o: Partial<EtcdOptions> = {}, logger?: StoreLogger): Promise<EtcdPhysical> {
  return openEtcdStore(testOptions(address, o), logger ? { logger } : {});
}
