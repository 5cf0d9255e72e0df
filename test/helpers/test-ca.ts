/**
 * Throwaway certificates for tests, made in memory with @peculiar/x509 (no openssl
 * needed): a CA, server certificates for localhost / 127.0.0.1 / ::1 with a chosen common
 * name, and client certificates, valid for one day. RSA by default (so listener tests can
 * probe the non-forward-secret RSA key exchange suites), or ECDSA P-256.
 */
import { webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const RSA = { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' } as const;
const EC = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export interface Issued {
  certPem: string;
  keyPem: string;
}

export interface TestCa {
  certPem: string;
  /** A server certificate for 127.0.0.1 / localhost, and any extra DNS names (e.g. `svc.ns.svc`) or IP addresses. */
  server(commonName: string, extraDnsNames?: readonly string[]): Promise<Issued>;
  /** A client-authentication certificate. */
  client(commonName: string): Promise<Issued>;
}

function toPem(label: string, der: ArrayBuffer): string {
  const b64 = Buffer.from(der).toString('base64');
  return `-----BEGIN ${label}-----\n${(b64.match(/.{1,64}/g) ?? []).join('\n')}\n-----END ${label}-----\n`;
}

const serial = (): string => Buffer.from(webcrypto.getRandomValues(new Uint8Array(8))).toString('hex').replace(/^[89a-f]/, '1');

export async function makeCa(name: string, keyType: 'rsa' | 'ec' = 'rsa'): Promise<TestCa> {
  const ALG = keyType === 'rsa' ? RSA : EC;
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(Date.now() + 86_400_000);
  const caKeys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${name}`,
    notBefore,
    notAfter,
    keys: caKeys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  });
  const issue = async (commonName: string, server: boolean, extraDnsNames: readonly string[] = []): Promise<Issued> => {
    const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serial(),
      subject: `CN=${commonName}`,
      issuer: ca.subject,
      notBefore,
      notAfter,
      signingKey: caKeys.privateKey,
      publicKey: keys.publicKey,
      signingAlgorithm: ALG,
      extensions: [
        ...(server
          ? [
              new x509.SubjectAlternativeNameExtension([
                { type: 'dns', value: 'localhost' },
                { type: 'ip', value: '127.0.0.1' },
                { type: 'ip', value: '::1' },
                // An IP address among the names becomes an IP SAN (what a client checks an IP against).
                ...extraDnsNames.map((value) => ({ type: isIP(value) ? ('ip' as const) : ('dns' as const), value })),
              ]),
            ]
          : []),
        new x509.ExtendedKeyUsageExtension([server ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth]),
        // keyEncipherment only where RSA key exchange is possible.
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | (keyType === 'rsa' ? x509.KeyUsageFlags.keyEncipherment : 0), true),
      ],
    });
    return { certPem: `${cert.toString('pem')}\n`, keyPem: toPem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)) };
  };
  return { certPem: `${ca.toString('pem')}\n`, server: (cn, extra) => issue(cn, true, extra), client: (cn) => issue(cn, false) };
}
