/**
 * The cluster certificate: a self-signed ECDSA P-256 certificate and key the active node
 * makes each time it becomes active and stores inside the barrier (in its leader
 * advertisement). Standbys, which can read it only while unsealed, present the same
 * certificate as their client certificate; the active's cluster listener accepts exactly
 * that certificate (pinned), so nothing outside the cluster can call it.
 */
import { webcrypto, X509Certificate } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ECDSA = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
/** Long enough that no active node outlives it; a new one is made on every activation. */
const VALIDITY_MS = 10 * 365 * 86_400_000;

export interface ClusterCert {
  certPem: string;
  keyPem: string;
}

function pem(label: string, der: ArrayBuffer): string {
  const b64 = Buffer.from(der).toString('base64');
  return `-----BEGIN ${label}-----\n${(b64.match(/.{1,64}/g) ?? []).join('\n')}\n-----END ${label}-----\n`;
}

export async function generateClusterCert(): Promise<ClusterCert> {
  const keys = await webcrypto.subtle.generateKey(ECDSA, true, ['sign', 'verify']);
  const serial = Buffer.from(webcrypto.getRandomValues(new Uint8Array(16))).toString('hex').replace(/^[89a-f]/, '1');
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial,
    name: `CN=ward-cluster-${serial.slice(0, 12)}`,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + VALIDITY_MS),
    keys,
    signingAlgorithm: ECDSA,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyCertSign, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
    ],
  });
  return { certPem: `${cert.toString('pem')}\n`, keyPem: pem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)) };
}

/** The DER bytes a peer presents, for pinning. */
export function certDer(certPem: string): Buffer {
  return Buffer.from(new X509Certificate(certPem).raw);
}
