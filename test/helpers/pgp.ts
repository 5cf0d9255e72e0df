/**
 * A throwaway OpenPGP key pair, made once per test process (key generation is the slow part),
 * and decryption with the real `gpg` in a temporary GNUPGHOME, as an operator would do it.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as openpgp from 'openpgp';

export interface TestPgpKey {
  /** Armored public key. */
  armoredPublic: string;
  /** base64 of the binary public key: what `vault operator init -pgp-keys` sends. */
  base64Public: string;
  armoredPrivate: string;
  privateKey: openpgp.PrivateKey;
  fingerprint: string;
}

const made = new Map<string, Promise<TestPgpKey>>();

/** The key pair named `name`, generated on first use in this process. */
export function testPgpKey(name = 'operator'): Promise<TestPgpKey> {
  let p = made.get(name);
  if (p === undefined) {
    p = generate(name);
    made.set(name, p);
  }
  return p;
}

async function generate(name: string): Promise<TestPgpKey> {
  const { privateKey, publicKey } = await openpgp.generateKey({ type: 'ecc', curve: 'curve25519Legacy', userIDs: [{ name, email: `${name}@ward.test` }], format: 'armored' });
  const pub = await openpgp.readKey({ armoredKey: publicKey });
  const priv = await openpgp.readPrivateKey({ armoredKey: privateKey });
  return { armoredPublic: publicKey, base64Public: Buffer.from(pub.write()).toString('base64'), armoredPrivate: privateKey, privateKey: priv, fingerprint: pub.getFingerprint() };
}

/** Decrypts a binary OpenPGP message with openpgp. */
export async function openpgpDecrypt(key: TestPgpKey, ciphertext: Uint8Array): Promise<string> {
  const message = await openpgp.readMessage({ binaryMessage: ciphertext });
  const { data } = await openpgp.decrypt({ message, decryptionKeys: key.privateKey, format: 'binary' });
  return Buffer.from(data as Uint8Array).toString('utf8');
}

/** `echo <b64> | base64 -d | gpg -dq` with the key imported into a fresh GNUPGHOME. */
export async function gpgDecrypt(key: TestPgpKey, ciphertextBase64: string): Promise<string> {
  const home = mkdtempSync(join(tmpdir(), 'ward-gpg-'));
  try {
    const run = promisify(execFile);
    const keyFile = join(home, 'key.asc');
    writeFileSync(keyFile, key.armoredPrivate, { mode: 0o600 });
    await run('gpg', ['--homedir', home, '--batch', '--quiet', '--import', keyFile]);
    const msg = join(home, 'msg.gpg');
    writeFileSync(msg, Buffer.from(ciphertextBase64, 'base64'));
    const { stdout } = await run('gpg', ['--homedir', home, '--batch', '--quiet', '--decrypt', msg]);
    return stdout;
  } finally {
    // gpg-agent started for this home exits when its socket directory goes away.
    await promisify(execFile)('gpgconf', ['--homedir', home, '--kill', 'gpg-agent']).catch(() => undefined);
    rmSync(home, { recursive: true, force: true });
  }
}
