/**
 * The client cache's encryption: Ward's transit engine (`<mount>/encrypt/<keyName>`,
 * `<mount>/decrypt/<keyName>`) with the key named by the operator's own VaultAuth
 * (`spec.storageEncryption`), logged in as that VaultAuth. An entry encrypted under another
 * VaultAuth's key is refused rather than sent to the wrong key.
 */
import type { Codec } from './cache-storage.js';
import type { LoginTarget, WardClients } from './clients.js';

export interface EncryptionAuth { name: string; target: LoginTarget }

export function transitCodec(clients: WardClients, encryptionAuth: () => Promise<EncryptionAuth>): Codec {
  const call = async (op: 'encrypt' | 'decrypt', body: { [k: string]: string }): Promise<Record<string, unknown>> => {
    const { name, target } = await encryptionAuth();
    const se = target.auth.storageEncryption;
    if (!se) throw new Error(`VaultAuth ${name} has no spec.storageEncryption`);
    const res = await clients.run(target, (s) => s.write(`${se.mount}/${op}/${se.keyName}`, body));
    const data = res.body?.data;
    if (!data || typeof data !== 'object' || Array.isArray(data)) throw new Error(`transit ${op} returned no data`);
    return data as Record<string, unknown>;
  };
  return {
    async encrypt(plaintext) {
      const { name } = await encryptionAuth();
      const d = await call('encrypt', { plaintext: Buffer.from(plaintext).toString('base64') });
      if (typeof d['ciphertext'] !== 'string') throw new Error('transit encrypt returned no ciphertext');
      return { ciphertext: d['ciphertext'], keyRef: name };
    },
    async decrypt(ciphertext, keyRef) {
      const { name } = await encryptionAuth();
      if (keyRef !== name) throw new Error(`the entry was encrypted with VaultAuth ${keyRef}'s key, not ${name}'s`);
      const d = await call('decrypt', { ciphertext });
      if (typeof d['plaintext'] !== 'string') throw new Error('transit decrypt returned no plaintext');
      return Buffer.from(d['plaintext'], 'base64').toString('utf8');
    },
  };
}
