import type { CoreResult } from './api-types.js';

/**
 * Vault's JSON response envelope, every key present. The one builder for it: http/
 * renders it, and response wrapping stores it as the wrapped payload.
 */
export function buildEnvelope(r: CoreResult): Record<string, unknown> {
  const res = r.response;
  const warnings = res?.warnings && res.warnings.length > 0 ? res.warnings : null;
  if (r.wrapInfo) {
    // A wrapped response reveals nothing but the wrapping token's details.
    return { request_id: '', lease_id: '', renewable: false, lease_duration: 0, data: null, wrap_info: r.wrapInfo, warnings, auth: null, mount_type: r.mountType };
  }
  return {
    request_id: r.requestId,
    lease_id: r.leaseId,
    renewable: r.renewable,
    lease_duration: r.leaseId === '' && res?.ttlHint !== undefined ? res.ttlHint : r.leaseDuration,
    data: res?.data ?? null,
    wrap_info: null,
    warnings,
    auth: r.auth,
    mount_type: r.mountType,
  };
}
