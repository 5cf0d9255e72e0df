import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createPublicKey, generateKeyPairSync, randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { skipUnless, SSH_KEYGEN } from '../../../test/helpers/requirement.js';
import { certificateText, HOST_CERT, signCertificate, USER_CERT, type CertSpec } from './certificate.js';
import { authorizedKey, parseAuthorizedKey, publicBlobOf, signatureAlgorithm } from './keys.js';
import { encodeOpenSshEd25519, parsePrivateKey } from './private-key.js';
import { packOptions, WireReader } from './wire.js';

const dir = mkdtempSync(join(tmpdir(), 'ward-ssh-cert-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** `ssh-keygen -L` output for a certificate: it parses the blob and verifies the CA signature. */
function keygenL(certText: string): string {
  const f = join(dir, `c-${randomBytes(4).toString('hex')}-cert.pub`);
  writeFileSync(f, certText);
  return execFileSync('ssh-keygen', ['-L', '-f', f], { encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } });
}

const CAS: [string, () => KeyObject, string][] = [
  ['ed25519', () => generateKeyPairSync('ed25519').privateKey, 'ssh-ed25519'],
  ['rsa', () => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey, 'rsa-sha2-256'],
  ['rsa sha512', () => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey, 'rsa-sha2-512'],
  ['ecdsa p256', () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, 'ecdsa-sha2-nistp256'],
  ['ecdsa p384', () => generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey, 'ecdsa-sha2-nistp384'],
  ['ecdsa p521', () => generateKeyPairSync('ec', { namedCurve: 'P-521' }).privateKey, 'ecdsa-sha2-nistp521'],
];

describe('OpenSSH certificates checked by ssh-keygen', { skip: skipUnless(SSH_KEYGEN) }, () => {
  for (const [name, make, alg] of CAS) {
    it(`a ${name} CA signs a user certificate ssh-keygen accepts`, () => {
      const caPriv = make();
      const caPub = publicBlobOf(caPriv);
      const subject = publicBlobOf(generateKeyPairSync('ed25519').privateKey);
      const spec: CertSpec = {
        subject,
        serial: 0xdeadbeefn,
        certType: USER_CERT,
        keyId: 'vault-test',
        principals: ['alice', 'ops'],
        validAfter: 1_800_000_000n,
        validBefore: 1_800_003_600n,
        criticalOptions: { 'force-command': '/bin/true' },
        extensions: { 'permit-pty': '', 'permit-agent-forwarding': '' },
      };
      const algorithm = signatureAlgorithm(caPub, name === 'rsa sha512' ? 'rsa-sha2-512' : 'default');
      assert.equal(algorithm, alg);
      const text = certificateText(signCertificate(spec, { priv: caPriv, pub: caPub, algorithm }, randomBytes(32)));
      const out = keygenL(text);
      assert.match(out, /Type: ssh-ed25519-cert-v01@openssh\.com user certificate/);
      assert.match(out, new RegExp(`Signing CA: \\S+ SHA256:\\S+ \\(using ${alg}\\)`));
      assert.match(out, /Key ID: "vault-test"/);
      assert.match(out, /Serial: 3735928559/);
      assert.match(out, /Principals: \n\s+alice\n\s+ops\n/);
      assert.match(out, /Critical Options: \n\s+force-command \/bin\/true\n/);
      assert.match(out, /Extensions: \n\s+permit-agent-forwarding\n\s+permit-pty\n/);
      assert.match(out, /Valid: from 2027-01-15T08:00:00 to 2027-01-15T09:00:00/);
    });
  }

  it('host certificates of RSA and ECDSA subjects carry the host type and names', () => {
    const caPriv = generateKeyPairSync('ed25519').privateKey;
    const caPub = publicBlobOf(caPriv);
    for (const subjectPriv of [generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey]) {
      const subject = publicBlobOf(subjectPriv);
      const spec: CertSpec = { subject, serial: 7n, certType: HOST_CERT, keyId: 'h', principals: ['web.example.com'], validAfter: 0n, validBefore: 0xffffffffffffffffn, criticalOptions: {}, extensions: {} };
      const out = keygenL(certificateText(signCertificate(spec, { priv: caPriv, pub: caPub, algorithm: 'ssh-ed25519' }, randomBytes(32))));
      assert.match(out, new RegExp(`Type: ${subject.type}-cert-v01@openssh\\.com host certificate`));
      assert.match(out, /Valid: forever/);
      assert.match(out, /Principals: \n\s+web\.example\.com\n/);
    }
  });

  it('a certificate whose signed bytes were changed is refused by ssh-keygen', () => {
    const caPriv = generateKeyPairSync('ed25519').privateKey;
    const caPub = publicBlobOf(caPriv);
    const subject = publicBlobOf(generateKeyPairSync('ed25519').privateKey);
    const spec: CertSpec = { subject, serial: 1n, certType: USER_CERT, keyId: 'k', principals: ['root'], validAfter: 0n, validBefore: 10n, criticalOptions: {}, extensions: {} };
    const blob = signCertificate(spec, { priv: caPriv, pub: caPub, algorithm: 'ssh-ed25519' }, randomBytes(32));
    const at = blob.indexOf(Buffer.from('root'));
    blob[at] = 'R'.charCodeAt(0);
    const f = join(dir, 'tampered-cert.pub');
    writeFileSync(f, certificateText(blob));
    const r = spawnSync('ssh-keygen', ['-L', '-f', f], { encoding: 'utf8' });
    assert.notEqual(r.status, 0, r.stdout);
  });

  it('an Ed25519 key written as openssh-key-v1 is read back by ssh-keygen and by the parser', () => {
    const priv = generateKeyPairSync('ed25519').privateKey;
    const f = join(dir, 'id_ed25519');
    writeFileSync(f, encodeOpenSshEd25519(priv), { mode: 0o600 });
    const pubLine = execFileSync('ssh-keygen', ['-y', '-f', f], { encoding: 'utf8' });
    assert.equal(pubLine.trim(), authorizedKey(publicBlobOf(priv).blob).trim());
    assert.ok(publicBlobOf(parsePrivateKey(encodeOpenSshEd25519(priv))).blob.equals(publicBlobOf(priv).blob));
  });

  for (const [t, extra] of [['ed25519', []], ['rsa', ['-b', '2048']], ['ecdsa', ['-b', '384']]] as const) {
    it(`reads a ${t} private key written by ssh-keygen and its public line`, () => {
      const f = join(dir, `gen_${t}`);
      execFileSync('ssh-keygen', ['-q', '-t', t, ...extra, '-N', '', '-C', 'me@host', '-f', f]);
      const priv = parsePrivateKey(readFileSync(f, 'utf8'));
      const pub = parseAuthorizedKey(readFileSync(`${f}.pub`, 'utf8'));
      assert.ok(publicBlobOf(priv).blob.equals(pub.blob));
      // The rebuilt key signs, and the signature verifies under its public half.
      const data = Buffer.from('signed by an imported key');
      const sig = sign(t === 'ed25519' ? null : 'sha256', data, priv);
      assert.ok(verify(t === 'ed25519' ? null : 'sha256', data, createPublicKey(priv), sig));
    });
  }
});

describe('SSH wire helpers', () => {
  it('packs options sorted by name with non-empty values wrapped', () => {
    const r = new WireReader(packOptions({ b: '', a: 'x' }));
    assert.equal(r.text(), 'a');
    assert.equal(new WireReader(r.string()).text(), 'x');
    assert.equal(r.text(), 'b');
    assert.equal(r.string().length, 0);
    assert.ok(r.done);
  });

  it('refuses an ECDSA key whose point does not fit its curve', () => {
    const blob = publicBlobOf(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey).blob;
    const short = Buffer.concat([blob.subarray(0, blob.length - 65 - 4), Buffer.from([0, 0, 0, 33, 4]), Buffer.alloc(32, 1)]);
    assert.throws(() => parseAuthorizedKey(`ecdsa-sha2-nistp256 ${short.toString('base64')}`), /not an uncompressed nistp256 point/);
  });

  for (const bad of ['', 'ssh-ed25519', 'ssh-ed25519 AAAA', 'ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIC', 'ssh-dss AAAAB3NzaC1kc3MAAACBA', 'not a key at all']) {
    it(`refuses the public key ${JSON.stringify(bad)}`, () => {
      assert.throws(() => parseAuthorizedKey(bad));
    });
  }
});
