/**
 * A per-connection follower of HTTP/1.1 request framing that runs on every chunk before
 * node's parser (llhttp) sees it, and edits it in place, never changing its length.
 *
 * Why: Vault's server (Go's net/http) accepts any method token; llhttp has a fixed
 * method table without `LIST`, and accepts some request lines Go refuses. Rather than
 * fork an HTTP parser, this follows the byte stream (request line → headers → a body by
 * Content-Length or chunked → next request) and, at each request start:
 *   - rewrites `LIST` to `LOCK` (same length; llhttp knows LOCK; Vault serves no real
 *     LOCK, so `isListVerb` can trust it), byte by byte, so a method split across TCP
 *     segments is rewritten too;
 *   - "poisons" (overwrites one byte with NUL, which llhttp refuses at any position the
 *     tracker uses) requests Go would refuse or Vault cannot serve: unknown methods
 *     (405), CONNECT (405 with a path, else 400), doubled spaces and other malformed
 *     request lines, obsolete line folding, bare LFs, unsupported transfer codings,
 *     malformed chunked framing (400). llhttp then fails at exactly that byte, the
 *     server's clientError hook finds the verdict recorded here, and answers it.
 *
 * The invariant that makes in-place rewriting safe: for every byte stream llhttp
 * accepts, this tracker finds the same request boundaries; wherever it cannot be sure
 * (a construct it does not model), it poisons, so llhttp fails and the connection ends
 * instead of the two drifting apart and a body byte being mistaken for a method. Body
 * bytes are skipped by count and never inspected or edited.
 *
 * One node quirk is modelled: after a request llhttp treats as an upgrade (an `Upgrade`
 * header and `Connection: upgrade`), node drops the rest of that chunk. Such a request
 * is served only when nothing follows it in its chunk and it has no body; otherwise it
 * is poisoned (400) rather than leave a pipelined request silently unanswered.
 */

export interface Verdict {
  status: number;
  message: string;
}

/** What the tracker decided about the byte it poisoned. */
export interface Poison extends Verdict {
  chunk: Buffer;
  offset: number;
}

const POISON = 0x00;
const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HT = 0x09;
const COLON = 0x3a;
const SEMI = 0x3b;

/** RFC 9110 tchar. */
const TCHAR = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") TCHAR[c.charCodeAt(0)] = 1;

/**
 * Methods handed to llhttp as they are (the handler answers the unsupported ones with
 * 405 on a kept-alive connection), plus LIST (rewritten) and CONNECT (always refused).
 */
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE', 'LIST', 'CONNECT'] as const;
const LIST_BIT = 1 << METHODS.indexOf('LIST');
const CONNECT_BIT = 1 << METHODS.indexOf('CONNECT');
const ALL_METHODS = (1 << METHODS.length) - 1;
const LIST_AS = 'LOCK';
const MAX_METHOD = 7;
/** METHOD_AT[k * 256 + b]: the methods whose k-th byte is b. */
const METHOD_AT = new Uint16Array(MAX_METHOD * 256);
/** METHOD_LEN[k]: the methods k bytes long. */
const METHOD_LEN = new Uint16Array(MAX_METHOD + 1);
METHODS.forEach((m, bit) => {
  for (let k = 0; k < m.length; k++) METHOD_AT[k * 256 + m.charCodeAt(k)]! |= 1 << bit;
  METHOD_LEN[m.length]! |= 1 << bit;
});

/** Header names the framing depends on, matched case-insensitively as they stream by. */
const NAMES = ['content-length', 'transfer-encoding', 'connection', 'upgrade'] as const;
const H_LENGTH = 1;
const H_TE = 2;
const H_CONNECTION = 4;
const H_UPGRADE = 8;
const ALL_NAMES = (1 << NAMES.length) - 1;
const MAX_NAME = 17;
const NAME_AT = new Uint8Array(MAX_NAME * 256);
const NAME_LEN = new Uint8Array(MAX_NAME + 1);
NAMES.forEach((n, bit) => {
  for (let k = 0; k < n.length; k++) {
    NAME_AT[k * 256 + n.charCodeAt(k)]! |= 1 << bit;
    NAME_AT[k * 256 + n.toUpperCase().charCodeAt(k)]! |= 1 << bit;
  }
  NAME_LEN[n.length]! |= 1 << bit;
});

const VERSION = 'HTTP/1.';
const CHUNKED = 'chunked';
const UPGRADE = 'upgrade';
/** Bodies and chunks above this are refused outright; max_request_size is far below. */
const MAX_LENGTH = 2 ** 48;

