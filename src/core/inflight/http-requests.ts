/**
 * The HTTP requests a node is serving right now (sys/in-flight-req). The HTTP layer adds
 * an entry when a request arrives and removes it once answered: one Set add and delete
 * per request, with nothing formatted until someone asks (the id, the times and the
 * address are rendered only by `list`).
 */
import { uuid } from '../../lib/ids.js';

export interface InFlightHttpRequest {
  /** Epoch ms at arrival. */
  readonly start: number;
  readonly method: string;
  /** The request target as received (`/v1/…?query`). */
  readonly url: string;
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** The client the token counts as (activity/client-id.ts), set once known; "" before or without one. */
  clientId: string;
  /** Assigned the first time the request is listed. */
  id: string;
}

export class HttpInFlight {
  private readonly live = new Set<InFlightHttpRequest>();

  begin(method: string, url: string, remoteAddress: string, remotePort: number): InFlightHttpRequest {
    const r: InFlightHttpRequest = { start: Date.now(), method, url, remoteAddress, remotePort, clientId: '', id: '' };
    this.live.add(r);
    return r;
  }

  end(r: InFlightHttpRequest): void {
    this.live.delete(r);
  }

  get size(): number {
    return this.live.size;
  }

  /** Vault's sys/in-flight-req body: entries by request id. */
  list(): Record<string, Record<string, string>> {
    const out: Record<string, Record<string, string>> = {};
    for (const r of this.live) {
      if (r.id === '') r.id = uuid();
      const q = r.url.indexOf('?');
      out[r.id] = {
        start_time: new Date(r.start).toISOString(),
        client_remote_address: r.remoteAddress.includes(':') ? `[${r.remoteAddress}]:${r.remotePort}` : `${r.remoteAddress}:${r.remotePort}`,
        request_path: q === -1 ? r.url : r.url.slice(0, q),
        request_method: r.method,
        client_id: r.clientId,
      };
    }
    return out;
  }
}
