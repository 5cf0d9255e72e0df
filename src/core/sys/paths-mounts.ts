import { randomUUID } from 'node:crypto';
import { badRequest } from '../../sdk/errors.js';
import { field, type Fields } from '../../sdk/framework/fields.js';
import { FieldData } from '../../sdk/framework/field-data.js';
import { definePath, type PathDef } from '../../sdk/framework/path.js';
import type { UserLockoutConfig } from '../../sdk/logical.js';
import { mountInfo, userLockoutView, type MountConfig } from '../router/mount-entry.js';
import type { MountManager } from '../router/mounts.js';

const configFields = {
  default_lease_ttl: field.durationSecond(),
  max_lease_ttl: field.durationSecond(),
  force_no_cache: field.bool(),
  audit_non_hmac_request_keys: field.commaStringSlice(),
  audit_non_hmac_response_keys: field.commaStringSlice(),
  listing_visibility: field.string({ allowed: ['', 'unauth', 'hidden'] }),
  passthrough_request_headers: field.commaStringSlice(),
  allowed_response_headers: field.commaStringSlice(),
  token_type: field.string({ allowed: ['', 'default-service', 'default-batch', 'service', 'batch'] }),
  description: field.string(),
  options: field.kvPairs(),
  plugin_version: field.string(),
  user_lockout_config: field.map(),
};

const lockoutFields = {
  lockout_threshold: field.int(),
  lockout_duration: field.durationSecond(),
  lockout_counter_reset: field.durationSecond(),
  lockout_disable: field.bool(),
};

/** `user_lockout_config` (auth mounts): only the fields given change. */
function parseUserLockout(raw: Record<string, unknown>): UserLockoutConfig {
  const d = new FieldData(lockoutFields, raw);
  if (d.unknown.length > 0) throw badRequest(`unknown user_lockout_config fields: ${d.unknown.join(', ')}`);
  if (d.has('lockout_threshold') && d.get('lockout_threshold') < 1) throw badRequest('lockout_threshold must be at least 1');
  return {
    ...(d.has('lockout_threshold') ? { threshold: d.get('lockout_threshold') } : {}),
    ...(d.has('lockout_duration') ? { durationSec: d.get('lockout_duration') } : {}),
    ...(d.has('lockout_counter_reset') ? { counterResetSec: d.get('lockout_counter_reset') } : {}),
    ...(d.has('lockout_disable') ? { disabled: d.get('lockout_disable') } : {}),
  };
}

/** Parses a `config` map (or top-level tune fields) with the coercion rules every field uses. */
function parseConfig(raw: Record<string, unknown>): { config: Partial<MountConfig>; description?: string; options?: Record<string, string> } {
  const d = new FieldData(configFields, raw);
  const config: Partial<MountConfig> = {};
  if (d.has('default_lease_ttl')) config.defaultLeaseTtl = d.get('default_lease_ttl');
  if (d.has('max_lease_ttl')) config.maxLeaseTtl = d.get('max_lease_ttl');
  if (d.has('force_no_cache')) config.forceNoCache = d.get('force_no_cache');
  if (d.has('audit_non_hmac_request_keys')) config.auditNonHmacRequestKeys = d.get('audit_non_hmac_request_keys');
  if (d.has('audit_non_hmac_response_keys')) config.auditNonHmacResponseKeys = d.get('audit_non_hmac_response_keys');
  if (d.has('listing_visibility')) config.listingVisibility = d.get('listing_visibility');
  if (d.has('passthrough_request_headers')) config.passthroughRequestHeaders = d.get('passthrough_request_headers');
  if (d.has('allowed_response_headers')) config.allowedResponseHeaders = d.get('allowed_response_headers');
  if (d.has('token_type')) config.tokenType = d.get('token_type');
  if (d.has('user_lockout_config')) config.userLockout = parseUserLockout(d.get('user_lockout_config'));
  return {
    config,
    ...(d.has('description') ? { description: d.get('description') } : {}),
    ...(d.has('options') ? { options: stringifyOptions(d.get('options')) } : {}),
  };
}

/** `options.version` may arrive as a number; Vault stores every option as a string. */
function stringifyOptions(o: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, String(v)]));
}

const enableFields = {
  path: field.string({ required: true }),
  type: field.string(),
  description: field.string(),
  config: field.map(),
  options: field.map(),
  local: field.bool(),
  seal_wrap: field.bool(),
  external_entropy_access: field.bool(),
  plugin_name: field.string(),
  plugin_version: field.string(),
};

