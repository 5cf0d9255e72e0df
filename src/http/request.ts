/**
 * Reading the parts of an HTTP request Vault clients rely on: the /v1/ path with its
 * safety checks, query data, a size-limited body, the client token and the wrap TTL.
 * Every client mistake becomes a WardError with a 4xx status. Strings from the client
 * are decoded and validated in input.ts only.
 */
import type { IncomingMessage } from 'node:http';
import { WardError, badRequest, tooLarge } from '../sdk/errors.js';
import { parseDurationSeconds } from '../lib/duration.js';
import { decodePath, formBody, queryParams, utf8Text, type JsonGuard } from './input.js';

export const DEFAULT_MAX_REQUEST_SIZE = 32 * 1024 * 1024;

export interface RequestTarget {
  /** Path below /v1/ (decoded), or null when the URL is not under /v1/. */
  path: string | null;
  query: URLSearchParams;
}

/**
 * Splits the request target. `..` is checked on the raw, decoded path before any
 * normalisation (WHATWG URL parsing would silently resolve it).
 */
export function parseTarget(rawUrl: string): RequestTarget {
  let target = rawUrl;
  // Absolute-form targets (`GET http://host/v1/x`) are legal HTTP/1.1.
  if (target.charCodeAt(0) !== 0x2f /* "/" */) {
    const abs = /^[a-z][a-z0-9+.-]*:\/\/[^/]*/i.exec(target);
    if (abs) target = target.slice(abs[0].length) || '/';
  }
  const q = target.indexOf('?');
  const rawPath = q === -1 ? target : target.slice(0, q);
  // Most requests carry no query: they share one empty, never-mutated instance.
  const query = q === -1 ? EMPTY_QUERY : queryParams(target.slice(q + 1));
  const decoded = decodePath(rawPath);
  if (!decoded.startsWith('/v1/')) return { path: null, query };
  const path = decoded.slice(4);
  if (path.includes('..')) throw badRequest('path cannot contain parent references');
  // A segment ending in "." (Vault refuses these as not found).
  if (SEGMENT_ENDS_WITH_DOT.test(path)) throw new WardError('not_found', []);
  return { path, query };
}

/** The query of every request without one; never mutated. */
export const EMPTY_QUERY = new URLSearchParams();
const SEGMENT_ENDS_WITH_DOT = /\.(?:\/|$)/;

/** Go's strconv.ParseBool, which Vault uses for query flags. */
export function parseGoBool(v: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  return undefined;
}

/** Query parameters as request data: one value → string, repeated → string[]. */
export function queryData(query: URLSearchParams, drop: readonly string[] = ['list', 'help']): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of new Set(query.keys())) {
    if (drop.includes(key)) continue;
    const all = query.getAll(key);
    out[key] = all.length === 1 ? all[0] : all;
  }
  return out;
}

/**
 * Reads the body up to `limit` bytes (negative = unlimited). Past the limit it stops
 * buffering and throws 413; the caller closes the connection after answering.
 * It also ends when the connection closes: a client that goes away part-way sends EOF,
 * node's parser reports the short body as a parse error, the connection guard answers
 * it through this request's response, and node then considers the request done and
 * never destroys it, so neither 'end' nor 'close' comes on the request itself.
 */
export function readBody(req: IncomingMessage, h: WardHeaders, limit: number): Promise<Buffer> {
  const declared = Number(h.contentLength ?? NaN);
  if (limit >= 0 && Number.isFinite(declared) && declared > limit) return Promise.reject(tooLarge());
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = req.socket;
    let size = 0;
    let done = false;
    const finish = (err: unknown, buf?: Buffer): void => {
      if (done) return;
      done = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
      socket.off('close', onClose);
      if (err !== undefined) reject(err);
      else resolve(buf ?? Buffer.alloc(0));
    };
    const onData = (c: Buffer): void => {
      size += c.length;
      if (limit >= 0 && size > limit) {
        chunks.length = 0;
        finish(tooLarge());
        return;
      }
      chunks.push(c);
    };
    const onEnd = (): void => finish(undefined, Buffer.concat(chunks));
    const onError = (e: unknown): void => finish(badRequest(`error reading request body: ${e instanceof Error ? e.message : 'unknown'}`));
    const onClose = (): void => finish(badRequest('request body aborted by client'));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
    socket.on('close', onClose);
    // Gone before the handler got here: no 'close' is coming any more.
    if (socket.destroyed && !req.complete) onClose();
  });
}

/**
 * The request headers Ward itself reads, found in one pass over `rawHeaders`: asking
 * node for `req.headers` builds a lower-cased object of every header, which cost more
 * than the rest of reading a request. The first occurrence wins, as Go's Header.Get.
 */
export interface WardHeaders {
  token: string | undefined;
  authorization: string | undefined;
  wrapTtl: string | undefined;
  contentType: string | undefined;
  contentLength: string | undefined;
  transferEncoding: string | undefined;
  /** How many Content-Length and Transfer-Encoding fields there are (framing allows one). */
  contentLengths: number;
  transferEncodings: number;
  /** An Upgrade header is present. */
  upgrade: boolean;
}

