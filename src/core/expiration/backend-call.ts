/** Builds the LogicalRequest and LeaseView a backend's secret type sees on renew/revoke. */
import { uuid } from '../../lib/ids.js';
import type { LeaseView, LogicalRequest, Operation, SecretType } from '../../sdk/logical.js';
import type { ResolvedMount, SecretLeaseRecord } from './types.js';

/** The lease path relative to its mount (`database/creds/ro` → `creds/ro`). */
export function relativePath(fullPath: string, mountPoint: string): string {
  const mp = mountPoint.endsWith('/') ? mountPoint : `${mountPoint}/`;
  return fullPath.startsWith(mp) ? fullPath.slice(mp.length) : fullPath;
}

export function backendRequest(mount: ResolvedMount, rec: SecretLeaseRecord, operation: Operation): LogicalRequest {
  return {
    id: uuid(),
    operation,
    path: relativePath(rec.path, mount.mountPoint),
    data: {},
    storage: mount.storage,
    mountPoint: mount.mountPoint,
    mountType: mount.mountType,
    mountAccessor: mount.mountAccessor,
    clientToken: '',
    caller: null,
    connection: { remoteAddress: '', remotePort: 0 },
    headers: {},
    wrapTtl: 0,
  };
}

export function leaseView(rec: SecretLeaseRecord, increment: number): LeaseView {
  return {
    leaseId: rec.leaseId,
    path: rec.path,
    issueTime: rec.issueTime,
    expireTime: rec.expireTime,
    lastRenewalTime: rec.lastRenewalTime,
    ttl: rec.ttl,
    maxTtl: rec.maxTtl,
    renewable: rec.renewable,
    increment,
    internalData: rec.internalData,
  };
}

export function secretTypeOf(mount: ResolvedMount, rec: SecretLeaseRecord): SecretType | undefined {
  return Object.hasOwn(mount.backend.secretTypes, rec.secretType) ? mount.backend.secretTypes[rec.secretType] : undefined;
}
