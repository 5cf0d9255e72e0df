/**
 * The transit seal: the root key is encrypted by another Ward's (or Vault's) transit
 * engine, `POST <mount>/encrypt/<key_name>` and `…/decrypt/<key_name>`, through Ward's
 * own API client. The token is renewed in the background unless `disable_renewal`.
 */
import { ApiError, ConnectionError } from '../../api/errors.js';
import { Transport } from '../../api/transport.js';
import type { Logger } from '../../sdk/logical.js';
import { SealError, type AutoSeal, type WrappedValue } from './auto-seal.js';
import type { TransitSealSpec } from './spec.js';
import { TokenRenewer, type RenewerTimers } from './token-renewer.js';

/** How long one call to the transit server may take before it counts as unreachable. */
const CALL_TIMEOUT_MS = 15_000;

export class TransitSeal implements AutoSeal {
  readonly type = 'transit' as const;
  private readonly client: Transport;
  private renewer: TokenRenewer | null = null;

  constructor(
    private readonly spec: TransitSealSpec,
    private readonly timers?: RenewerTimers,
  ) {
    this.client = new Transport({
      address: spec.address,
      token: spec.token,
      timeoutMs: CALL_TIMEOUT_MS,
      tlsSkipVerify: spec.tlsSkipVerify,
      ...(spec.namespace ? { namespace: spec.namespace } : {}),
      ...(spec.tlsCaCert ? { caCert: spec.tlsCaCert } : {}),
      ...(spec.tlsClientCert ? { clientCert: spec.tlsClientCert } : {}),
      ...(spec.tlsClientKey ? { clientKey: spec.tlsClientKey } : {}),
      ...(spec.tlsServerName ? { tlsServerName: spec.tlsServerName } : {}),
    });
  }

  async wrap(plaintext: Buffer): Promise<WrappedValue> {
    const data = await this.call('encrypt', { plaintext: plaintext.toString('base64') });
    const ct = data['ciphertext'];
    if (typeof ct !== 'string' || ct === '') throw new SealError(`${this.where('encrypt')}: the response has no ciphertext`, false);
    return { seal: 'transit', key_id: this.spec.keyName, ciphertext: ct };
  }

  async unwrap(value: WrappedValue): Promise<Buffer> {
    const data = await this.call('decrypt', { ciphertext: value.ciphertext });
    const pt = data['plaintext'];
    if (typeof pt !== 'string') throw new SealError(`${this.where('decrypt')}: the response has no plaintext`, false);
    return Buffer.from(pt, 'base64');
  }

  start(logger: Logger): void {
    if (this.spec.disableRenewal || this.spec.token === '' || this.renewer) return;
    this.renewer = new TokenRenewer(this.client, logger, this.timers);
    this.renewer.start();
  }

  stop(): void {
    this.renewer?.stop();
    this.renewer = null;
    this.client.close();
  }

  private where(op: string): string {
    return `transit seal: ${op} with key "${this.spec.keyName}" on mount "${this.spec.mountPath}" at ${this.client.address}`;
  }

  private async call(op: 'encrypt' | 'decrypt', body: Record<string, string>): Promise<Record<string, unknown>> {
    const path = `${this.spec.mountPath}/${op}/${encodeURIComponent(this.spec.keyName)}`;
    try {
      const res = await this.client.request('PUT', path, { body, wrapTtl: '' });
      const data = res.body?.data;
      if (!data || typeof data !== 'object' || Array.isArray(data)) throw new SealError(`${this.where(op)}: the response has no data`, false);
      return data as Record<string, unknown>;
    } catch (e) {
      throw redacted(this.classify(op, e));
    }
  }

  private classify(op: string, e: unknown): SealError {
    if (e instanceof SealError) return e;
    if (e instanceof ConnectionError) return new SealError(`${this.where(op)}: ${e.message}`, true);
    if (e instanceof ApiError) {
      // A sealed or overloaded provider comes back by itself; a 4xx needs the operator.
      const retryable = e.status >= 500 || e.status === 429;
      return new SealError(`${this.where(op)} failed: ${e.errors.join('; ') || `HTTP ${e.status}`} (HTTP ${e.status})`, retryable);
    }
    return new SealError(`${this.where(op)} failed: ${(e as Error).message}`, true);
  }
}

/** Credentials in an address (`https://user:pass@host`) never reach a log line. */
function redacted(e: SealError): SealError {
  const clean = e.message.replace(/(\w+:\/\/)[^/@\s]+@/g, '$1[redacted]@');
  return clean === e.message ? e : new SealError(clean, e.retryable);
}
