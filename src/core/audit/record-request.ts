/**
 * A record's `request` object, built as text with Vault's field order and omitempty. The
 * request part is the same in a request's two records, and the run of fields from
 * `operation` to `path` mostly repeats per token, so both are kept and spliced in.
 */
import { flat, quote } from '../../lib/json-text.js';
import type { FormatOptions, HeaderSelector, RecordType } from './format-options.js';
import { keySet, TOKEN_CACHE_MAX, type FieldHasher } from './record-hash.js';
import { ROOT_NAMESPACE_FIELD, numField, plainField, strField } from './record-fields.js';
import type { AuditEntryInput, AuditRequest } from './types.js';

const PENDING_REQUESTS_MAX = 4096;

type RoutePart = Pick<AuditRequest, 'operation' | 'mountPoint' | 'mountType' | 'mountAccessor' | 'clientTokenAccessor' | 'path'> & { text: string };

export class RequestPart {
  /**
   * Request parts serialised for a request record, kept until the response record of the
   * same request reuses them (then deleted). A refused request (its request record
   * carries the error) gets no response record, so it is not kept. Bounded for the rare
   * request that fails in between (an audit write failure), since an entry holds the
   * request's data.
   */
  private readonly pending = new Map<AuditRequest, string>();
  /**
   * The last request part from `operation` to `path` per client token. A token mostly
   * repeats one request (an app polling its secret), and this run of fields, hashes
   * included, is then the same text every time. Holds only what the token memo holds
   * plus paths; bounded and cleared with it.
   */
  private readonly routeParts = new Map<string, RoutePart>();

  constructor(
    private readonly fields: FieldHasher,
    private readonly options: FormatOptions,
    /** Picks the audited request headers (the broker's sys/config/auditing/request-headers). */
    private readonly headerSelector?: HeaderSelector,
  ) {}

  json(type: RecordType, e: AuditEntryInput): string {
    const r = e.request;
    let json = this.pending.get(r);
    if (json === undefined) {
      json = this.text(r, this.options.logRaw ? null : keySet(e.nonHmacRequestKeys));
      if (type === 'request' && !e.error) {
        if (this.pending.size >= PENDING_REQUESTS_MAX) this.pending.clear();
        this.pending.set(r, json);
      }
    } else if (type === 'response') {
      this.pending.delete(r);
    }
    return json;
  }

  /** Drops the kept parts (on seal, with the hasher's memos). */
  clear(): void {
    this.routeParts.clear();
    this.pending.clear();
  }

  /** The request part as JSON, fields in Vault's order, empty ones left out (omitempty). */
  private text(r: AuditRequest, clear: ReadonlySet<string> | null): string {
    const rest =
      this.route(r) +
      this.fields.dataField(r.data, clear) +
      `,"remote_address":${quote(r.remoteAddress)}` +
      numField('remote_port', r.remotePort) +
      numField('wrap_ttl', r.wrapTtl) +
      this.headersField(r);
    // Every field after the id starts with a comma. Requests always carry an id; cutting
    // the comma off instead copied the whole text once more per request.
    return r.id ? `{"id":"${r.id}"${rest}}` : `{${rest.slice(1)}}`;
  }

  private route(r: AuditRequest): string {
    const hit = r.clientToken ? this.routeParts.get(r.clientToken) : undefined;
    if (
      hit !== undefined &&
      hit.path === r.path &&
      hit.operation === r.operation &&
      hit.mountAccessor === r.mountAccessor &&
      hit.mountPoint === r.mountPoint &&
      hit.mountType === r.mountType &&
      hit.clientTokenAccessor === r.clientTokenAccessor
    ) {
      return hit.text;
    }
    const text = flat(
      plainField('operation', r.operation) +
        strField('mount_point', r.mountPoint) +
        strField('mount_type', r.mountType) +
        strField('mount_accessor', r.mountAccessor) +
        (this.options.logRaw ? strField : plainField)('client_token', this.fields.token(r.clientToken)) +
        (this.options.logRaw || !this.options.hmacAccessor ? strField : plainField)('client_token_accessor', this.fields.accessor(r.clientTokenAccessor)) +
        ROOT_NAMESPACE_FIELD +
        `,"path":${quote(r.path)}`,
    );
    if (r.clientToken) {
      if (this.routeParts.size >= TOKEN_CACHE_MAX) this.routeParts.clear();
      const { operation, mountPoint, mountType, mountAccessor, clientTokenAccessor, path } = r;
      this.routeParts.set(r.clientToken, { operation, mountPoint, mountType, mountAccessor, clientTokenAccessor, path, text });
    }
    return text;
  }

  /**
   * `,"headers":{...}` or nothing. Configured hmac headers are hashed even with log_raw,
   * as Vault's header formatter does: the operator asked for that header to be hidden.
   */
  private headersField(r: AuditRequest): string {
    let h = r.headers;
    if (h === undefined && r.wireHeaders !== undefined && this.headerSelector) h = this.headerSelector.select(r.wireHeaders, (v) => this.fields.hash(v));
    return h && Object.keys(h).length > 0 ? `,"headers":${JSON.stringify(h)}` : '';
  }
}
