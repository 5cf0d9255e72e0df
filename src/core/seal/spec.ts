/**
 * What the `seal` stanzas describe, as plain data: parsed by server/config-seal.ts, turned
 * into running seals by open-seal.ts. Secrets (the transit token, the static key) are
 * already resolved from env:// and file:// references here.
 */

export interface TransitSealSpec {
  type: 'transit';
  address: string;
  token: string;
  keyName: string;
  /** Without leading or trailing slash, e.g. `transit`. */
  mountPath: string;
  namespace?: string;
  disableRenewal: boolean;
  tlsCaCert?: string;
  tlsClientCert?: string;
  tlsClientKey?: string;
  tlsServerName?: string;
  tlsSkipVerify: boolean;
}

export interface StaticSealSpec {
  type: 'static';
  currentKeyId: string;
  /** 32 bytes. */
  currentKey: Buffer;
  previousKeyId?: string;
  previousKey?: Buffer;
}

export type AutoSealSpec = TransitSealSpec | StaticSealSpec;
export type SealSpec = { type: 'shamir' } | AutoSealSpec;
