/**
 * Audit record formatting: the JSON line for a request or response entry, with every
 * sensitive string replaced by `hmac-sha256:<hex>` under the device's salt. The inputs
 * are the live request and response, so nothing here mutates them: hashed subtrees are
 * fresh objects and clear subtrees are passed by reference straight to JSON.stringify.
 * The parts: record-hash.ts (the field hashing and its memos), record-auth.ts,
 * record-request.ts and record-response.ts (each object of the record, as text).
 */
import type { AuditEntryInput } from './types.js';
import { defaultFormatOptions, type FormatOptions, type HeaderSelector, type RecordType } from './format-options.js';
import { jsonxRecord } from './jsonx.js';
import { AuthPart } from './record-auth.js';
import { FieldHasher } from './record-hash.js';
import { RequestPart } from './record-request.js';
import { ResponsePart } from './record-response.js';

export { defaultFormatOptions, type FormatOptions, type HeaderSelector, type RecordType } from './format-options.js';

/**
 * Formats records for one device: its salt and options are fixed at construction.
 * Each record is one JSON.stringify over a freshly built object.
 */
export class AuditFormatter {
  private readonly fields: FieldHasher;
  private readonly auth: AuthPart;
  private readonly request: RequestPart;
  private readonly response: ResponsePart;

  constructor(
    salt: Buffer,
    readonly options: FormatOptions = defaultFormatOptions,
    /** Picks the audited request headers (the broker's sys/config/auditing/request-headers). */
    headerSelector?: HeaderSelector,
  ) {
    this.fields = new FieldHasher(salt, options);
    this.auth = new AuthPart(this.fields);
    this.request = new RequestPart(this.fields, options, headerSelector);
    this.response = new ResponsePart(this.fields, this.auth, options);
  }

  /** The HMAC of `s` under this device's salt (what `sys/audit-hash` returns). */
  hash(s: string): string {
    return this.fields.hash(s);
  }

  /** Drops memoised token hashes (on seal, so no token outlives the broker). */
  clearCache(): void {
    this.fields.clear();
    this.request.clear();
    this.response.clear();
  }

  /** The record (no newline) for one entry in the device's format: JSON, or that JSON as JSONx. */
  format(type: RecordType, e: AuditEntryInput, time: string): string {
    const json = this.formatJson(type, e, time);
    return this.options.format === 'jsonx' ? jsonxRecord(json) : json;
  }

  /**
   * The JSON line (no newline) for one entry, built as text. The auth part is the same
   * for every request made with one token and the request part is the same in a
   * request's two records, so both are serialised once and spliced in; a frozen (shared)
   * data object's hashed text is kept for as long as the object lives. `time` is the
   * broker's RFC3339 timestamp. Throws only if the data cannot be serialised.
   */
  private formatJson(type: RecordType, e: AuditEntryInput, time: string): string {
    let out = `{"time":"${time}","type":"${type}"`;
    if (e.auth) out += `,"auth":${this.auth.json(e.auth)}`;
    out += `,"request":${this.request.json(type, e)}`;
    if (type === 'response' && e.response) out += `,"response":${this.response.json(e.response, e.request.operation, e.nonHmacResponseKeys)}`;
    if (e.error) out += `,"error":${JSON.stringify(e.error)}`;
    return `${out}}`;
  }
}
