/**
 * OpenPGP as Vault uses it for `sys/init` `pgp_keys` / `root_token_pgp_key` (and what the
 * bootstrap job needs to read its own shares back): parse an operator's public key, encrypt
 * one value to it, decrypt with a private key. Keys are parsed (and checked for an
 * encryption-capable subkey) before anything is generated, so encryption after init cannot
 * fail on a bad key and lose the shares.
 */
import * as openpgp from 'openpgp';

export type PgpPublicKey = openpgp.PublicKey;

const B64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const ARMOR = '-----BEGIN PGP PUBLIC KEY BLOCK-----';

/** Vault's texts: `error decoding given PGP key: …` / `error parsing given PGP key: …`. */
export class PgpKeyError extends Error {}

/**
 * A public key given as Vault accepts it: base64 of the binary key (what `vault operator init
 * -pgp-keys` sends), and also base64 of an armored key or the armored text itself.
 */
export async function parsePgpPublicKey(given: string): Promise<PgpPublicKey> {
  const text = given.trim();
  const notPrivate = new PgpKeyError('error parsing given PGP key: a private key was given where a public key is expected');
  if (text.startsWith('-----BEGIN PGP PRIVATE KEY BLOCK-----')) throw notPrivate;
  let key: PgpPublicKey;
  if (text.startsWith(ARMOR)) {
    key = await readArmored(text);
  } else {
    const compact = text.replace(/\s+/g, '');
    if (compact === '' || !B64.test(compact)) throw new PgpKeyError('error decoding given PGP key: illegal base64 data');
    const bytes = Buffer.from(compact, 'base64');
    const asText = bytes.toString('latin1');
    key = asText.startsWith(ARMOR) ? await readArmored(asText) : await readBinary(bytes);
  }
  if (key.isPrivate()) throw notPrivate;
  try {
    await key.getEncryptionKey();
  } catch (e) {
    throw new PgpKeyError(`error parsing given PGP key: ${message(e)}`);
  }
  return key;
}

async function readArmored(armoredKey: string): Promise<PgpPublicKey> {
  try {
    return await openpgp.readKey({ armoredKey });
  } catch (e) {
    throw new PgpKeyError(`error parsing given PGP key: ${message(e)}`);
  }
}

async function readBinary(binaryKey: Uint8Array): Promise<PgpPublicKey> {
  try {
    return await openpgp.readKey({ binaryKey });
  } catch (e) {
    throw new PgpKeyError(`error parsing given PGP key: ${message(e)}`);
  }
}

/** The binary OpenPGP message encrypting `plaintext` to `key` (no signature, as Vault). */
export async function pgpEncrypt(key: PgpPublicKey, plaintext: Uint8Array): Promise<Buffer> {
  const message = await openpgp.createMessage({ binary: plaintext });
  const out = await openpgp.encrypt({ message, encryptionKeys: key, format: 'binary' });
  return Buffer.from(out);
}

/** A private key (armored, or binary / base64 of binary); unlocked with `passphrase` when protected. */
export async function readPgpPrivateKey(given: string | Uint8Array, passphrase?: string): Promise<openpgp.PrivateKey> {
  let key: openpgp.PrivateKey;
  if (typeof given === 'string' && given.trim().startsWith('-----BEGIN PGP PRIVATE KEY BLOCK-----')) {
    key = await openpgp.readPrivateKey({ armoredKey: given });
  } else {
    const bytes = typeof given === 'string' ? Buffer.from(given.replace(/\s+/g, ''), 'base64') : given;
    key = await openpgp.readPrivateKey({ binaryKey: bytes });
  }
  if (key.isDecrypted()) return key;
  if (passphrase === undefined) throw new Error('the PGP private key is protected by a passphrase and none was given');
  return openpgp.decryptKey({ privateKey: key, passphrase });
}

/** Decrypts one binary OpenPGP message; throws when `key` is not a recipient. */
export async function pgpDecrypt(key: openpgp.PrivateKey, ciphertext: Uint8Array): Promise<Buffer> {
  const message = await openpgp.readMessage({ binaryMessage: ciphertext });
  const { data } = await openpgp.decrypt({ message, decryptionKeys: key, format: 'binary' });
  return Buffer.from(data as Uint8Array);
}

/** The key's fingerprint (hex, lower case): names a recipient in logs without revealing anything. */
export function pgpFingerprint(key: PgpPublicKey | openpgp.PrivateKey): string {
  return key.getFingerprint();
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
