/**
 * The `format` option every audit device takes: "json" (the default) or "jsonx" (the same
 * record as JSONx, Vault's XML rendering), trimmed and in any case as Vault reads it. The
 * broker's formatter renders the record; a device only checks the option at enable time.
 * Vault's text for anything else.
 */
import { badRequest } from '../sdk/errors.js';

export function checkFormat(options: Record<string, string>): void {
  const format = options['format'];
  if (format === undefined) return;
  const f = format.trim().toLowerCase();
  if (f !== 'json' && f !== 'jsonx') throw badRequest('unsupported "format": invalid configuration');
}
