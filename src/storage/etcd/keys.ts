/**
 * How Ward's keys sit in etcd: flat, each at `<path><key>` (Vault's layout: `/vault/core/seal-config`),
 * compared as bytes. Listing a folder is a prefix range that jumps over each child folder's
 * subtree once it has seen the folder (see list-children.ts), so a folder with one child that
 * holds a million keys costs a page, not a million keys.
 */

/** Vault's default: everything under `/vault/`. */
export const DEFAULT_PATH = '/vault/';

/**
 * `path` as a key prefix: leading "/" added as Vault does, and a trailing "/" so `path = "/vault"`
 * and `path = "/vault/"` mean the same place and `/vault` never also matches `/vaultx/…`.
 */
export function normalisePath(path: string): string {
  let p = path.startsWith('/') ? path : `/${path}`;
  if (!p.endsWith('/')) p += '/';
  return p;
}

/** The smallest key greater than every key starting with `prefix` (etcd's range_end for a prefix). */
export function prefixEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i] = end[i]! + 1;
      return end.subarray(0, i + 1);
    }
  }
  // All 0xff (or empty): the range runs to the end of the keyspace, which etcd spells "\0".
  return Buffer.from([0]);
}

/** The smallest key greater than `key` itself (to continue a paged range after it). */
export function after(key: Buffer): Buffer {
  return Buffer.concat([key, Buffer.from([0])]);
}

/** Maps Ward keys to etcd keys under one prefix and back. */
export class KeySpace {
  readonly prefix: Buffer;

  constructor(path: string) {
    this.prefix = Buffer.from(normalisePath(path), 'utf8');
  }

  key(k: string): Buffer {
    return Buffer.concat([this.prefix, Buffer.from(k, 'utf8')]);
  }

  /** The Ward key for an etcd key under this prefix. */
  name(etcdKey: Buffer): string {
    return etcdKey.subarray(this.prefix.length).toString('utf8');
  }
}
