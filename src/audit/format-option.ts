/**
 * The `format` option every audit device takes. Records are JSON; Vault's `jsonx` (the
 * same record as XML) is refused with a clear 400 rather than silently logged as JSON.
 */
import { badRequest } from '../sdk/errors.js';

export function checkFormat(options: Record<string, string>): void {
  const format = options['format'] ?? 'json';
  if (format === 'jsonx') throw badRequest('audit format "jsonx" is not supported; use "json"');
  if (format !== 'json') throw badRequest(`unknown audit format "${format}"`);
}
