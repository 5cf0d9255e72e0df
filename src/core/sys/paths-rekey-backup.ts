/**
 * `sys/rekey/backup` and `sys/rekey/recovery-key-backup` (root-protected): the PGP-encrypted
 * shares a rekey with `backup: true` kept, by key fingerprint, as hex and base64.
 */
import type { Fields } from '../../sdk/framework/fields.js';
import { definePath, type PathDef } from '../../sdk/framework/path.js';

export interface RekeyBackup {
  nonce: string;
  /** Fingerprint → the hex of each encrypted share for that key, in share order. */
  keys: Record<string, string[]>;
}

export interface RekeyBackupDeps {
  read(recovery: boolean): Promise<RekeyBackup | null>;
  delete(recovery: boolean): Promise<void>;
}

export function rekeyBackupPaths(deps: RekeyBackupDeps): PathDef<Fields>[] {
  const path = (pattern: string, recovery: boolean) =>
    definePath({
      pattern,
      fields: {},
      operations: {
        read: async () => {
          const b = await deps.read(recovery);
          if (b === null) return null;
          const b64: Record<string, string[]> = {};
          for (const [fp, list] of Object.entries(b.keys)) b64[fp] = list.map((h) => Buffer.from(h, 'hex').toString('base64'));
          return { data: { nonce: b.nonce, keys: b.keys, keys_base64: b64 } };
        },
        delete: async () => {
          await deps.delete(recovery);
          return null;
        },
      },
    });
  return [path('rekey/backup', false), path('rekey/recovery-key-backup', true)];
}
