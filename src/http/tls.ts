/**
 * TLS settings of a listener, in Vault's terms: cipher suites by their Go names (mapped
 * to OpenSSL's), the TLS floor, and client certificates. Defaults are forward secret
 * and AEAD only. Everything is read from files here so SIGHUP can rebuild it.
 */
import { readFileSync } from 'node:fs';
import type { SecureContextOptions, TlsOptions } from 'node:tls';

/** The TLS 1.2 suites Ward offers by default: ECDHE key exchange, AEAD ciphers. */
const DEFAULT_TLS12 = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
];
/** TLS 1.3 suites are all forward secret and AEAD; Go does not let them be configured. */
const TLS13 = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'];

/** Go's names of the forward-secret TLS 1.2 suites, as OpenSSL names them. */
const GO_SUITES: Record<string, string> = {
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 'ECDHE-ECDSA-AES128-GCM-SHA256',
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 'ECDHE-RSA-AES128-GCM-SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: 'ECDHE-ECDSA-AES256-GCM-SHA384',
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: 'ECDHE-RSA-AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-ECDSA-CHACHA20-POLY1305',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305: 'ECDHE-ECDSA-CHACHA20-POLY1305',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-RSA-CHACHA20-POLY1305',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305: 'ECDHE-RSA-CHACHA20-POLY1305',
  // CBC suites: forward secret but not AEAD; offered only when configured explicitly.
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: 'ECDHE-ECDSA-AES128-SHA',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: 'ECDHE-RSA-AES128-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA: 'ECDHE-ECDSA-AES256-SHA',
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA: 'ECDHE-RSA-AES256-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256: 'ECDHE-ECDSA-AES128-SHA256',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256: 'ECDHE-RSA-AES128-SHA256',
};

/** Suites Go knows that Ward refuses to offer, with the reason. */
function refusal(name: string): string | null {
  if (/_RC4_|_3DES_/.test(name)) return `cipher suite ${name} is insecure`;
  if (/^TLS_RSA_WITH_/.test(name)) return `cipher suite ${name} does not provide forward secrecy`;
  return null;
}

/**
 * The OpenSSL cipher string for `tls_cipher_suites` (Go names, comma-separated in the
 * config). TLS 1.3 names are accepted and ignored, as Go does: all three stay on.
 * Throws a config-style error for unknown or refused names.
 */
export function cipherList(goNames?: readonly string[]): string {
  if (!goNames || goNames.length === 0) return [...TLS13, ...DEFAULT_TLS12].join(':');
  const tls12: string[] = [];
  for (const name of goNames) {
    if (TLS13.includes(name)) continue;
    const reason = refusal(name);
    if (reason) throw new Error(`tls_cipher_suites: ${reason}`);
    const openssl = GO_SUITES[name];
    if (!openssl) throw new Error(`tls_cipher_suites: unsupported cipher suite "${name}"`);
    if (!tls12.includes(openssl)) tls12.push(openssl);
  }
  return [...TLS13, ...tls12].join(':');
}

/** Splits Vault's comma-separated `tls_cipher_suites` value. */
export function parseCipherSuites(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

export interface TlsSettings {
  certFile: string;
  keyFile: string;
  minVersion?: 'tls12' | 'tls13';
  cipherSuites?: readonly string[];
  preferServerCipherSuites?: boolean;
  requireAndVerifyClientCert?: boolean;
  clientCaFile?: string;
  disableClientCerts?: boolean;
}

function tlsFloor(v: string | undefined): 'TLSv1.2' | 'TLSv1.3' {
  if (v === undefined || v === '' || v === 'tls12') return 'TLSv1.2';
  if (v === 'tls13') return 'TLSv1.3';
  throw new Error(`unsupported tls_min_version "${v}": only tls12 and tls13 are allowed`);
}

/**
 * Options for `https.createServer` (and, on reload, `setSecureContext`), with the files
 * read now. Client certificates follow Vault: requested but not required by default,
 * required and verified with `tls_require_and_verify_client_cert`, not requested with
 * `tls_disable_client_certs`.
 */
export function tlsOptions(s: TlsSettings): TlsOptions & SecureContextOptions {
  if (s.requireAndVerifyClientCert && s.disableClientCerts) {
    throw new Error('tls_disable_client_certs and tls_require_and_verify_client_cert are mutually exclusive');
  }
  const opts: TlsOptions & SecureContextOptions = {
    cert: readFileSync(s.certFile),
    key: readFileSync(s.keyFile),
    minVersion: tlsFloor(s.minVersion),
    ciphers: cipherList(s.cipherSuites),
    honorCipherOrder: s.preferServerCipherSuites === true,
    requestCert: !s.disableClientCerts,
    rejectUnauthorized: s.requireAndVerifyClientCert === true,
  };
  if (s.clientCaFile) opts.ca = readFileSync(s.clientCaFile);
  return opts;
}
