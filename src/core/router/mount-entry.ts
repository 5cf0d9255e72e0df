import type { UserLockoutConfig } from '../../sdk/logical.js';

/**
 * A mount-table row: one backend instance at one path. Persisted (in the barrier) at
 * `core/mounts` for secrets engines and `core/auth` for auth methods.
 */
export interface MountConfig {
  defaultLeaseTtl: number;
  maxLeaseTtl: number;
  forceNoCache: boolean;
  auditNonHmacRequestKeys: string[];
  auditNonHmacResponseKeys: string[];
  listingVisibility: string;
  passthroughRequestHeaders: string[];
  allowedResponseHeaders: string[];
  tokenType?: string;
  /** Auth mounts: tune's `user_lockout_config`. */
  userLockout?: UserLockoutConfig;
}

export interface MountEntry {
  /** Path with a trailing "/": `secret/`; auth mounts without the `auth/` prefix: `approle/`. */
  path: string;
  table: 'mounts' | 'auth';
  type: string;
  description: string;
  uuid: string;
  accessor: string;
  local: boolean;
  sealWrap: boolean;
  externalEntropyAccess: boolean;
  options: Record<string, string> | null;
  config: MountConfig;
  runningVersion: string;
}

export function defaultMountConfig(): MountConfig {
  return {
    defaultLeaseTtl: 0,
    maxLeaseTtl: 0,
    forceNoCache: false,
    auditNonHmacRequestKeys: [],
    auditNonHmacResponseKeys: [],
    listingVisibility: '',
    passthroughRequestHeaders: [],
    allowedResponseHeaders: [],
  };
}

/** The routed prefix: `secret/` or `auth/approle/`. */
export const routePath = (e: MountEntry): string => (e.table === 'auth' ? `auth/${e.path}` : e.path);

/** The storage view prefix inside the barrier. */
export const viewPrefix = (e: MountEntry): string => {
  if (e.type === 'system') return 'sys/';
  if (e.type === 'token') return 'sys/token/';
  return e.table === 'auth' ? `auth/${e.uuid}/` : `logical/${e.uuid}/`;
};

/** The mount-info object of `sys/mounts` / `sys/auth` responses. */
export function mountInfo(e: MountEntry): Record<string, unknown> {
  return {
    type: e.type,
    description: e.description,
    accessor: e.accessor,
    uuid: e.uuid,
    local: e.local,
    seal_wrap: e.sealWrap,
    external_entropy_access: e.externalEntropyAccess,
    options: e.options,
    plugin_version: '',
    running_plugin_version: e.runningVersion,
    running_sha256: '',
    deprecation_status: 'supported',
    config: {
      default_lease_ttl: e.config.defaultLeaseTtl,
      max_lease_ttl: e.config.maxLeaseTtl,
      force_no_cache: e.config.forceNoCache,
      ...(e.config.auditNonHmacRequestKeys.length ? { audit_non_hmac_request_keys: e.config.auditNonHmacRequestKeys } : {}),
      ...(e.config.auditNonHmacResponseKeys.length ? { audit_non_hmac_response_keys: e.config.auditNonHmacResponseKeys } : {}),
      ...(e.config.listingVisibility ? { listing_visibility: e.config.listingVisibility } : {}),
      ...(e.config.passthroughRequestHeaders.length ? { passthrough_request_headers: e.config.passthroughRequestHeaders } : {}),
      ...(e.config.allowedResponseHeaders.length ? { allowed_response_headers: e.config.allowedResponseHeaders } : {}),
      ...(e.table === 'auth' ? { token_type: e.config.tokenType ?? 'default-service' } : {}),
      ...(e.config.userLockout ? { user_lockout_config: userLockoutView(e.config.userLockout) } : {}),
    },
  };
}

/** `user_lockout_config` as tune reads and mount listings show it (durations in seconds). */
export function userLockoutView(c: UserLockoutConfig): Record<string, unknown> {
  return {
    ...(c.threshold !== undefined ? { lockout_threshold: c.threshold } : {}),
    ...(c.durationSec !== undefined ? { lockout_duration: c.durationSec } : {}),
    ...(c.counterResetSec !== undefined ? { lockout_counter_reset: c.counterResetSec } : {}),
    ...(c.disabled !== undefined ? { lockout_disable: c.disabled } : {}),
  };
}
