/**
 * Byte tables and constants for the framing tracker (framing.ts): which bytes are
 * tokens, which methods and header names it follows, and a few byte predicates.
 */

export const POISON = 0x00;
export const CR = 0x0d;
export const LF = 0x0a;
export const SP = 0x20;
export const HT = 0x09;
export const COLON = 0x3a;
export const SEMI = 0x3b;

/** RFC 9110 tchar. */
export const TCHAR = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") TCHAR[c.charCodeAt(0)] = 1;

/**
 * Methods handed to llhttp as they are (the handler answers the unsupported ones with
 * 405 on a kept-alive connection), plus LIST (rewritten) and CONNECT (always refused).
 */
export const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE', 'LIST', 'CONNECT'] as const;
export const LIST_BIT = 1 << METHODS.indexOf('LIST');
export const CONNECT_BIT = 1 << METHODS.indexOf('CONNECT');
export const ALL_METHODS = (1 << METHODS.length) - 1;
export const LIST_AS = 'LOCK';
export const MAX_METHOD = 7;
/** METHOD_AT[k * 256 + b]: the methods whose k-th byte is b. */
export const METHOD_AT = new Uint16Array(MAX_METHOD * 256);
/** METHOD_LEN[k]: the methods k bytes long. */
export const METHOD_LEN = new Uint16Array(MAX_METHOD + 1);
METHODS.forEach((m, bit) => {
  for (let k = 0; k < m.length; k++) METHOD_AT[k * 256 + m.charCodeAt(k)]! |= 1 << bit;
  METHOD_LEN[m.length]! |= 1 << bit;
});

/** Header names the framing depends on, matched case-insensitively as they stream by. */
export const NAMES = ['content-length', 'transfer-encoding', 'connection', 'upgrade'] as const;
export const H_LENGTH = 1;
export const H_TE = 2;
export const H_CONNECTION = 4;
export const H_UPGRADE = 8;
export const ALL_NAMES = (1 << NAMES.length) - 1;
export const MAX_NAME = 17;
export const NAME_AT = new Uint8Array(MAX_NAME * 256);
export const NAME_LEN = new Uint8Array(MAX_NAME + 1);
NAMES.forEach((n, bit) => {
  for (let k = 0; k < n.length; k++) {
    NAME_AT[k * 256 + n.charCodeAt(k)]! |= 1 << bit;
    NAME_AT[k * 256 + n.toUpperCase().charCodeAt(k)]! |= 1 << bit;
  }
  NAME_LEN[n.length]! |= 1 << bit;
});

/** The request line's version: "HTTP/" digit "." digit (a 0 marks each digit's place). */
export const VERSION = 'HTTP/0.0';
export const UNSUPPORTED_TE = 'Unsupported transfer encoding';
export const CHUNKED = 'chunked';
export const UPGRADE = 'upgrade';
/** Bodies and chunks above this are refused outright; max_request_size is far below. */
export const MAX_LENGTH = 2 ** 48;

/** "HTTP/1.1\r\n" or "HTTP/1.0\r\n" at `i` (the caller checked 10 bytes are there). */
export function isVersionLine(buf: Buffer, i: number): boolean {
  return (
    buf[i] === 0x48 &&
    buf[i + 1] === 0x54 &&
    buf[i + 2] === 0x54 &&
    buf[i + 3] === 0x50 &&
    buf[i + 4] === 0x2f &&
    buf[i + 5] === 0x31 &&
    buf[i + 6] === 0x2e &&
    (buf[i + 7] === 0x31 || buf[i + 7] === 0x30) &&
    buf[i + 8] === CR &&
    buf[i + 9] === LF
  );
}

export const lower = (b: number): number => (b >= 0x41 && b <= 0x5a ? b | 0x20 : b);
export const hexValue = (b: number): number => (b >= 0x30 && b <= 0x39 ? b - 0x30 : (b | 0x20) >= 0x61 && (b | 0x20) <= 0x66 ? (b | 0x20) - 0x57 : -1);
