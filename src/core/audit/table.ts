/**
 * The audit table: its storage keys, the entries it holds, and the device options
 * (`log_raw`, `hmac_accessor`, `elide_list_responses`, `format`) read from an entry.
 */
import { badRequest } from '../../sdk/errors.js';
import type { FormatOptions } from './formatter.js';

/** Where the table lives in the broker's storage (a barrier view of its own). */
export const AUDIT_TABLE_KEY = 'table';
/** Salt of the device with this uuid; a new enable at the same path gets a new salt. */
export const saltKey = (id: string): string => `salt/${id}`;

export interface AuditDeviceInfo {
  type: string;
  description: string;
  options: Record<string, string>;
  local: boolean;
  path: string;
}

export interface EnableAuditOptions {
  type: string;
  description: string;
  options: Record<string, string>;
  local: boolean;
}

export interface TableEntry extends AuditDeviceInfo {
  uuid: string;
}

/** "foo", "/foo/" and "foo/" all name the device "foo/". */
export function normalizeAuditPath(path: string): string {
  const p = path.replace(/^\/+/, '').replace(/\/+$/, '');
  return p === '' ? '' : `${p}/`;
}

/** Vault's ParseBool for option strings; a bad value is a 400 naming the option. */
function boolOption(options: Record<string, string>, name: string, fallback: boolean): boolean {
  const v = options[name];
  if (v === undefined || v === '') return fallback;
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(v)) return false;
  throw badRequest(`unable to parse "${name}": invalid boolean "${v}"`);
}

/** `format`: "json" (the default) or "jsonx", trimmed and in any case, as Vault reads it. */
function formatOption(options: Record<string, string>): 'json' | 'jsonx' {
  const v = options['format'];
  if (v === undefined) return 'json';
  const f = v.trim().toLowerCase();
  if (f !== 'json' && f !== 'jsonx') throw badRequest('unsupported "format": invalid configuration');
  return f;
}

export function formatOptions(options: Record<string, string>): FormatOptions {
  return {
    format: formatOption(options),
    logRaw: boolOption(options, 'log_raw', false),
    hmacAccessor: boolOption(options, 'hmac_accessor', true),
    elideListResponses: boolOption(options, 'elide_list_responses', false),
  };
}
