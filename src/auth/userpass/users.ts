/** Userpass user records: storage layout and the shared field table. */
import { getJSON, putJSON, type Storage } from '../../sdk/storage.js';
import { legacyTokenFields, tokenFields, type TokenParams } from '../token-fields.js';
import { field } from '../../sdk/framework/fields.js';
import { credentialField } from '../lockout.js';

/** A stored user. The password is kept only as an scrypt hash (see password.ts). */
export interface UserEntry {
  passwordHash: string;
  token: TokenParams;
}

/** Vault's user-name shape plus "@", so e-mail style names work; captured as `username`. */
export const USERNAME = '(?<username>\\w(?:[\\w.@-]*\\w)?)';

const { num_uses: _numUses, ...userLegacy } = legacyTokenFields;
void _numUses;

/** Fields of `users/<username>`: the password plus the token table and userpass's old spellings. */
export const userFields = {
  username: field.lowerCaseString({ description: 'Username of the user (case-insensitive)', required: true }),
  password: credentialField('Password of the user; write-only'),
  ...tokenFields,
  ...userLegacy,
};

const keyOf = (username: string): string => `user/${username.toLowerCase()}`;

export const readUser = (s: Storage, username: string): Promise<UserEntry | null> => getJSON<UserEntry>(s, keyOf(username));
export const writeUser = (s: Storage, username: string, u: UserEntry): Promise<void> => putJSON(s, keyOf(username), u);
export const deleteUser = (s: Storage, username: string): Promise<void> => s.delete(keyOf(username));
export const listUsers = async (s: Storage): Promise<string[]> => (await s.list('user/')).filter((k) => !k.endsWith('/'));
