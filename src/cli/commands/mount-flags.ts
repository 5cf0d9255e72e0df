import type { JsonObject } from '../../api/index.js';
import type { Ctx } from '../command.js';
import type { FlagSpec } from '../flags.js';

/** Flags shared by `secrets enable|tune` and `auth enable|tune`. */
export const MOUNT_CONFIG_FLAGS: FlagSpec[] = [
  { name: 'description', kind: 'string', usage: 'Human-friendly description.' },
  { name: 'default-lease-ttl', kind: 'string', usage: 'Default lease TTL (duration; "" or 0 means the system default).' },
  { name: 'max-lease-ttl', kind: 'string', usage: 'Maximum lease TTL.' },
  { name: 'audit-non-hmac-request-keys', kind: 'strings', usage: 'Request keys not HMACed in audit logs; repeatable.' },
  { name: 'audit-non-hmac-response-keys', kind: 'strings', usage: 'Response keys not HMACed in audit logs; repeatable.' },
  { name: 'listing-visibility', kind: 'string', usage: '"unauth" or "hidden".' },
  { name: 'passthrough-request-headers', kind: 'strings', usage: 'Request headers passed to the backend; repeatable.' },
  { name: 'allowed-response-headers', kind: 'strings', usage: 'Response headers the backend may set; repeatable.' },
  { name: 'options', kind: 'map', usage: 'Mount option key=value; repeatable.' },
  { name: 'plugin-version', kind: 'string', usage: 'Plugin version to run.' },
];

/** Flags only meaningful when enabling. */
export const ENABLE_FLAGS: FlagSpec[] = [
  { name: 'path', kind: 'string', usage: 'Mount path; defaults to the type.' },
  { name: 'local', kind: 'bool', usage: 'Mark the mount local-only (not replicated).' },
  { name: 'seal-wrap', kind: 'bool', usage: 'Enable seal wrapping for the mount.' },
  { name: 'force-no-cache', kind: 'bool', usage: 'Disable caching for the mount.' },
];

const list = (ctx: Ctx, name: string): string[] => ctx.flags.list(name).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);

/** The tune-style config object from the flags that were given (`config` for enable, top level for tune). */
export function mountConfig(ctx: Ctx, tokenType = false): JsonObject {
  const f = ctx.flags;
  const c: JsonObject = {};
  if (f.has('default-lease-ttl')) c['default_lease_ttl'] = f.str('default-lease-ttl') ?? '';
  if (f.has('max-lease-ttl')) c['max_lease_ttl'] = f.str('max-lease-ttl') ?? '';
  if (f.has('audit-non-hmac-request-keys')) c['audit_non_hmac_request_keys'] = list(ctx, 'audit-non-hmac-request-keys');
  if (f.has('audit-non-hmac-response-keys')) c['audit_non_hmac_response_keys'] = list(ctx, 'audit-non-hmac-response-keys');
  if (f.has('listing-visibility')) c['listing_visibility'] = f.str('listing-visibility') ?? '';
  if (f.has('passthrough-request-headers')) c['passthrough_request_headers'] = list(ctx, 'passthrough-request-headers');
  if (f.has('allowed-response-headers')) c['allowed_response_headers'] = list(ctx, 'allowed-response-headers');
  if (f.has('plugin-version')) c['plugin_version'] = f.str('plugin-version') ?? '';
  if (f.has('force-no-cache')) c['force_no_cache'] = f.bool('force-no-cache');
  if (tokenType && f.has('token-type')) c['token_type'] = f.str('token-type') ?? '';
  return c;
}

/** The body of `sys/mounts/:path` or `sys/auth/:path` for an enable. */
export function enableBody(ctx: Ctx, type: string, options: Record<string, string>): JsonObject {
  const body: JsonObject = { type, config: mountConfig(ctx, true), local: ctx.flags.bool('local'), seal_wrap: ctx.flags.bool('seal-wrap') };
  const desc = ctx.flags.str('description');
  if (desc !== undefined) body['description'] = desc;
  if (Object.keys(options).length) body['options'] = options;
  return body;
}

/** The body of a tune: config keys at the top level plus description/options. */
export function tuneBody(ctx: Ctx, tokenType = false): JsonObject {
  const body = mountConfig(ctx, tokenType);
  const desc = ctx.flags.str('description');
  if (desc !== undefined) body['description'] = desc;
  if (ctx.flags.has('options')) body['options'] = ctx.flags.map('options');
  return body;
}

/** `secret/` → `secret`: mount paths in messages get exactly one trailing slash. */
export const clean = (p: string): string => p.replace(/^\/+|\/+$/g, '');