const enum S {
  Start,
  Method,
  TargetStart,
  Target,
  Version,
  RequestLineLF,
  LineStart,
  Name,
  Value,
  LineLF,
  HeadEndLF,
  Body,
  ChunkSize,
  ChunkExt,
  ChunkSizeLF,
  ChunkData,
  ChunkDataCR,
  ChunkDataLF,
  Dead,
}

/** "HTTP/1.1\r\n" or "HTTP/1.0\r\n" at `i` (the caller checked 10 bytes are there). */
function isVersionLine(buf: Buffer, i: number): boolean {
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

const lower = (b: number): number => (b >= 0x41 && b <= 0x5a ? b | 0x20 : b);
const hexValue = (b: number): number => (b >= 0x30 && b <= 0x39 ? b - 0x30 : (b | 0x20) >= 0x61 && (b | 0x20) <= 0x66 ? (b | 0x20) - 0x57 : -1);

export class RequestFraming {
  private state = S.Start;
  /** Bytes seen in the current token (method, version, name, value part). */
  private k = 0;
  private methods = 0;
  private connect = false;
  private names = 0;
  /** Which framing header the current line carries (one H_* bit, or 0). */
  private header = 0;
  private seen = 0;
  private contentLength = -1;
  private chunked = false;
  private connectionUpgrade = false;
  private trailers = false;
  /** Value sub-state for Content-Length / Transfer-Encoding: 0 leading OWS, 1 token, 2 trailing OWS. */
  private part = 0;
  private valueOk = true;
  private remaining = 0;
  private digits = 0;
  private poisoned: Poison | null = null;

  /** The verdict for the byte poisoned, when llhttp failed there. */
  get poison(): Poison | null {
    return this.poisoned;
  }

  /** True while the tracker is inside a request method made only of token bytes so far. */
  get inMethodToken(): boolean {
    return this.state === S.Method;
  }

  /** Follows (and edits) one chunk, in order; call for every chunk the socket delivers. */
  feed(buf: Buffer): void {
    const len = buf.length;
    let i = 0;
    while (i < len) {
      const b = buf[i]!;
      switch (this.state) {
        case S.Start:
          // llhttp skips empty lines before a request, as RFC 9112 §2.2 allows.
          if (b === CR || b === LF) {
            i++;
            continue;
          }
          this.beginRequest();
          this.state = S.Method;
          continue;
        case S.Method: {
          // The common case runs in this inner loop rather than once per byte through the switch.
          let j = i;
          let k = this.k;
          let methods = this.methods;
          for (; j < len; j++) {
            const c = buf[j]!;
            if (TCHAR[c] !== 1) break;
            methods &= k < MAX_METHOD ? METHOD_AT[k * 256 + c]! : 0;
            if (methods & LIST_BIT) buf[j] = LIST_AS.charCodeAt(k);
            k++;
          }
          this.k = k;
          this.methods = methods;
          if (j === len) return;
          if (buf[j] !== SP) return void this.kill(buf, j, 400, 'malformed HTTP request line');
          if (!this.endMethod(buf, j)) return;
          i = j + 1;
          continue;
        }
        case S.TargetStart:
          if (b === SP || b === CR || b === LF) return void this.kill(buf, i, 400, 'malformed HTTP request line');
          if (this.connect) return void this.kill(buf, i, b === 0x2f ? 405 : 400, b === 0x2f ? 'unsupported operation' : 'malformed HTTP request line');
          this.state = S.Target;
          break;
        case S.Target: {
          // The target runs to the next space; a CR or LF first is HTTP/0.9 or garbage.
          let j = i;
          while (j < len && buf[j] !== SP && buf[j] !== CR && buf[j] !== LF) j++;
          if (j === len) return;
          if (buf[j] !== SP) return void this.kill(buf, j, 400, 'malformed HTTP request line');
          this.state = S.Version;
          this.k = 0;
          i = j + 1;
          continue;
        }
        case S.Version:
          // Nearly always the whole "HTTP/1.1\r\n" is here: check it at once.
          if (this.k === 0 && i + 10 <= len && isVersionLine(buf, i)) {
            this.state = S.LineStart;
            i += 10;
            continue;
          }
          if (this.k < VERSION.length ? b !== VERSION.charCodeAt(this.k) : b !== 0x30 && b !== 0x31) {
            return void this.kill(buf, i, 400, 'malformed HTTP version');
          }
          if (++this.k === VERSION.length + 1) this.state = S.RequestLineLF;
          break;
        case S.RequestLineLF:
          // The CR, then the LF: bare LFs are refused everywhere (llhttp does too).
          if (this.k === VERSION.length + 1) {
            if (b !== CR) return void this.kill(buf, i, 400, 'malformed HTTP version');
            this.k++;
          } else {
            if (b !== LF) return void this.kill(buf, i, 400, 'malformed HTTP request line');
            this.state = S.LineStart;
          }
          break;
        case S.LineStart:
          if (b === CR) {
            this.state = S.HeadEndLF;
          } else if (TCHAR[b] === 1) {
            this.state = S.Name;
            this.k = 0;
            this.names = this.trailers ? 0 : ALL_NAMES;
            continue;
          } else {
            // Obsolete line folding, a bare LF, or a name that is not a token.
            return void this.kill(buf, i, 400, 'malformed MIME header line');
          }
          break;
        case S.Name: {
          let j = i;
          let k = this.k;
          let names = this.names;
          for (; j < len; j++) {
            const c = buf[j]!;
            if (TCHAR[c] !== 1) break;
            names &= k < MAX_NAME ? NAME_AT[k * 256 + c]! : 0;
            k++;
          }
          this.k = k;
          this.names = names;
          if (j === len) return;
          if (buf[j] !== COLON) return void this.kill(buf, j, 400, 'malformed MIME header line');
          if (!this.endName(buf, j)) return;
          i = j + 1;
          continue;
        }
        case S.Value:
          if (this.header === 0) {
            // Values of other headers do not matter for framing: skip to the line end.
            let j = i;
            for (; j < len; j++) {
              const c = buf[j]!;
              if (c === CR || c === LF) break;
            }
            if (j === len) return;
            if (buf[j] === LF) return void this.kill(buf, j, 400, 'malformed MIME header line');
            if (j + 1 < len && buf[j + 1] === LF) {
              this.state = S.LineStart;
              i = j + 2;
              continue;
            }
            i = j;
            this.state = S.LineLF;
            break;
          }
          {
            const j = this.valueBytes(buf, i, len);
            if (j === len) return;
            if (buf[j] === LF) return void this.kill(buf, j, 400, 'malformed MIME header line');
            if (!this.endValue(buf, j)) return;
            i = j;
            this.state = S.LineLF;
          }
          break;
        case S.LineLF:
          if (b !== LF) return void this.kill(buf, i, 400, 'malformed MIME header line');
          this.state = S.LineStart;
          break;
        case S.HeadEndLF:
          if (b !== LF) return void this.kill(buf, i, 400, 'malformed MIME header line');
          if (!this.endHead(buf, i)) return;
          break;
        case S.Body: {
          const take = Math.min(this.remaining, len - i);
          this.remaining -= take;
          i += take;
          if (this.remaining === 0) this.endMessage();
          continue;
        }
        case S.ChunkSize: {
          const h = hexValue(b);
          if (h >= 0) {
            this.remaining = this.remaining * 16 + h;
            this.digits++;
            if (this.remaining > MAX_LENGTH) return void this.kill(buf, i, 400, 'malformed chunked encoding');
          } else if (this.digits > 0 && (b === CR || b === SEMI)) {
            this.state = b === CR ? S.ChunkSizeLF : S.ChunkExt;
          } else {
            return void this.kill(buf, i, 400, 'malformed chunked encoding');
          }
          break;
        }
        case S.ChunkExt:
          if (b === CR) this.state = S.ChunkSizeLF;
          else if (b === LF) return void this.kill(buf, i, 400, 'malformed chunked encoding');
          break;
        case S.ChunkSizeLF:
          if (b !== LF) return void this.kill(buf, i, 400, 'malformed chunked encoding');
          if (this.remaining === 0) {
            this.trailers = true;
            this.state = S.LineStart;
          } else {
            this.state = S.ChunkData;
          }
          break;
        case S.ChunkData: {
          const take = Math.min(this.remaining, len - i);
          this.remaining -= take;
          i += take;
          if (this.remaining === 0) this.state = S.ChunkDataCR;
          continue;
        }
        case S.ChunkDataCR:
          if (b !== CR) return void this.kill(buf, i, 400, 'malformed chunked encoding');
          this.state = S.ChunkDataLF;
          break;
        case S.ChunkDataLF:
          if (b !== LF) return void this.kill(buf, i, 400, 'malformed chunked encoding');
          this.state = S.ChunkSize;
          this.remaining = 0;
          this.digits = 0;
          break;
        case S.Dead:
          return;
      }
      i++;
    }
  }

  private beginRequest(): void {
    this.k = 0;
    this.methods = ALL_METHODS;
    this.connect = false;
    this.seen = 0;
    this.contentLength = -1;
    this.chunked = false;
    this.connectionUpgrade = false;
    this.trailers = false;
  }

  /** The space after the method: decides what happens to the request. */
  private endMethod(buf: Buffer, i: number): boolean {
    const m = this.k <= MAX_METHOD ? this.methods & METHOD_LEN[this.k]! : 0;
    if (this.k === 0) return this.kill(buf, i, 400, 'malformed HTTP request line');
    if (m === 0) return this.kill(buf, i, 405, 'unsupported operation');
    this.connect = m === CONNECT_BIT;
    this.state = S.TargetStart;
    return true;
  }

  private endName(buf: Buffer, i: number): boolean {
    if (this.k === 0) return this.kill(buf, i, 400, 'malformed MIME header line');
    this.header = this.k <= MAX_NAME ? this.names & NAME_LEN[this.k]! : 0;
    if (this.header & (H_LENGTH | H_TE) && this.seen & (H_LENGTH | H_TE)) {
      // A second Content-Length or Transfer-Encoding, or both: ambiguous framing.
      return this.kill(buf, i, 400, 'malformed MIME header line');
    }
    this.seen |= this.header;
    this.part = 0;
    this.k = 0;
    this.valueOk = true;
    this.state = S.Value;
    return true;
  }

  /**
   * The value bytes of a framing header from `i` up to the line end (returned: the
   * index of the CR or LF, or `len`): Content-Length digits, "chunked", or a search
   * for "upgrade" in Connection.
   */
  private valueBytes(buf: Buffer, i: number, len: number): number {
    let j = i;
    for (; j < len; j++) {
      const b = buf[j]!;
      if (b === CR || b === LF) break;
      const ows = b === SP || b === HT;
      switch (this.header) {
        case H_LENGTH:
          if (ows) {
            if (this.part === 1) this.part = 2;
          } else if (b >= 0x30 && b <= 0x39 && this.part < 2) {
            this.part = 1;
            this.contentLength = (this.contentLength < 0 ? 0 : this.contentLength) * 10 + (b - 0x30);
            if (this.contentLength > MAX_LENGTH) this.valueOk = false;
          } else {
            this.valueOk = false;
          }
          break;
        case H_TE:
          if (ows) {
            if (this.part === 1) this.part = 2;
          } else if (this.part < 2 && this.k < CHUNKED.length && lower(b) === CHUNKED.charCodeAt(this.k)) {
            this.part = 1;
            this.k++;
          } else {
            this.valueOk = false;
          }
          break;
        case H_CONNECTION:
          // Any mention of "upgrade" counts (llhttp wants the token; a superset is safe).
          if (this.k < UPGRADE.length) {
            if (lower(b) === UPGRADE.charCodeAt(this.k)) this.k++;
            else this.k = lower(b) === UPGRADE.charCodeAt(0) ? 1 : 0;
            if (this.k === UPGRADE.length) this.connectionUpgrade = true;
          }
          break;
        default:
          break;
      }
    }
    return j;
  }

  private endValue(buf: Buffer, i: number): boolean {
    if (this.header === H_LENGTH && (!this.valueOk || this.contentLength < 0)) return this.kill(buf, i, 400, 'invalid Content-Length');
    if (this.header === H_TE) {
      if (!this.valueOk || this.k !== CHUNKED.length) return this.kill(buf, i, 400, 'unsupported transfer encoding');
      this.chunked = true;
    }
    return true;
  }

  /** The LF that ends the head (or the trailers): what follows, and where the request ends. */
  private endHead(buf: Buffer, i: number): boolean {
    if (this.trailers) {
      this.endMessage();
      return true;
    }
    const hasBody = this.chunked || this.contentLength > 0;
    if (this.seen & H_UPGRADE && this.connectionUpgrade && (hasBody || i + 1 < buf.length)) {
      return this.kill(buf, i, 400, 'upgrade requests cannot carry a body or be pipelined');
    }
    if (this.chunked) {
      this.state = S.ChunkSize;
      this.remaining = 0;
      this.digits = 0;
    } else if (this.contentLength > 0) {
      this.state = S.Body;
      this.remaining = this.contentLength;
    } else {
      this.endMessage();
    }
    return true;
  }

  private endMessage(): void {
    this.state = S.Start;
  }

  /** Overwrites `buf[i]` so llhttp fails there, records why, and stops following. */
  private kill(buf: Buffer, i: number, status: number, message: string): false {
    buf[i] = POISON;
    this.poisoned = { chunk: buf, offset: i, status, message };
    this.state = S.Dead;
    return false;
  }
}
