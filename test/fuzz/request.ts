/**
 * One fuzz request as data, its exact bytes on the wire, and the ways a developer can
 * see and replay it (a summary line, a curl line).
 */

export type TokenKind = 'root' | 'default' | 'none' | 'literal';

export interface FuzzRequest {
  /** Position in the run; setup and canary requests use -1. */
  index: number;
  generator: string;
  /** What was varied, for the report: `delete_version_after=nines-400`. */
  note: string;
  method: string;
  /** The request-target exactly as sent (`/v1/kv2/data/fz?x=1`); latin1 when `targetBytes`. */
  target: string;
  /** Send `target` as latin1 bytes (raw non-ASCII or invalid UTF-8 in the request line). */
  targetLatin1?: boolean;
  token: { kind: TokenKind; literal?: string; header: 'x-vault-token' | 'bearer' };
  headers: [string, string][];
  body: Buffer | null;
  /** Send the body with Transfer-Encoding: chunked; `malformed` breaks the framing on purpose. */
  chunked?: 'valid' | 'malformed';
  /** Routed mount prefix the request addresses (`kv2/`), for the oracle and the history. */
  mount: string | null;
  /** The addressed object (first slot value), so failures can list earlier writes to it. */
  object: string | null;
  /** The catalogue target it was built from. */
  targetId: string | null;
}

export interface Tokens {
  root: string;
  default: string;
}

/** The token header value actually sent, or null. */
export function tokenValue(r: FuzzRequest, tokens: Tokens): string | null {
  switch (r.token.kind) {
    case 'root':
      return tokens.root;
    case 'default':
      return tokens.default;
    case 'literal':
      return r.token.literal ?? '';
    default:
      return null;
  }
}

/** The complete request bytes, with `Connection: close` (one request per connection). */
export function serialize(r: FuzzRequest, host: string, tokens: Tokens): Buffer {
  const lines: string[] = [`Host: ${host}`];
  const tok = tokenValue(r, tokens);
  if (tok !== null) lines.push(r.token.header === 'bearer' ? `Authorization: Bearer ${tok}` : `X-Vault-Token: ${tok}`);
  for (const [k, v] of r.headers) lines.push(`${k}: ${v}`);
  let body: Buffer = Buffer.alloc(0);
  if (r.body !== null) {
    if (r.chunked) {
      lines.push('Transfer-Encoding: chunked');
      body = r.chunked === 'valid' ? chunk(r.body) : Buffer.concat([Buffer.from(`zz\r\n`), r.body, Buffer.from('\r\n0\r\n\r\n')]);
    } else {
      lines.push(`Content-Length: ${r.body.length}`);
      body = r.body;
    }
  }
  lines.push('Connection: close');
  const head = Buffer.concat([
    Buffer.from(`${r.method} `, 'latin1'),
    Buffer.from(r.target, r.targetLatin1 ? 'latin1' : 'utf8'),
    Buffer.from(` HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`, 'latin1'),
  ]);
  return Buffer.concat([head, body]);
}

/** Chunked framing in two chunks (so the parser sees more than one). */
function chunk(b: Buffer): Buffer {
  const half = Math.floor(b.length / 2);
  const parts = [b.subarray(0, half), b.subarray(half)].filter((p) => p.length > 0);
  return Buffer.concat([...parts.flatMap((p) => [Buffer.from(`${p.length.toString(16)}\r\n`), p, Buffer.from('\r\n')]), Buffer.from('0\r\n\r\n')]);
}

/** A printable preview of bytes: JSON-escaped, truncated in the middle. */
export function preview(b: Buffer | string | null, max = 300): string {
  if (b === null) return '(none)';
  const s = typeof b === 'string' ? b : b.toString('utf8');
  const len = typeof b === 'string' ? Buffer.byteLength(b) : b.length;
  const shown = s.length > max ? `${s.slice(0, (max * 2) / 3)} …[${len} bytes total]… ${s.slice(-max / 3)}` : s;
  return JSON.stringify(shown);
}

const tokenLabel = (r: FuzzRequest): string =>
  r.token.kind === 'literal' ? `literal ${preview(r.token.literal ?? '', 40)}` : r.token.kind;

/** One line: `#12 [wrong-type] POST /v1/kv2/data/fz token=root body=…`. */
export function describe(r: FuzzRequest): string {
  const target = r.target.length > 200 ? `${r.target.slice(0, 160)}…[${r.target.length} chars]` : r.target;
  const extra = r.headers.length ? ` headers=${JSON.stringify(r.headers.map(([k, v]) => `${k}: ${v.length > 80 ? `${v.slice(0, 60)}…[${v.length}]` : v}`))}` : '';
  const chunked = r.chunked ? ` chunked=${r.chunked}` : '';
  return `#${r.index} [${r.generator}] ${r.method} ${JSON.stringify(target)} token=${tokenLabel(r)} (${r.token.header})${extra}${chunked} body=${preview(r.body, 240)}${r.note ? ` — ${r.note}` : ''}`;
}

const shq = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * A curl line reproducing the request against a dev server at $VAULT_ADDR with
 * $VAULT_TOKEN (root) and $DEFAULT_TOKEN; null when curl cannot send it faithfully.
 */
export function curlLine(r: FuzzRequest): string | null {
  if (r.targetLatin1 || r.chunked === 'malformed' || (r.body && r.body.length > 4096)) return null;
  if (r.body && (!isValidUtf8(r.body) || r.body.includes(0))) return null;
  const parts = ['curl -sS -i --path-as-is', '-X', shq(r.method)];
  const tok = r.token.kind === 'root' ? '$VAULT_TOKEN' : r.token.kind === 'default' ? '$DEFAULT_TOKEN' : r.token.kind === 'literal' ? (r.token.literal ?? '') : null;
  if (tok !== null) {
    const value = r.token.header === 'bearer' ? `Authorization: Bearer ${tok}` : `X-Vault-Token: ${tok}`;
    parts.push('-H', r.token.kind === 'literal' ? shq(value) : `"${value}"`);
  }
  for (const [k, v] of r.headers) parts.push('-H', shq(`${k}: ${v}`));
  if (r.chunked === 'valid') parts.push('-H', shq('Transfer-Encoding: chunked'));
  if (r.body) parts.push('--data-binary', shq(r.body.toString('utf8')));
  parts.push(`"$VAULT_ADDR"${shq(r.target)}`);
  return parts.join(' ');
}

function isValidUtf8(b: Buffer): boolean {
  return Buffer.from(b.toString('utf8'), 'utf8').equals(b);
}
