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
 *     request lines, obsolete line folding, bare LFs, malformed chunked framing (400),
 *     transfer codings other than chunked (501, as Go). llhttp then fails at exactly that byte, the
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
 * is poisoned (400) rather than leave a pipelined request silently unanswered. With
 * `upgradesIntact` (the server has an 'upgrade' listener, which node hands the body and
 * the bytes behind intact) nothing is dropped, so nothing is refused.
 */
import {
  ALL_METHODS,
  ALL_NAMES,
  CHUNKED,
  COLON,
  CONNECT_BIT,
  CR,
  H_CONNECTION,
  H_LENGTH,
  H_TE,
  H_UPGRADE,
  hexValue,
  HT,
  isVersionLine,
  LF,
  LIST_AS,
  LIST_BIT,
  lower,
  MAX_LENGTH,
  MAX_METHOD,
  MAX_NAME,
  METHOD_AT,
  METHOD_LEN,
  NAME_AT,
  NAME_LEN,
  POISON,
  SEMI,
  SP,
  TCHAR,
  UPGRADE,
  UNSUPPORTED_TE,
  VERSION,
} from './framing-tables.js';

export interface Verdict {
  status: number;
  message: string;
}

/** What the tracker decided about the byte it poisoned. */
export interface Poison extends Verdict {
  chunk: Buffer;
  offset: number;
}

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

export class RequestFraming {
  private readonly upgradesIntact: boolean;

  constructor(o: { upgradesIntact?: boolean } = {}) {
    this.upgradesIntact = o.upgradesIntact === true;
  }

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
          // "HTTP/" digit "." digit: which versions are served is llhttp's and the
          // handler's business (they answer 400 or 505); the framing is the same.
          if (this.k === 5 || this.k === 7 ? b < 0x30 || b > 0x39 : b !== VERSION.charCodeAt(this.k)) {
            return void this.kill(buf, i, 400, 'malformed HTTP version');
          }
          if (++this.k === VERSION.length) this.state = S.RequestLineLF;
          break;
        case S.RequestLineLF:
          // The CR, then the LF: bare LFs are refused everywhere (llhttp does too).
          if (this.k === VERSION.length) {
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
      // A second Transfer-Encoding is a list of codings Go does not support (501); a
      // second Content-Length, or both, is ambiguous framing (400).
      if (this.header === H_TE && this.seen & H_TE) return this.kill(buf, i, 501, UNSUPPORTED_TE);
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
      if (!this.valueOk || this.k !== CHUNKED.length) return this.kill(buf, i, 501, UNSUPPORTED_TE);
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
    if (!this.upgradesIntact && this.seen & H_UPGRADE && this.connectionUpgrade && (hasBody || i + 1 < buf.length)) {
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
