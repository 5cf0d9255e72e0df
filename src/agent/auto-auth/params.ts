/**
 * The config readers of the methods whose parameters live beside their code (jwt, cert,
 * azure, gcp): `config-stanzas.ts` looks the method type up here.
 */
import type { Stanza } from '../config-read.js';
import { parseAzureParams, type AzureParams } from './azure.js';
import { parseCertParams, type CertParams } from './cert.js';
import { parseGcpParams, type GcpParams } from './gcp.js';
import { parseJwtParams, type JwtParams } from './jwt.js';

export type MoreParams = JwtParams | CertParams | AzureParams | GcpParams;

/** `config` is the method's `config` stanza (absent when the file has none); `m` the method stanza, for errors. */
type Reader = (config: Stanza | undefined, m: Stanza) => MoreParams;

const need = (c: Stanza | undefined, m: Stanza): Stanza => {
  if (!c) throw m.error('missing required stanza "config"');
  return c;
};

export const MORE_METHODS: Readonly<Record<string, Reader>> = {
  jwt: (c, m) => parseJwtParams(need(c, m)),
  cert: (c) => parseCertParams(c),
  azure: (c, m) => parseAzureParams(need(c, m)),
  gcp: (c, m) => parseGcpParams(need(c, m)),
};
