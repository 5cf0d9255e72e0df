/** The connection pool the proxy uses towards Ward, with the `vault {}` TLS settings. */
import * as http from 'node:http';
import * as https from 'node:https';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ClientOptions } from '../../api/index.js';

const pem = (v: string): string => (v.includes('-----BEGIN') ? v : readFileSync(v, 'utf8'));

/** A keep-alive agent for `o.address`; TLS files are read now so a bad path fails at start-up. */
export function upstreamAgent(o: ClientOptions): http.Agent {
  if (!(o.address ?? '').startsWith('https:')) return new http.Agent({ keepAlive: true });
  const tls: https.AgentOptions = { keepAlive: true, rejectUnauthorized: !o.tlsSkipVerify };
  const ca: string[] = [];
  if (o.caCert) ca.push(pem(o.caCert));
  if (o.caPath) for (const f of readdirSync(o.caPath).sort()) if (statSync(join(o.caPath, f)).isFile()) ca.push(readFileSync(join(o.caPath, f), 'utf8'));
  if (ca.length > 0) tls.ca = ca;
  if (o.clientCert) tls.cert = pem(o.clientCert);
  if (o.clientKey) tls.key = pem(o.clientKey);
  if (o.tlsServerName) tls.servername = o.tlsServerName;
  return new https.Agent(tls);
}