/** `sys/remount`: moves a mount; done synchronously, reported as a finished migration. */
export function remountPaths(mounts: MountManager): PathDef<Fields>[] {
  const migrations = new Map<string, { from: string; to: string }>();
  return [
    definePath({
      pattern: 'remount',
      fields: { from: field.string({ required: true }), to: field.string({ required: true }) },
      operations: {
        update: async (_req, d) => {
          await mounts.remount(d.get('from'), d.get('to'));
          const id = randomUUID();
          migrations.set(id, { from: d.get('from'), to: d.get('to') });
          return { data: { migration_id: id } };
        },
      },
    }),
    definePath({
      pattern: 'remount/status/(?<id>.+)',
      fields: { id: field.string({ required: true }) },
      operations: {
        read: async (_req, d) => {
          const m = migrations.get(d.get('id'));
          if (!m) return null;
          return { data: { migration_id: d.get('id'), migration_info: { source_mount: m.from, target_mount: m.to, status: 'success' } } };
        },
      },
    }),
  ];
}

/** `sys/mounts/*` or `sys/auth/*`: list, enable, read, disable, tune. */
export function mountPaths(mounts: MountManager, table: 'mounts' | 'auth'): PathDef<Fields>[] {
  const base = table === 'mounts' ? 'mounts' : 'auth';
  const tune = definePath({
    pattern: `${base}/(?<path>.+?)/tune`,
    fields: { path: field.string({ required: true }), ...configFields },
    operations: {
      read: async (_req, d) => {
        const e = mounts.find(table, d.get('path'));
        if (!e) throw badRequest(`cannot fetch sysview for path "${d.get('path')}"`);
        const sys = mounts.systemView(e);
        return {
          data: {
            description: e.description,
            default_lease_ttl: sys.defaultLeaseTtl(),
            max_lease_ttl: sys.maxLeaseTtl(),
            force_no_cache: e.config.forceNoCache,
            // As Vault's tune read: the tunable lists and visibility only when set.
            ...(e.config.auditNonHmacRequestKeys.length ? { audit_non_hmac_request_keys: e.config.auditNonHmacRequestKeys } : {}),
            ...(e.config.auditNonHmacResponseKeys.length ? { audit_non_hmac_response_keys: e.config.auditNonHmacResponseKeys } : {}),
            ...(e.config.listingVisibility ? { listing_visibility: e.config.listingVisibility } : {}),
            ...(e.config.passthroughRequestHeaders.length ? { passthrough_request_headers: e.config.passthroughRequestHeaders } : {}),
            ...(e.config.allowedResponseHeaders.length ? { allowed_response_headers: e.config.allowedResponseHeaders } : {}),
            options: e.options,
            ...(table === 'auth' ? { token_type: e.config.tokenType ?? 'default-service' } : {}),
            ...(table === 'auth' && e.config.userLockout ? { user_lockout_config: userLockoutView(e.config.userLockout) } : {}),
          },
        };
      },
      update: async (_req, d) => {
        const { path, ...rest } = d.raw;
        void path;
        await mounts.tune(table, d.get('path'), parseConfig(rest));
        return null;
      },
    },
  });
  const one = definePath({
    pattern: `${base}/(?<path>.+)`,
    fields: enableFields,
    takesArbitraryData: true,
    operations: {
      read: async (_req, d) => {
        const e = mounts.find(table, d.get('path'));
        if (!e) throw badRequest(`No ${table === 'auth' ? 'auth engine' : 'secret engine'} mount at ${d.get('path')}`);
        return { data: mountInfo(e) };
      },
      update: async (_req, d) => {
        const type = d.get('type') || d.get('plugin_name');
        if (!type) throw badRequest('type must be specified');
        const parsed = parseConfig(d.get('config'));
        await mounts.mount(table, {
          path: d.get('path'),
          type,
          description: d.get('description'),
          config: parsed.config,
          options: d.has('options') ? stringifyOptions(d.get('options') as Record<string, string>) : null,
          local: d.get('local'),
          sealWrap: d.get('seal_wrap'),
        });
        return null;
      },
      delete: async (_req, d) => {
        await mounts.unmount(table, d.get('path'));
        return null;
      },
    },
  });
  const list = definePath({
    pattern: base,
    fields: {},
    operations: {
      read: async () => {
        const data: Record<string, unknown> = {};
        for (const e of mounts.list(table)) data[e.path] = mountInfo(e);
        return { data };
      },
    },
  });
  return [tune, one, list];
}
