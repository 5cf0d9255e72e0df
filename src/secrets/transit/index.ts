/**
 * The `transit` secrets engine: encryption as a service. Keys never leave the server
 * unless created exportable; clients send plaintext and get `vault:vN:` ciphertexts,
 * signatures and HMACs back.
 */
import { defineBackend } from '../../sdk/framework/backend.js';
import type { Fields } from '../../sdk/framework/fields.js';
import type { PathDef } from '../../sdk/framework/path.js';
import type { Backend, BackendFactory } from '../../sdk/logical.js';
import { systemClock, type Clock } from '../../lib/clock.js';
import type { TransitContext } from './context.js';
import { Keyring } from './keyring.js';
import { backupPaths } from './path-backup.js';
import { cacheConfigPath } from './path-cache-config.js';
import { configKeysPath } from './path-config-keys.js';
import { datakeyPath } from './path-datakey.js';
import { decryptPath } from './path-decrypt.js';
import { encryptPath } from './path-encrypt.js';
import { exportPath } from './path-export.js';
import { hmacPath } from './path-hmac.js';
import { keyConfigPaths } from './path-keys-config.js';
import { keysPaths } from './path-keys.js';
import { hashPath, randomBytesPath } from '../../sdk/helpers/tools.js';
import { rewrapPath } from './path-rewrap.js';
import { signPath } from './path-sign.js';
import { verifyPath } from './path-verify.js';

export interface TransitOptions {
  /** Time source for key creation and auto-rotation; tests inject a fake. */
  clock?: Clock;
}

export function transitBackend(opts: TransitOptions = {}): Backend {
  const ctx: TransitContext = { keyring: new Keyring(opts.clock ?? systemClock) };
  const paths: PathDef<Fields>[] = [
    ...keysPaths(ctx),
    ...keyConfigPaths(ctx),
    encryptPath(ctx),
    decryptPath(ctx),
    rewrapPath(ctx),
    datakeyPath(ctx),
    hmacPath(ctx),
    signPath(ctx),
    verifyPath(ctx),
    exportPath(ctx),
    ...backupPaths(ctx),
    configKeysPath(),
    cacheConfigPath(ctx),
    randomBytesPath(''),
    hashPath(''),
  ];
  return defineBackend({
    type: 'transit',
    kind: 'secret',
    paths,
    cleanup: async () => ctx.keyring.clear(),
    help: 'The transit secrets engine: encrypt, decrypt, sign, verify and HMAC with named keys that stay on the server.',
  });
}

export const transitFactory: BackendFactory = async () => transitBackend();
