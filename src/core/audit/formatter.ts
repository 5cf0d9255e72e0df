/**
 * Audit record formatting: the JSON line for a request or response entry, with every
 * sensitive string replaced by `hmac-sha256:<hex>` under the device's salt (hash.ts). The inputs
 * are the live request and response, so nothing here mutates them: hashed subtrees are
 * fresh objects and clear subtrees are passed by reference straight to JSON.stringify.
 */
import { flat, quote, stringifyShared } from '../../lib/json-text.js';
import type { AuditAuth, AuditEntryInput, AuditRequest, AuditResponse, AuditWrapInfo } from './types.js';
import { hashedJson, hmacValue } from './hash.js';
import { jsonxRecord } from './jsonx.js';
import { ROOT_NAMESPACE_FIELD, elideList, list, num, numField, plainField, str, strField } from './record-fields.js';

export interface FormatOptions {
  /** Log every value in the clear (option `log_raw`). */
  logRaw: boolean;
  /** Hash token accessors too (option `hmac_accessor`, default true). */
  hmacAccessor: boolean;
  /** On list responses, replace `keys`/`key_info` with their counts (`elide_list_responses`). */
  elideListResponses: boolean;
  /** `format`: records as JSON (the default) or as JSONx, Vault's XML rendering of the same record. */
  format?: 'json' | 'jsonx';
}

export const defaultFormatOptions: FormatOptions = { logRaw: false, hmacAccessor: true, elideListResponses: false, format: 'json' };

export type RecordType = 'request' | 'response';

/** The audited subset of a request's wire headers, values of hmac headers through `hash`. */
export interface HeaderSelector {
  select(wire: readonly string[], hash: (value: string) => string): Record<string, string[]> | undefined;
}

/**
 * Tokens and accessors repeat on every request (twice per request, in `auth` and in
 * `request`), and an HMAC costs about as much as serialising the whole record, so their
 * hashes are memoised. The cache only holds values the token store already keeps in
 * memory; request and response data (secrets) are never cached. Cleared wholesale when
 * full rather than tracking recency: cheap, and a miss only costs one HMAC.
 */
const TOKEN_CACHE_MAX = 4096;
const VALUE_CACHE_MAX = 10_000;
const VALUE_CACHE_MAX_LENGTH = 512;
const PENDING_REQUESTS_MAX = 4096;



/** Set lookups beat Array.includes once per string leaf; keep one Set per distinct list. */
function keySet(keys: string[] | undefined): ReadonlySet<string> | null {
  return keys && keys.length > 0 ? new Set(keys) : null;
}

/**
 * Formats records for one device: its salt and options are fixed at construction.
 * Each record is one JSON.stringify over a freshly built object.
 */
export class AuditFormatter {
  private readonly tokenCache = new Map<string, string>();
  /** Empty strings are common leaves (KV v2 `deletion_time`) and hash to a constant. */
  private readonly emptyHash: string;
  /**
   * Memo of leaf HMACs: the same values (timestamps, the secret read again and again)
   * recur on every request, and an HMAC costs more than formatting the whole record.
   * It holds nothing the barrier's value cache does not already hold in memory, is
   * bounded, and is dropped on seal with the token memo.
   */
  private readonly valueCache = new Map<string, string>();
  private readonly hashFn = (s: string): string => {
    if (s === '') return this.emptyHash;
    if (s.length > VALUE_CACHE_MAX_LENGTH) return hmacValue(this.salt, s);
    return this.memoHmac(this.valueCache, VALUE_CACHE_MAX, s);
  };

  /** `hmacValue(salt, s)` through `cache`, which is emptied wholesale when it reaches `max`. */
  private memoHmac(cache: Map<string, string>, max: number, s: string): string {
    let h = cache.get(s);
    if (h === undefined) {
      h = hmacValue(this.salt, s);
      if (cache.size >= max) cache.clear();
      cache.set(s, h);
    }
    return h;
  }

  constructor(
    private readonly salt: Buffer,
    readonly options: FormatOptions = defaultFormatOptions,
    /** Picks the audited request headers (the broker's sys/config/auditing/request-headers). */
    private readonly headerSelector?: HeaderSelector,
  ) {
    this.emptyHash = hmacValue(salt, '');
  }

