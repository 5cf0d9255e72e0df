/**
 * The orchestrator interface: how a wrapping token reaches a device, and what the channel
 * knows about the token a device was last given. Two channels: a directory of
 * `<device-id>.token` files (mode 0600) and an HTTP endpoint.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** What a device currently holds, as far as the channel can tell. */
export type Held =
  /** Nothing, or nothing the channel knows of: deliver. */
  | { kind: 'none' }
  /** The token last delivered; the broker checks whether it can still be unwrapped. */
  | { kind: 'token'; token: string }
  /** The orchestrator says the device has not collected its last token yet: skip. */
  | { kind: 'pending' };

/** A delivery channel. Errors are thrown; their messages never contain a token. */
export interface Delivery {
  /** Human-readable target for messages (`dir /x`, `https://…`). */
  readonly target: string;
  held(deviceId: string): Promise<Held>;
  deliver(deviceId: string, wrappingToken: string): Promise<void>;
}

const code = (e: unknown): string | undefined => (e as { code?: string } | null)?.code; // Node fs errors carry `code`

/** fetch() rejects with "fetch failed" and hides the reason (ECONNREFUSED, …) in `cause`. */
export function fetchFailure(e: unknown): string {
  const cause = (e as { cause?: unknown } | null)?.cause; // undici's TypeError carries the socket error here
  const why = cause instanceof Error ? cause.message : '';
  return why ? `${(e as Error).message}: ${why}` : e instanceof Error ? e.message : String(e);
}

/** `<dir>/<device-id>.token`, written atomically with mode 0600 in a directory created 0700. */
export class FileDelivery implements Delivery {
  readonly target: string;
  constructor(private readonly dir: string) {
    this.target = `dir ${dir}`;
  }

  path(deviceId: string): string {
    return join(this.dir, `${deviceId}.token`);
  }

  async held(deviceId: string): Promise<Held> {
    try {
      const token = (await readFile(this.path(deviceId), 'utf8')).trim();
      return token === '' ? { kind: 'none' } : { kind: 'token', token };
    } catch (e) {
      if (code(e) === 'ENOENT') return { kind: 'none' };
      throw new Error(`cannot read ${this.path(deviceId)}: ${(e as Error).message}`);
    }
  }

  async deliver(deviceId: string, wrappingToken: string): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const final = this.path(deviceId);
    // Temporary file plus rename: a device never reads a half-written token.
    const tmp = join(this.dir, `.${deviceId}.token.${randomBytes(6).toString('hex')}`);
    try {
      await writeFile(tmp, `${wrappingToken}\n`, { mode: 0o600, flag: 'wx' });
      await chmod(tmp, 0o600);
      await rename(tmp, final);
    } catch (e) {
      await rm(tmp, { force: true });
      throw new Error(`cannot write ${final}: ${(e as Error).message}`);
    }
  }
}

/**
 * An HTTP orchestrator. Delivery is `POST <url>` with `{"device_id","wrapping_token"}`
 * (any 2xx is success). Before minting, the broker asks `GET <url>/<device-id>`: 404 means
 * nothing is held; 200 with `{"wrapping_token": "…"}` returns the token last delivered
 * (checked like a file); 200 with `{"pending": true}` means the device has not collected it.
 */
export class HttpDelivery implements Delivery {
  readonly target: string;
  constructor(
    private readonly url: string,
    private readonly fetchFn: typeof fetch = fetch,
  ) {
    this.target = url;
  }

  async held(deviceId: string): Promise<Held> {
    const url = `${this.url.replace(/\/+$/, '')}/${encodeURIComponent(deviceId)}`;
    const res = await this.call(url, { headers: { Accept: 'application/json' } });
    const text = await res.text();
    if (res.status === 404) return { kind: 'none' };
    if (!res.ok) throw new Error(`orchestrator answered HTTP ${res.status} to GET ${url}`);
    let body: unknown;
    try {
      body = text.trim() === '' ? {} : JSON.parse(text);
    } catch {
      throw new Error(`orchestrator answered GET ${url} with invalid JSON`);
    }
    const o = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>; // plain object checked
    if (typeof o['wrapping_token'] === 'string' && o['wrapping_token'] !== '') return { kind: 'token', token: o['wrapping_token'] };
    if (o['pending'] === true) return { kind: 'pending' };
    return { kind: 'none' };
  }

  async deliver(deviceId: string, wrappingToken: string): Promise<void> {
    const res = await this.call(this.url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ device_id: deviceId, wrapping_token: wrappingToken }),
    });
    await res.arrayBuffer();
    // The status only: an orchestrator might echo the request (and the token) in its body.
    if (!res.ok) throw new Error(`orchestrator answered HTTP ${res.status} to POST ${this.url}`);
  }

  private async call(url: string, init: RequestInit): Promise<Response> {
    try {
      return await this.fetchFn(url, init);
    } catch (e) {
      throw new Error(`cannot reach orchestrator at ${url}: ${fetchFailure(e)}`);
    }
  }
}
