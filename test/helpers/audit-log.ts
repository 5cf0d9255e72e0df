/**
 * Reading a file audit device's log in tests: one JSON record per line. Records are
 * untyped JSON; tests assert the fields they care about.
 */
import { existsSync, readFileSync } from 'node:fs';

// any: audit records are asserted field by field; typing Vault's whole record shape buys nothing here.
export type AuditRecord = Record<string, any>;

/**
 * Every complete record in the log at `path` so far ([] while the file does not exist).
 * A last line without its newline is a record the device is still writing (a read racing
 * the write): it is left for the next read; a bad line before it still fails the parse.
 */
export function auditRecords(path: string): AuditRecord[] {
  if (!existsSync(path)) return [];
  const text = readFileSync(path, 'utf8');
  const complete = text.endsWith('\n') ? text : text.slice(0, text.lastIndexOf('\n') + 1);
  return complete
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as AuditRecord);
}

/** The response records for `operation` on `path`, in log order. */
export function responsesFor(records: readonly AuditRecord[], operation: string, path: string): AuditRecord[] {
  return records.filter((r) => r.type === 'response' && r.request?.operation === operation && r.request?.path === path);
}
