/**
 * The error catalogue. Every error that can reach a client is a WardError with a stable
 * `code` and an HTTP `status`; the HTTP layer renders `{"errors": messages}` from it and
 * nothing else maps errors to statuses. Match errors by class or code, never by message.
 */

const BRAND = Symbol.for('ward.error');

export type ErrorCode =
  | 'invalid_request'
  | 'permission_denied'
  | 'unsupported_path'
  | 'unsupported_operation'
  | 'not_found'
  | 'conflict'
  | 'sealed'
  | 'standby'
  | 'too_large'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'upstream'
  | 'audit_failed'
  | 'internal';

const STATUS: Record<ErrorCode, number> = {
  invalid_request: 400,
  permission_denied: 403,
  unsupported_path: 404,
  unsupported_operation: 405,
  not_found: 404,
  conflict: 400, // Vault flattens mount conflicts to 400 on the wire
  sealed: 503,
  standby: 503,
  too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  upstream: 502,
  audit_failed: 500,
  internal: 500,
};

export class WardError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** The strings clients see in `errors`; may be empty (Vault's bare 404). */
  readonly messages: string[];
  /** Extra envelope fields to render with the error (KV v2 deleted-version 404 body). */
  readonly body: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, messages: string | string[], opts: { status?: number; body?: Record<string, unknown>; cause?: unknown } = {}) {
    const list = Array.isArray(messages) ? messages : [messages];
    super(list.join('; ') || code, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'WardError';
    this.code = code;
    this.status = opts.status ?? STATUS[code];
    this.messages = list;
    this.body = opts.body;
    Object.defineProperty(this, BRAND, { value: true });
  }

  static is(e: unknown): e is WardError {
    return typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[BRAND] === true;
  }
}

/** 400 for any user mistake: bad field, failed precondition, unknown role. */
export const badRequest = (msg: string): WardError => new WardError('invalid_request', msg);

/**
 * One error string as Go's go-multierror prints a list of errors. Vault's request pipeline
 * gathers its token and ACL verdicts in one, and clients see that text verbatim.
 */
export function multierrorText(items: readonly string[]): string {
  const head = items.length === 1 ? '1 error occurred' : `${items.length} errors occurred`;
  return `${head}:\n${items.map((i) => `\t* ${i}`).join('\n')}\n\n`;
}

/**
 * 403 with the bare text: no token on an authenticated path, a token used from outside its
 * bound CIDRs, a disabled entity, and auth methods' own refusals. Keeps the literal
 * "permission denied" that every client matches on.
 */
export const permissionDenied = (detail?: string): WardError =>
  new WardError('permission_denied', detail ? ['permission denied', detail] : ['permission denied']);

/**
 * 403 for the ACL's refusal (a capability or sudo missing): Vault appends the denial to the
 * policy check's multierror, so clients get its one-item form.
 */
export const aclDenied = (): WardError => new WardError('permission_denied', [multierrorText(['permission denied'])]);

/** 403 for a token that is unknown, expired or revoked: Vault's two-item multierror. */
export const invalidToken = (): WardError => new WardError('permission_denied', [multierrorText(['permission denied', 'invalid token'])]);

export const unsupportedPath = (path?: string): WardError =>
  new WardError('unsupported_path', path === undefined ? ['unsupported path'] : [`no handler for route "${path}". route entry not found.`]);

export const unsupportedOperation = (): WardError => new WardError('unsupported_operation', ['unsupported operation']);

/** Bare 404 with `{"errors":[]}`: a read or list that found nothing. */
export const notFound = (): WardError => new WardError('not_found', []);

export const sealedError = (): WardError => new WardError('sealed', ['Vault is sealed']);

export const tooLarge = (): WardError => new WardError('too_large', ['http: request body too large']);

export const internalError = (msg = 'internal error', cause?: unknown): WardError =>
  new WardError('internal', [msg], { cause });

export const upstreamError = (msg: string): WardError => new WardError('upstream', [msg]);

export const auditFailed = (): WardError => new WardError('audit_failed', ['internal error']);

/** Anything thrown that is not a WardError becomes a 500 whose text never echoes internals. */
export function toWardError(e: unknown): WardError {
  if (WardError.is(e)) return e;
  return internalError('internal error', e);
}
