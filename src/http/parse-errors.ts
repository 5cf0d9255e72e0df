/**
 * What a parse error from node's parser (llhttp) means for the client: the answer
 * (status and message, as Vault's Go server would give), and for the one error that is
 * not the client's fault, a `LIST` llhttp does not know, where that request starts.
 */
import type { RequestFraming, Verdict } from './framing.js';
import { SP, TCHAR } from './framing-tables.js';

/** The fields node puts on a parse error passed to 'clientError'. */
export interface ParseError extends Error {
  code?: string;
  /** The chunk being parsed (a copy). */
  rawPacket?: Buffer;
  /** Where in `rawPacket` llhttp stopped. */
  bytesParsed?: number;
}

const BAD_REQUEST: Verdict = { status: 400, message: 'malformed HTTP request' };
const UNKNOWN_METHOD: Verdict = { status: 405, message: 'unsupported operation' };

/** The answer for errors that mean the same whoever parsed the bytes. */
function byCode(code: string | undefined): Verdict {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, message: 'request header fields too large' };
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return { status: 413, message: 'chunk extensions too large' };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, message: 'request timed out' };
    default:
      return BAD_REQUEST;
  }
}

const L = 0x4c;
const I = 0x49;
const S = 0x53;

/**
 * The first bytes of the `LIST` request llhttp failed on, from the request's start to the
 * end of `chunk`, or null when the error is not at a LIST. llhttp follows a method while
 * it is a prefix of one it knows: `LI` is (`LINK`), `LIS` is not, so it stops at the `S`,
 * having consumed `LI` from this chunk or from earlier ones (a split method), which are
 * put back. What cannot be told apart natively, because the earlier bytes are gone: a
 * method whose letters before `LI` were consumed too (`UNLIST`, or `BIST` split after
 * `B`); those are taken as LIST, where Go would answer 405.
 */
export function listRequestHead(chunk: Buffer | undefined, at: number | undefined): Buffer | null {
  if (chunk === undefined || at === undefined || at < 0 || at >= chunk.length || chunk[at] !== S) return null;
  if (at >= 2 && chunk[at - 2] === L && chunk[at - 1] === I) return chunk.subarray(at - 2);
  if (at === 1 && chunk[0] === I) return Buffer.concat([Buffer.from('L', 'latin1'), chunk]);
  if (at === 0) return Buffer.concat([Buffer.from('LI', 'latin1'), chunk]);
  return null;
}

/**
 * An invalid method on a natively read connection: Go accepts any token as a method and
 * answers 405 for one it does not serve; anything else in its place is a malformed
 * request line (400). llhttp stopped at `at`, after a prefix of a method it knows (a
 * token, possibly in an earlier chunk) or at the request's first byte.
 */
function invalidMethod(chunk: Buffer | undefined, at: number | undefined): Verdict {
  if (chunk === undefined || at === undefined || at < 0 || at > chunk.length) return BAD_REQUEST;
  let end = at;
  while (end < chunk.length && TCHAR[chunk[end]!] === 1) end++;
  const token = end > at || (at > 0 && TCHAR[chunk[at - 1]!] === 1);
  // A token running to the end of the chunk is a method split across segments.
  if (token && (end === chunk.length || chunk[end] === SP)) return UNKNOWN_METHOD;
  return BAD_REQUEST;
}

/** The answer for a parse error on a connection node's parser reads natively. */
export function nativeVerdict(err: ParseError): Verdict {
  return err.code === 'HPE_INVALID_METHOD' ? invalidMethod(err.rawPacket, err.bytesParsed) : byCode(err.code);
}

/** The answer for a parse error on a tracked connection: the tracker's verdict when llhttp failed at its poison. */
export function trackedVerdict(framing: RequestFraming, err: ParseError): Verdict {
  const p = framing.poison;
  const samePacket = p !== null && err.rawPacket === p.chunk;
  if (samePacket && err.bytesParsed === p.offset) return p;
  if (err.code === 'HPE_INVALID_METHOD') {
    // A method llhttp does not know, refused before the tracker saw all of it (a split
    // segment) or earlier in the same token: Go would have answered 405.
    return framing.inMethodToken || (samePacket && p.status === 405) ? UNKNOWN_METHOD : BAD_REQUEST;
  }
  return byCode(err.code);
}
