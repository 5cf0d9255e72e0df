/**
 * The Ward calls of a VaultDynamicSecret: the credential request (`<mount>/<path>` with the
 * spec's method and params), lease renewal and revocation (`sys/leases/renew`,
 * `sys/leases/revoke`, as VSO; the VaultAuth's policy must allow them). A refusal (4xx) is an
 * answer, not a failure: the caller issues new credentials or gives up on a revocation; a
 * network failure or 5xx is thrown and retried with backoff.
 */
import { ApiError, type ApiResponse } from '../../api/index.js';
import type { WardSession } from './clients.js';
import type { SecretLease } from './dynamic-plan.js';
import type { DynamicSecretSpec } from './spec-dynamic.js';

export interface Issued {
  /** The answer's `data` (one Secret key per field). */
  data: Record<string, unknown>;
  lease: SecretLease;
}

export const refused = (e: unknown): e is ApiError => e instanceof ApiError && e.status >= 400 && e.status < 500;

export async function issueCredentials(s: WardSession, spec: DynamicSecretSpec): Promise<Issued> {
  const path = `${spec.mount}/${spec.path}`;
  let res: ApiResponse;
  // POST and PUT are the same write to Ward (and to Vault); VSO sends both as a write.
  if (spec.requestHTTPMethod === 'GET') res = await s.get(path, undefined, spec.namespace);
  else res = await s.write(path, spec.params, spec.namespace);
  const b = res.body;
  const data = b?.data;
  if (!data || typeof data !== 'object' || Array.isArray(data)) throw new Error(`${path}: Ward returned no data`);
  return {
    data: data as Record<string, unknown>,
    lease: {
      id: typeof b.lease_id === 'string' ? b.lease_id : '',
      duration: typeof b.lease_duration === 'number' ? b.lease_duration : 0,
      renewable: b.renewable === true,
      requestID: typeof b.request_id === 'string' ? b.request_id : '',
    },
  };
}

export type RenewAnswer = { duration: number; renewable: boolean } | { refusal: string };

/** Asks for another `lease.duration` seconds: the duration granted, or why Ward refused. */
export async function renewLease(s: WardSession, lease: SecretLease, namespace: string | undefined): Promise<RenewAnswer> {
  try {
    const res = await s.write('sys/leases/renew', { lease_id: lease.id, increment: lease.duration }, namespace);
    const d = res.body?.lease_duration;
    return { duration: typeof d === 'number' ? d : 0, renewable: res.body?.renewable === true };
  } catch (e) {
    if (refused(e)) return { refusal: e.message };
    throw e;
  }
}

export async function revokeLease(s: WardSession, leaseId: string, namespace: string | undefined): Promise<void> {
  await s.write('sys/leases/revoke', { lease_id: leaseId }, namespace);
}
