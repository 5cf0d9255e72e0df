/**
 * The mount's CA key pair, stored as Vault stores it: the public key in authorized_keys
 * form and the private key as text (PEM, or openssh-key-v1 for Ed25519), each under its
 * own entry in the mount's barrier view.
 */
import { badRequest } from '../../sdk/errors.js';
import { getJSON, putJSON, type Storage } from '../../sdk/storage.js';
import type { CaSigner } from './certificate.js';
import { parseAuthorizedKey, signatureAlgorithm } from './keys.js';
import { parsePrivateKey } from './private-key.js';

const PUBLIC = 'config/ca_public_key';
const PRIVATE = 'config/ca_private_key';

interface KeyEntry {
  key: string;
}

export async function readCaPublicKey(s: Storage): Promise<string | null> {
  const e = await getJSON<KeyEntry>(s, PUBLIC);
  return e && e.key !== '' ? e.key : null;
}

export async function caConfigured(s: Storage): Promise<boolean> {
  return (await readCaPublicKey(s)) !== null || ((await getJSON<KeyEntry>(s, PRIVATE))?.key ?? '') !== '';
}

export async function writeCa(s: Storage, publicKey: string, privateKey: string): Promise<void> {
  await putJSON(s, PUBLIC, { key: publicKey });
  try {
    await putJSON(s, PRIVATE, { key: privateKey });
  } catch (e) {
    // Never leave a public key without its private half.
    await s.delete(PUBLIC);
    throw e;
  }
}

export async function deleteCa(s: Storage): Promise<void> {
  await s.delete(PRIVATE);
  await s.delete(PUBLIC);
}

/** The signer for a role's algorithm; a mount without a CA is the caller's mistake. */
export async function caSigner(s: Storage, algorithmSigner: string): Promise<CaSigner> {
  const pubText = await readCaPublicKey(s);
  const priv = await getJSON<KeyEntry>(s, PRIVATE);
  if (!pubText || !priv || priv.key === '') throw badRequest('keys haven\'t been configured yet');
  const pub = parseAuthorizedKey(pubText);
  const algorithm = signatureAlgorithm(pub, algorithmSigner);
  if (pub.kind !== 'rsa' && algorithmSigner !== 'default' && algorithmSigner !== '' && algorithmSigner !== pub.type) {
    throw badRequest(`algorithm_signer ${JSON.stringify(algorithmSigner)} cannot be used with a ${pub.type} CA key`);
  }
  return { priv: parsePrivateKey(priv.key), pub, algorithm };
}
