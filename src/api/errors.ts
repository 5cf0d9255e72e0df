import type { VaultEnvelope } from './types.js';

/**
 * Splits Go `multierror` text ("2 errors occurred:\n\t* a\n\t* b\n\n") into its items,
 * and flattens any other multi-line message onto one line.
 */
export function flattenServerMessages(errors: readonly string[]): string[] {
  const out: string[] = [];
  for (const e of errors) {
    const items = e
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l.startsWith('* '))
      .map((l) => l.slice(2).trim());
    if (/^\d+ errors? occurred:/.test(e.trim()) && items.length > 0) out.push(...items);
    else {
      const one = e.replace(/\s*\n\s*/g, ' ').trim();
      if (one !== '') out.push(one);
    }
  }
  return out;
}

/** The server answered with status >= 400. `errors` are the server's messages, flattened. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: number;
  readonly errors: string[];
  readonly address: string;
  readonly method: string;
  readonly path: string;
  /** The parsed body, kept because some 404s carry an envelope (KV v2 deleted versions). */
  readonly body: VaultEnvelope | null;

  constructor(o: { status: number; errors: string[]; address: string; method: string; path: string; body: VaultEnvelope | null }) {
    const errors = flattenServerMessages(o.errors);
    const where = `${o.method} ${o.address}/v1/${o.path}`;
    const warnings = flattenServerMessages(o.body?.warnings ?? []);
    if (errors.length > 0) super(`${errors.join('; ')} (HTTP ${o.status} from ${where})`);
    else if (warnings.length > 0) super(`HTTP ${o.status} from ${where} with warning: ${warnings.join('; ')}`);
    else super(`HTTP ${o.status} with no error message from ${where}`);
    this.status = o.status;
    this.errors = errors;
    this.address = o.address;
    this.method = o.method;
    this.path = o.path;
    this.body = o.body;
  }

  /** True when the server reports that it is sealed (503 "Vault is sealed"). */
  get sealed(): boolean {
    return this.status === 503 && this.errors.some((e) => /sealed/i.test(e));
  }

  /** True when the body carries data or warnings despite the error status (Go's Read quirk). */
  get hasEnvelope(): boolean {
    return this.body !== null && (this.body.data != null || (this.body.warnings?.length ?? 0) > 0);
  }
}

/** The request never got an HTTP answer: refused, DNS, TLS, timeout. */
export class ConnectionError extends Error {
  override readonly name = 'ConnectionError';
  readonly address: string;
  readonly code: string | undefined;

  constructor(address: string, cause: unknown) {
    const c = cause as { code?: unknown; message?: unknown } | null; // narrowed right below
    const code = typeof c?.code === 'string' ? c.code : undefined;
    const msg = typeof c?.message === 'string' && c.message !== '' ? c.message : String(cause);
    super(`cannot reach ${address}: ${describeCause(code, msg)}`, { cause });
    this.address = address;
    this.code = code;
  }
}

function describeCause(code: string | undefined, message: string): string {
  switch (code) {
    case 'ECONNREFUSED':
      return `connection refused (${message})`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `host not found (${message})`;
    case 'ETIMEDOUT':
      return `timed out (${message})`;
    case 'EPROTO':
      return `TLS/protocol error, is the server speaking ${message.includes('wrong version') ? 'plain HTTP' : 'TLS'}? (${message})`;
    default:
      return message;
  }
}
