/**
 * `login/<username>`: password login. A wrong password and an unknown user give the same
 * 400 after the same scrypt work, and both count towards the name's lockout, so neither
 * the body nor the timing nor the lockout tells an attacker which names exist.
 */
import { ipInCidrs } from '../../lib/cidr.js';
import { badRequest, permissionDenied } from '../../sdk/errors.js';
import { definePath, type PathDef } from '../../sdk/framework/path.js';
import type { Fields } from '../../sdk/framework/fields.js';
import { credentialField, lockedOutError, type Lockout } from '../lockout.js';
import { toAuthSpec } from '../token-fields.js';
import { dummyVerify, verifyPassword } from './password.js';
import { readUser, USERNAME, userFields } from './users.js';

export const INVALID_CREDENTIALS = 'invalid username or password';

export function loginPaths(lockout: Lockout): PathDef<Fields>[] {
  return [
    definePath({
      pattern: `login/${USERNAME}`,
      fields: { username: userFields.username, password: credentialField('Password of the user', true) },
      synopsis: 'Log in with a username and password',
      operations: {
        update: async (req, d) => {
          const username = d.get('username').toLowerCase();
          if (await lockout.isLocked(username)) throw lockedOutError();
          const user = await readUser(req.storage, username);
          const password = d.get('password');
          const ok = user ? await verifyPassword(password, user.passwordHash) : await dummyVerify(password);
          if (!user || !ok) {
            await lockout.recordFailure(username);
            throw badRequest(INVALID_CREDENTIALS);
          }
          // Checked only after the password, so the CIDR answer is no user-existence oracle.
          // Vault answers with its bare permission-denied sentinel, naming no reason.
          if (user.token.tokenBoundCidrs.length > 0 && !ipInCidrs(req.connection.remoteAddress, user.token.tokenBoundCidrs)) {
            throw permissionDenied();
          }
          await lockout.recordSuccess(username);
          return {
            auth: toAuthSpec(user.token, {
              displayName: username,
              metadata: { username },
              internalData: { username },
              alias: { name: username },
            }),
          };
        },
      },
    }),
  ];
}
