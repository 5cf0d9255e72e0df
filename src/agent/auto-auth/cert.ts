/**
 * cert auto-auth: logs in at `auth/<mount>/login` over mutual TLS, presenting a client
 * certificate. With `ca_cert` or `client_cert`/`client_key` set, the login goes through a
 * client of its own (the agent's address and TLS settings with these overriding), built
 * once, or before every login with `reload = true` so that renewed certificate files are
 * picked up; without them the agent's own client (its `vault {}` TLS settings) is used.
 */
import { WardClient, type ClientOptions } from '../../api/index.js';
import type { Stanza } from '../config-read.js';
import { fromAuth, type AuthMethod, type AuthResult } from './method.js';

export interface CertParams {
  type: 'cert';
  /** The `certs/:name` entry to log in against; empty lets the server pick. */
  name: string;
  caCert?: string;
  clientCert?: string;
  clientKey?: string;
  reload: boolean;
}

/** `method "cert" { config = { name ca_cert client_cert client_key reload } }`; every key is optional. */
export function parseCertParams(x: Stanza | undefined): CertParams {
  const p: CertParams = { type: 'cert', name: '', reload: false };
  if (!x) return p;
  x.checkKeys(['name', 'ca_cert', 'client_cert', 'client_key', 'reload']);
  p.name = x.str('name') ?? '';
  p.reload = x.bool('reload') ?? false;
  for (const [key, k] of [['ca_cert', 'caCert'], ['client_cert', 'clientCert'], ['client_key', 'clientKey']] as const) {
    const v = x.str(key);
    if (v) p[k] = v;
  }
  // Vault fails every login of such a config ("both client cert and client key must be provided"): say so at start.
  if (Boolean(p.clientCert) !== Boolean(p.clientKey)) throw x.error('client_cert and client_key must be set together', p.clientCert ? 'client_cert' : 'client_key');
  return p;
}

export class CertMethod implements AuthMethod {
  readonly name = 'cert';
  private own: WardClient | undefined;

  constructor(
    private readonly mount: string,
    private readonly p: CertParams,
    private readonly base: ClientOptions = {},
  ) {}

  async authenticate(client: WardClient): Promise<AuthResult> {
    const res = await this.authClient(client).login(this.mount, this.p.name ? { name: this.p.name } : {});
    return fromAuth(res.body, `auth/${this.mount}/login`);
  }

  close(): void {
    this.own?.close();
    this.own = undefined;
  }

  private authClient(agentClient: WardClient): WardClient {
    if (!this.p.caCert && !this.p.clientCert) return agentClient;
    if (this.own && !this.p.reload) return this.own;
    this.close();
    const o: ClientOptions = { ...this.base, token: '' };
    if (this.p.caCert) {
      o.caCert = this.p.caCert;
      delete o.caPath;
    }
    if (this.p.clientCert && this.p.clientKey) {
      o.clientCert = this.p.clientCert;
      o.clientKey = this.p.clientKey;
    }
    this.own = new WardClient(o);
    return this.own;
  }
}
