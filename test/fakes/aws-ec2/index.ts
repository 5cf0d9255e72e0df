/**
 * A stand-in for AWS's instance identity signing: its own "AWS" key pair and self-signed
 * certificate (what an operator registers with `config/certificate/:name`), and the two
 * forms the instance metadata service hands an instance: the PKCS#7 SignedData of the
 * identity document (base64 BER without PEM armour, indefinite lengths and a chunked
 * content OCTET STRING as AWS's documents have, so it starts "MIAGCSqGSIb3DQEHAqCA"; no
 * certificates inside; signed attributes) and the document with its SHA256 RSA
 * signature. openssl does the signing, so the format is a real CMS encoder's, not Ward's.
 */
import { execFileSync } from 'node:child_process';
import { sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface InstanceDocument {
  accountId: string;
  architecture?: string;
  availabilityZone?: string;
  imageId: string;
  instanceId: string;
  instanceType?: string;
  pendingTime: string;
  privateIp?: string;
  region: string;
  version?: string;
}

export interface FakeInstanceSigner {
  /** The public certificate, PEM. */
  certPem: string;
  /** `pkcs7` for auth/aws/login. */
  /** der: definite lengths (openssl's non-streaming output) instead of AWS's BER. */
  pkcs7(doc: InstanceDocument, o?: { noAttributes?: boolean; md?: 'sha1' | 'sha256'; der?: boolean }): string;
  /** `identity` and `signature` for auth/aws/login. */
  signed(doc: InstanceDocument): { identity: string; signature: string };
  close(): void;
}

export function instanceDocument(o: Partial<InstanceDocument> = {}): InstanceDocument {
  return {
    accountId: '123456789012', architecture: 'x86_64', availabilityZone: 'eu-west-1a', imageId: 'ami-0abc', instanceId: 'i-0123456789abcdef0',
    instanceType: 't3.micro', pendingTime: '2026-12-01T10:00:00Z', privateIp: '10.0.1.5', region: 'eu-west-1', version: '2017-09-30', ...o,
  };
}

/** kind: the key AWS signs with (RSA for the rsa2048/signature documents, DSA for the classic pkcs7). */
export function startFakeInstanceSigner(kind: 'rsa' | 'dsa' = 'rsa'): FakeInstanceSigner {
  const dir = mkdtempSync(join(tmpdir(), 'ward-aws-ec2-'));
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  if (kind === 'rsa') {
    execFileSync('openssl', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', key], { stdio: 'pipe' });
  } else {
    const params = join(dir, 'dsa.pem');
    execFileSync('openssl', ['genpkey', '-genparam', '-algorithm', 'DSA', '-pkeyopt', 'dsa_paramgen_bits:2048', '-out', params], { stdio: 'pipe' });
    execFileSync('openssl', ['genpkey', '-paramfile', params, '-out', key], { stdio: 'pipe' });
  }
  execFileSync('openssl', ['req', '-x509', '-new', '-key', key, '-subj', '/C=US/O=Amazon Web Services LLC/CN=fake-ec2', '-days', '2', '-out', cert], { stdio: 'pipe' });
  const certPem = readFileSync(cert, 'utf8');
  const keyPem = readFileSync(key, 'utf8');
  let n = 0;
  return {
    certPem,
    pkcs7(doc, o = {}) {
      const input = join(dir, `doc-${n++}.json`);
      writeFileSync(input, JSON.stringify(doc, null, 2));
      const args = ['cms', '-sign', '-binary', '-nodetach', '-nocerts', '-outform', 'DER', '-md', o.md ?? 'sha256', '-in', input, '-signer', cert, '-inkey', key];
      if (o.noAttributes) args.push('-noattr');
      if (!o.der) args.push('-stream');
      return execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString('base64');
    },
    signed(doc) {
      const bytes = Buffer.from(JSON.stringify(doc, null, 2));
      return { identity: bytes.toString('base64'), signature: sign('sha256', bytes, keyPem).toString('base64') };
    },
    close() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