export function scanHeaders(raw: string[]): WardHeaders {
  const out: WardHeaders = {
    token: undefined,
    authorization: undefined,
    wrapTtl: undefined,
    contentType: undefined,
    contentLength: undefined,
    transferEncoding: undefined,
    contentLengths: 0,
    transferEncodings: 0,
    upgrade: false,
  };
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    // The names below are 7, 12, 13, 14, 16 or 17 characters long: skip others without lower-casing.
    const len = name.length;
    if (len === 7) {
      if (name.toLowerCase() === 'upgrade') out.upgrade = true;
      continue;
    }
    if (len < 12 || len > 17 || len === 15) continue;
    const value = raw[i + 1];
    switch (name.toLowerCase()) {
      case 'x-vault-token':
        out.token ??= value;
        break;
      case 'authorization':
        out.authorization ??= value;
        break;
      case 'content-type':
        out.contentType ??= value;
        break;
      case 'content-length':
        out.contentLength ??= value;
        out.contentLengths++;
        break;
      case 'transfer-encoding':
        out.transferEncoding ??= value;
        out.transferEncodings++;
        break;
      case 'x-vault-wrap-ttl':
        out.wrapTtl ??= value;
        break;
    }
  }
  return out;
}

/**
 * What node's parser (llhttp) lets through but Vault's Go server refuses before any
 * handler runs, answered the way Go answers it; the caller closes the connection after.
 * - HTTP/0.9 and HTTP/2.0 request lines (llhttp's other versions fail to parse): Go
 *   answers 505 "unsupported protocol version".
 * - Transfer-Encoding other than one field saying `chunked` (llhttp takes
 *   `gzip, chunked` and a `gzip` field followed by a `chunked` one as chunked): Go
 *   answers 501 "Unsupported transfer encoding".
 * - Content-Length twice, or with Transfer-Encoding: llhttp refuses both (strict mode, as
 *   the listener pins); checked here too so a lenient parser would not let them through.
 */
export function framingError(versionMajor: number, versionMinor: number, h: WardHeaders): WardError | null {
  if (versionMajor !== 1 || versionMinor > 1) return new WardError('invalid_request', ['unsupported protocol version'], { status: 505 });
  if (h.transferEncodings > 0) {
    const te = h.transferEncoding ?? '';
    if (h.transferEncodings > 1 || te.length !== 7 || te.toLowerCase() !== 'chunked') return new WardError('invalid_request', ['Unsupported transfer encoding'], { status: 501 });
  }
  if (h.contentLengths > 1 || (h.contentLengths > 0 && h.transferEncodings > 0)) return badRequest('malformed MIME header line');
  return null;
}

function mediaType(h: WardHeaders): string {
  return (h.contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/** Body types handed to the backend unparsed: DER OCSP requests (RFC 6960 §A.1), as Vault does. */
const BINARY_BODY_TYPES = new Set(['application/ocsp-request']);

export function isBinaryBody(h: WardHeaders): boolean {
  return BINARY_BODY_TYPES.has(mediaType(h));
}

/** PATCH is only JSON merge-patch; anything else is a 415. */
export function checkPatchContentType(h: WardHeaders): void {
  const ct = mediaType(h);
  if (ct !== 'application/merge-patch+json') {
    throw new WardError('unsupported_media_type', [`PATCH requires Content-Type of application/merge-patch+json, got "${h.contentType ?? ''}"`]);
  }
}

/**
 * Body as request data: empty → {}; JSON object; or a url-encoded form when declared
 * so and the body does not look like JSON. Anything else → 400.
 */
export function bodyData(h: WardHeaders, body: Buffer, json: JsonGuard): Record<string, unknown> {
  if (body.length === 0) return {};
  const first = firstNonSpace(body);
  if (first === -1) return {};
  const looksJson = first === 0x7b || first === 0x5b || first === 0x22; // { [ "
  if (!looksJson && mediaType(h) === 'application/x-www-form-urlencoded') {
    return queryData(formBody(utf8Text(body, 'invalid form body: not UTF-8').trim()), []);
  }
  const parsed = json.parse(body);
  if (parsed === null) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw badRequest(`failed to parse JSON input: request body must be a JSON object, got ${Array.isArray(parsed) ? 'array' : typeof parsed}`);
  }
  return parsed as Record<string, unknown>;
}

/** The first byte of `body` that is not JSON whitespace, or -1. */
function firstNonSpace(body: Buffer): number {
  for (let i = 0; i < body.length; i++) {
    const b = body[i]!;
    if (b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09) return b;
  }
  return -1;
}

/** X-Vault-Token wins; otherwise `Authorization: Bearer <token>`; else "". */
export function clientToken(h: WardHeaders): { token: string; fromBearer: boolean } {
  const direct = h.token?.trim();
  if (direct) return { token: direct, fromBearer: false };
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h.authorization ?? '');
  return m?.[1] ? { token: m[1], fromBearer: true } : { token: '', fromBearer: false };
}

/** X-Vault-Wrap-TTL in seconds, 0 when absent. */
export function wrapTtl(h: WardHeaders): number {
  const raw = h.wrapTtl?.trim();
  if (!raw) return 0;
  let secs: number;
  try {
    secs = parseDurationSeconds(raw);
  } catch {
    throw badRequest('error parsing X-Vault-Wrap-TTL header');
  }
  if (secs < 0) throw badRequest('error parsing X-Vault-Wrap-TTL header');
  return secs;
}
