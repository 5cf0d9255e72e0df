/**
 * The fuzzer's own well-behaved client, for setup, seeding, canaries and sealing: JSON
 * in and out, a deadline on every call, never throws on an HTTP status.
 */

export interface ApiResult {
  status: number;
  /** Parsed JSON body, or null (204, empty or not JSON). */
  // any: canary and setup code reads a handful of known fields from Vault's documented shapes.
  body: any;
  text: string;
}

export class Api {
  constructor(
    readonly url: string,
    public rootToken: string,
    private readonly timeoutMs = 10_000,
  ) {}

  async call(method: string, path: string, o: { body?: unknown; token?: string | null } = {}): Promise<ApiResult> {
    const headers: Record<string, string> = {};
    const token = o.token === undefined ? this.rootToken : o.token;
    if (token) headers['X-Vault-Token'] = token;
    if (o.body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(`${this.url}/v1/${path}`, {
      method,
      headers,
      ...(o.body !== undefined ? { body: JSON.stringify(o.body) } : {}),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const text = await res.text();
    let body: unknown = null;
    try {
      body = text === '' ? null : JSON.parse(text);
    } catch {
      body = null;
    }
    return { status: res.status, body, text };
  }

  /** Like call, but throws unless the status is 2xx (setup steps that must work). */
  async must(method: string, path: string, o: { body?: unknown; token?: string | null } = {}): Promise<ApiResult> {
    const r = await this.call(method, path, o);
    if (r.status < 200 || r.status > 299) throw new Error(`${method} ${path} → ${r.status} ${r.text.slice(0, 300)}`);
    return r;
  }
}
