/**
 * Key pairs for `config/ca` and `issue/`: the key type names Vault accepts mapped to
 * node:crypto generation through the SDK's bounded keygen queue (RSA runs on the
 * threadpool, never on the event loop).
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { generatePrivateKeyPem, type KeySpec } from '../../sdk/helpers/keygen.js';

/** Turns a Vault key type and bit size into a key spec; throws with Vault's message. */
export function keySpecFor(keyType: string, keyBits: number): KeySpec {
  switch (keyType) {
    case 'ssh-rsa':
    case 'rsa': {
      const bits = keyBits === 0 ? 4096 : keyBits;
      if (bits < 2048) throw new Error(`refusing to generate weak ${keyType} key: ${bits} bits < 2048 bits`);
      if (bits > 8192) throw new Error(`refusing to generate ${keyType} key larger than 8192 bits: ${bits}`);
      return { type: 'rsa', bits };
    }
    case 'ecdsa-sha2-nistp256':
      return { type: 'ec', curve: 'P-256' };
    case 'ecdsa-sha2-nistp384':
      return { type: 'ec', curve: 'P-384' };
    case 'ecdsa-sha2-nistp521':
      return { type: 'ec', curve: 'P-521' };
    case 'ec':
    case 'ecdsa': {
      const curve = ({ 0: 'P-256', 256: 'P-256', 384: 'P-384', 521: 'P-521' } as const)[keyBits as 0 | 256 | 384 | 521];
      if (!curve) throw new Error(`unknown ECDSA key pair algorithm: ${keyType}`);
      return { type: 'ec', curve };
    }
    case 'ssh-ed25519':
    case 'ed25519':
      return { type: 'ed25519' };
    default:
      throw new Error(`unknown ssh key pair algorithm: ${keyType}`);
  }
}

export async function generateKey(spec: KeySpec): Promise<KeyObject> {
  return createPrivateKey(await generatePrivateKeyPem(spec));
}
