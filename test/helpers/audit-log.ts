/**
 * Reading a file audit device's log in tests: one JSON record per line. Records are
 * untyped JSON; tests assert the fields they care about.
 */
import { existsSync, readFileSync } from 'node:fs';

// any: audit records are asserted field by field; typing Vault's whole record shape buys nothing here.
export type AuditRecord = Record<string, any>;

/** Every record in the log at `path` so far ([] while the file does not exist). */
export function auditRecords(path: string): AuditRecord[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as AuditRecord);
}

/** The response records for `operation` on `path`, in log order. */
export function responsesFor(records: readonly AuditRecord[], operation: string, path: string): AuditRecord[] {
  return records.filter((r) => r.type === 'response' && r.request?.operation === operation && r.request?.path === path);
}
