/**
 * A record's `response` object, built as text with Vault's field order and omitempty. A
 * response that is nothing but a shared, frozen record (a hot KV read) is the same text
 * every time, so it is kept with the record rather than rebuilt.
 */
import { flat, quote } from '../../lib/json-text.js';
import type { FormatOptions } from './format-options.js';
import type { AuthPart } from './record-auth.js';
import { keySet, type FieldHasher } from './record-hash.js';
import { elideList, num, str, strField } from './record-fields.js';
import type { AuditResponse, AuditWrapInfo } from './types.js';

export class ResponsePart {
  /** Response parts that only carry a shared, frozen data object, keyed by that object. */
  private shared = new WeakMap<object, { mountType: string; mountAccessor: string; json: string }>();

  constructor(
    private readonly fields: FieldHasher,
    private readonly auth: AuthPart,
    private readonly options: FormatOptions,
  ) {}

  json(r: AuditResponse, operation: string, nonHmacKeys: string[] | undefined): string {
    const d = r.data;
    const plain = !r.auth && !r.secret && !r.warnings?.length && !r.wrapInfo && !nonHmacKeys?.length && operation !== 'list';
    if (!d || !plain || !Object.isFrozen(d)) return this.text(r, operation, nonHmacKeys);
    const hit = this.shared.get(d);
    if (hit !== undefined && hit.mountType === r.mountType && hit.mountAccessor === r.mountAccessor) return hit.json;
    const json = flat(this.text(r, operation, nonHmacKeys));
    this.shared.set(d, { mountType: r.mountType, mountAccessor: r.mountAccessor, json });
    return json;
  }

  /** Drops the kept parts (on seal, with the hasher's memos). */
  clear(): void {
    this.shared = new WeakMap();
  }

  private text(r: AuditResponse, operation: string, nonHmacKeys: string[] | undefined): string {
    let data = r.data;
    if (data && this.options.elideListResponses && operation === 'list') data = elideList(data);
    const rest =
      strField('mount_accessor', r.mountAccessor) +
      (r.auth ? `,"auth":${this.auth.json(r.auth)}` : '') +
      (r.secret ? `,"secret":{"lease_id":${JSON.stringify(r.secret.leaseId)}}` : '') +
      this.fields.dataField(data, this.options.logRaw ? null : keySet(nonHmacKeys)) +
      (r.warnings && r.warnings.length > 0 ? `,"warnings":${JSON.stringify(r.warnings)}` : '') +
      (r.wrapInfo ? `,"wrap_info":${JSON.stringify(this.wrapInfo(r.wrapInfo))}` : '');
    // As in the request part: routed responses have a mount type, so no comma is cut off.
    return r.mountType ? `{"mount_type":${quote(r.mountType)}${rest}}` : `{${rest.slice(1)}}`;
  }

  private wrapInfo(w: AuditWrapInfo): Record<string, unknown> {
    const raw = this.options.logRaw;
    // Wrapping tokens are single-use: hashing them through the cache would only evict.
    const hashAccessor = !raw && this.options.hmacAccessor;
    const { fields } = this;
    return {
      token: w.token && !raw ? fields.hash(w.token) : str(w.token),
      accessor: w.accessor && hashAccessor ? fields.hash(w.accessor) : str(w.accessor),
      ttl: num(w.ttl),
      creation_time: str(w.creationTime),
      creation_path: str(w.creationPath),
      wrapped_accessor: w.wrappedAccessor && hashAccessor ? fields.hash(w.wrappedAccessor) : str(w.wrappedAccessor),
    };
  }
}