  /**
   * `,"headers":{...}` or nothing. Configured hmac headers are hashed even with log_raw,
   * as Vault's header formatter does: the operator asked for that header to be hidden.
   */
  private headersField(r: AuditRequest): string {
    let h = r.headers;
    if (h === undefined && r.wireHeaders !== undefined && this.headerSelector) h = this.headerSelector.select(r.wireHeaders, (v) => this.hash(v));
    return h && Object.keys(h).length > 0 ? `,"headers":${JSON.stringify(h)}` : '';
  }

  /** The HMAC of `s` under this device's salt (what `sys/audit-hash` returns). */
  hash(s: string): string {
    return hmacValue(this.salt, s);
  }

  /** Drops memoised token hashes (on seal, so no token outlives the broker). */
  clearCache(): void {
    this.tokenCache.clear();
    this.routeParts.clear();
    this.valueCache.clear();
    this.pendingRequests.clear();
    this.sharedData = new WeakMap();
    this.sharedResponses = new WeakMap();
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
    if (e.auth) out += `,"auth":${this.authJson(e.auth)}`;
    out += `,"request":${this.requestJson(type, e)}`;
    if (type === 'response' && e.response) out += `,"response":${this.responseJson(e.response, e.request.operation, e.nonHmacResponseKeys)}`;
    if (e.error) out += `,"error":${JSON.stringify(e.error)}`;
    return `${out}}`;
  }

  private readonly authFragments = new WeakMap<AuditAuth, string>();

  private authJson(a: AuditAuth): string {
    let json = this.authFragments.get(a);
    if (json === undefined) {
      json = JSON.stringify(this.auth(a));
      this.authFragments.set(a, json);
    }
    return json;
  }

  /**
   * Request parts serialised for a request record, kept until the response record of the
   * same request reuses them (then deleted). A refused request (its request record
   * carries the error) gets no response record, so it is not kept. Bounded for the rare
   * request that fails in between (an audit write failure), since an entry holds the
   * request's data.
   */
  private readonly pendingRequests = new Map<AuditRequest, string>();

  private requestJson(type: RecordType, e: AuditEntryInput): string {
    const r = e.request;
    let json = this.pendingRequests.get(r);
    if (json === undefined) {
      json = this.requestText(r, this.options.logRaw ? null : keySet(e.nonHmacRequestKeys));
      if (type === 'request' && !e.error) {
        if (this.pendingRequests.size >= PENDING_REQUESTS_MAX) this.pendingRequests.clear();
        this.pendingRequests.set(r, json);
      }
    } else if (type === 'response') {
      this.pendingRequests.delete(r);
    }
    return json;
  }

  private token(s: string): string | undefined {
    if (!s) return undefined;
    if (this.options.logRaw) return s;
    return this.memoHmac(this.tokenCache, TOKEN_CACHE_MAX, s);
  }

  private accessor(s: string): string | undefined {
    return this.options.hmacAccessor ? this.token(s) : str(s);
  }

  private auth(a: AuditAuth): Record<string, unknown> {
    const pr = a.policyResults;
    return {
      client_token: this.token(a.clientToken),
      accessor: this.accessor(a.accessor),
      display_name: str(a.displayName),
      policies: list(a.policies),
      token_policies: list(a.tokenPolicies),
      identity_policies: list(a.identityPolicies),
      metadata: a.metadata && Object.keys(a.metadata).length > 0 ? a.metadata : undefined,
      entity_id: str(a.entityId),
      token_type: str(a.tokenType),
      token_ttl: num(a.tokenTtl),
      token_issue_time: str(a.tokenIssueTime),
      num_uses: num(a.numUses),
      remaining_uses: num(a.remainingUses),
      policy_results: pr ? { allowed: pr.allowed, granting_policies: list(pr.grantingPolicies) } : undefined,
    };
  }

  /** The request part as JSON, fields in Vault's order, empty ones left out (omitempty). */
  private requestText(r: AuditRequest, clear: ReadonlySet<string> | null): string {
    const rest =
      this.requestRoute(r) +
      this.dataField(r.data, clear) +
      `,"remote_address":${quote(r.remoteAddress)}` +
      numField('remote_port', r.remotePort) +
      numField('wrap_ttl', r.wrapTtl) +
      this.headersField(r);
    // Every field after the id starts with a comma. Requests always carry an id; cutting
    // the comma off instead copied the whole text once more per request.
    return r.id ? `{"id":"${r.id}"${rest}}` : `{${rest.slice(1)}}`;
  }

