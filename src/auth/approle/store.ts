/**
 * AppRole storage. Role IDs and secret IDs are credentials, so neither is ever stored
 * in clear: both are keyed by an HMAC-SHA256 under a random per-mount key (itself kept
 * in the mount's barrier-encrypted storage). Layout:
 *   hmac_key                          the per-mount HMAC key
 *   role/<name>                       RoleEntry
 *   role_id/<hmac(role_id)>           { name }
 *   secret_id/<name>/<hmac(secret)>   SecretIdEntry
 *   accessor/<accessor>               { roleName, secretIdHmac }
 */
import { createHmac, randomBytes } from 'node:crypto';
import { getJSON, putJSON, type Storage } from '../../sdk/storage.js';
import { KeyedMutex } from '../lockout.js';
import type { RoleEntry } from './role.js';

/** One secret ID. Times are epoch ms; `expirationTime` 0 = never. `numUses` 0 = unlimited. */
export interface SecretIdEntry {
  accessor: string;
  numUses: number;
  ttl: number;
  creationTime: number;
  expirationTime: number;
  lastUpdatedTime: number;
  metadata: Record<string, string>;
  cidrList: string[];
  tokenBoundCidrs: string[];
}

interface AccessorEntry {
  roleName: string;
  secretIdHmac: string;
}

export class AppRoleStore {
  /** Guards read-modify-write of one secret ID (use counting) and of role_id claims. */
  readonly mutex = new KeyedMutex();
  private key: Promise<Buffer> | null = null;

  constructor(readonly storage: Storage) {}

  /** Hex HMAC of a credential under the mount key (created on first use). */
  async hmac(value: string): Promise<string> {
    // A failed load is not cached, so a transient storage error does not wedge the mount.
    this.key ??= this.loadKey().catch((e: unknown) => {
      this.key = null;
      throw e;
    });
    return createHmac('sha256', await this.key).update(value, 'utf8').digest('hex');
  }

  private async loadKey(): Promise<Buffer> {
    const stored = await getJSON<{ key: string }>(this.storage, 'hmac_key');
    if (stored) return Buffer.from(stored.key, 'base64');
    const key = randomBytes(32);
    await putJSON(this.storage, 'hmac_key', { key: key.toString('base64') });
    return key;
  }

  getRole(name: string): Promise<RoleEntry | null> {
    return getJSON<RoleEntry>(this.storage, `role/${name.toLowerCase()}`);
  }

  async listRoles(): Promise<string[]> {
    return (await this.storage.list('role/')).filter((k) => !k.endsWith('/'));
  }

  /** The role a role_id belongs to, or null. */
  async roleNameById(roleId: string): Promise<string | null> {
    if (roleId === '') return null;
    return (await getJSON<{ name: string }>(this.storage, `role_id/${await this.hmac(roleId)}`))?.name ?? null;
  }

  /**
   * Writes a role and keeps the role_id index in step. Returns false (writing nothing)
   * when another role already holds the role_id.
   */
  async putRole(role: RoleEntry, previousRoleId?: string): Promise<boolean> {
    return this.mutex.run('role_id', async () => {
      const owner = await this.roleNameById(role.roleId);
      if (owner !== null && owner !== role.name) return false;
      if (previousRoleId !== undefined && previousRoleId !== role.roleId) await this.storage.delete(`role_id/${await this.hmac(previousRoleId)}`);
      await putJSON(this.storage, `role_id/${await this.hmac(role.roleId)}`, { name: role.name });
      await putJSON(this.storage, `role/${role.name}`, role);
      return true;
    });
  }

  /** Deletes a role, its role_id index and every secret ID issued for it. */
  async deleteRole(role: RoleEntry): Promise<void> {
    for (const h of await this.secretHmacs(role.name)) {
      const e = await this.getSecret(role.name, h);
      await this.deleteSecret(role.name, h, e?.accessor);
    }
    await this.storage.delete(`role_id/${await this.hmac(role.roleId)}`);
    await this.storage.delete(`role/${role.name}`);
  }

  getSecret(roleName: string, secretIdHmac: string): Promise<SecretIdEntry | null> {
    return getJSON<SecretIdEntry>(this.storage, `secret_id/${roleName}/${secretIdHmac}`);
  }

  async putSecret(roleName: string, secretIdHmac: string, e: SecretIdEntry): Promise<void> {
    await putJSON(this.storage, `secret_id/${roleName}/${secretIdHmac}`, e);
    await putJSON(this.storage, `accessor/${e.accessor}`, { roleName, secretIdHmac } satisfies AccessorEntry);
  }

  async deleteSecret(roleName: string, secretIdHmac: string, accessor: string | undefined): Promise<void> {
    await this.storage.delete(`secret_id/${roleName}/${secretIdHmac}`);
    if (accessor) await this.storage.delete(`accessor/${accessor}`);
  }

  /** HMACs of the secret IDs stored for a role. */
  async secretHmacs(roleName: string): Promise<string[]> {
    return (await this.storage.list(`secret_id/${roleName}/`)).filter((k) => !k.endsWith('/'));
  }

  /** Role names that have a secret ID folder (tidy uses it to find orphans). */
  async secretRoleNames(): Promise<string[]> {
    return (await this.storage.list('secret_id/')).filter((k) => k.endsWith('/')).map((k) => k.slice(0, -1));
  }

  async listAccessors(): Promise<string[]> {
    return (await this.storage.list('accessor/')).filter((k) => !k.endsWith('/'));
  }

  getAccessor(accessor: string): Promise<AccessorEntry | null> {
    // Accessors are UUIDs; anything with a slash would address another key.
    if (accessor === '' || accessor.includes('/')) return Promise.resolve(null);
    return getJSON<AccessorEntry>(this.storage, `accessor/${accessor}`);
  }

  deleteAccessor(accessor: string): Promise<void> {
    return this.storage.delete(`accessor/${accessor}`);
  }
}
