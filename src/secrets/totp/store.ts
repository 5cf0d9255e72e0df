/** TOTP keys in the mount's storage (`key/<name>`), shaped as Vault stores them. */
import { getJSON, putJSON, type Storage } from '../../sdk/storage.js';
import type { Algorithm } from './otp.js';

export interface TotpKey {
  /** Base32 secret (padded). Never returned by any read. */
  key: string;
  issuer: string;
  account_name: string;
  period: number;
  algorithm: Algorithm;
  digits: number;
  skew: number;
}

/** Vault's GenericNameWithAtRegex: account-style names like `alice@example.com` are allowed. */
export const keyName = '(?<name>\\w(?:[\\w.@-]*\\w)?)';

export const readKey = (s: Storage, name: string): Promise<TotpKey | null> => getJSON<TotpKey>(s, `key/${name}`);
export const writeKey = (s: Storage, name: string, k: TotpKey): Promise<void> => putJSON(s, `key/${name}`, k);
export const deleteKey = (s: Storage, name: string): Promise<void> => s.delete(`key/${name}`);
export const listKeys = (s: Storage): Promise<string[]> => s.list('key/');
