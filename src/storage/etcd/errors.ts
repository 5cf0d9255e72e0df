/** Errors the etcd store raises itself, with messages an operator can act on. */

/**
 * etcd refuses a request larger than its `--max-request-bytes` (1.5 MiB by default). Ward
 * checks before sending, so the operator learns which key and how large rather than seeing
 * a gRPC error, and nothing is written.
 */
export class ValueTooLargeError extends Error {
  readonly code = 'etcd_request_too_large';
  constructor(
    readonly what: string,
    /** Bytes of value(s). */
    readonly size: number,
    /** Bytes of the whole request: values, keys and encoding. */
    readonly requestSize: number,
    readonly limit: number,
  ) {
    super(`${what} is ${size} bytes (a ${requestSize}-byte request with keys), over etcd's request size limit of ${limit} bytes (the server's --max-request-bytes); nothing was written`);
    this.name = 'ValueTooLargeError';
  }
}

/** Turns an etcd or gRPC failure into an Error whose message says what failed and why. */
export function describe(e: unknown, doing: string): Error {
  const cause = e instanceof Error ? e.message.replace(/^\w*Error: /, '') : String(e);
  if (/too many operations in txn request/.test(cause)) {
    return new Error(`etcd: ${doing} failed: the transaction has more operations than the server's --max-txn-ops allows (128 by default)`);
  }
  if (/request is too large|message (with a )?size larger than|larger than max/i.test(cause)) {
    return new Error(`etcd: ${doing} failed: the request is larger than the etcd server accepts (its --max-request-bytes); nothing was written`);
  }
  const err = new Error(`etcd: ${doing} failed: ${cause}`);
  (err as Error & { cause?: unknown }).cause = e;
  return err;
}

/** An address with any user:password@ part removed, for logs and error messages. */
export function redactAddress(url: string): string {
  return url.replace(/\/\/[^/@]*@/, '//');
}