  /**
   * The last request part from `operation` to `path` per client token. A token mostly
   * repeats one request (an app polling its secret), and this run of fields, hashes
   * included, is then the same text every time. Holds only what the token memo holds
   * plus paths; bounded and cleared with it.
   */
  private readonly routeParts = new Map<string, RoutePart>();

  private requestRoute(r: AuditRequest): string {
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
        (this.options.logRaw ? strField : plainField)('client_token', this.token(r.clientToken)) +
        (this.options.logRaw || !this.options.hmacAccessor ? strField : plainField)('client_token_accessor', this.accessor(r.clientTokenAccessor)) +
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

  /** Response parts that only carry a shared, frozen data object, keyed by that object. */
  private sharedResponses = new WeakMap<object, { mountType: string; mountAccessor: string; json: string }>();

  /**
   * The response part. A response that is nothing but a shared record (a hot KV read)
   * is the same text every time, so it is kept with the record rather than rebuilt.
   */
  private responseJson(r: AuditResponse, operation: string, nonHmacKeys: string[] | undefined): string {
    const d = r.data;
    const plain = !r.auth && !r.secret && !r.warnings?.length && !r.wrapInfo && !nonHmacKeys?.length && operation !== 'list';
    if (!d || !plain || !Object.isFrozen(d)) return this.responseText(r, operation, nonHmacKeys);
    const hit = this.sharedResponses.get(d);
    if (hit !== undefined && hit.mountType === r.mountType && hit.mountAccessor === r.mountAccessor) return hit.json;
    const json = flat(this.responseText(r, operation, nonHmacKeys));
    this.sharedResponses.set(d, { mountType: r.mountType, mountAccessor: r.mountAccessor, json });
    return json;
  }

  private responseText(r: AuditResponse, operation: string, nonHmacKeys: string[] | undefined): string {
    let data = r.data;
    if (data && this.options.elideListResponses && operation === 'list') data = elideList(data);
    const rest =
      strField('mount_accessor', r.mountAccessor) +
      (r.auth ? `,"auth":${this.authJson(r.auth)}` : '') +
      (r.secret ? `,"secret":{"lease_id":${JSON.stringify(r.secret.leaseId)}}` : '') +
      this.dataField(data, this.options.logRaw ? null : keySet(nonHmacKeys)) +
      (r.warnings && r.warnings.length > 0 ? `,"warnings":${JSON.stringify(r.warnings)}` : '') +
      (r.wrapInfo ? `,"wrap_info":${JSON.stringify(this.wrapInfo(r.wrapInfo))}` : '');
    // As in requestText: routed responses have a mount type, so no comma is cut off.
    return r.mountType ? `{"mount_type":${quote(r.mountType)}${rest}}` : `{${rest.slice(1)}}`;
  }

  private wrapInfo(w: AuditWrapInfo): Record<string, unknown> {
    const raw = this.options.logRaw;
    // Wrapping tokens are single-use: hashing them through the cache would only evict.
    const hashAccessor = !raw && this.options.hmacAccessor;
    return {
      token: w.token && !raw ? hmacValue(this.salt, w.token) : str(w.token),
      accessor: w.accessor && hashAccessor ? hmacValue(this.salt, w.accessor) : str(w.accessor),
      ttl: num(w.ttl),
      creation_time: str(w.creationTime),
      creation_path: str(w.creationPath),
      wrapped_accessor: w.wrappedAccessor && hashAccessor ? hmacValue(this.salt, w.wrappedAccessor) : str(w.wrappedAccessor),
    };
  }

  /** Hashed texts of frozen (shared, never-changing) data objects under this salt. */
  private sharedData = new WeakMap<object, string>();

  /** `,"data":<json>` with every string leaf hashed (unless log_raw or a clear key), or "". */
  private dataField(d: Record<string, unknown> | null | undefined, clear: ReadonlySet<string> | null): string {
    if (!d) return '';
    if (this.options.logRaw) return `,"data":${stringifyShared(d)}`;
    if (clear !== null || !Object.isFrozen(d)) return `,"data":${hashedJson(d, this.hashFn, clear)!}`;
    let text = this.sharedData.get(d);
    if (text === undefined) {
      text = flat(hashedJson(d, this.hashFn, null)!);
      this.sharedData.set(d, text);
    }
    return `,"data":${text}`;
  }
}

type RoutePart = Pick<AuditRequest, 'operation' | 'mountPoint' | 'mountType' | 'mountAccessor' | 'clientTokenAccessor' | 'path'> & { text: string };
