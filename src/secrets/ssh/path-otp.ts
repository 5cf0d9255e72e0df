/**
 * The OTP side of Vault's ssh engine: `creds/<role>` issues a one-time password for a
 * user at an IP under a lease; the host's vault-ssh-helper sends it to `verify`
 * (unauthenticated), which answers the user, IP and role once and forgets it; `lookup`
 * lists the roles for an IP; `config/zeroaddress` names the roles that take any IP.
 *
 * Only a hash of each password is stored (`otp/<sha256>`), as Vault stores a salted one:
 * a read of the storage gives no usable password. The password is a random UUID (122
 * bits), so an unsalted hash cannot be reversed by guessing.
 */
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { badRequest } from '../../sdk/errors.js';
import { field } from '../../sdk/framework/fields.js';
import { definePath, genericName, type PathDef } from '../../sdk/framework/path.js';
import type { Fields } from '../../sdk/framework/fields.js';
import type { LeaseView, LogicalRequest, SecretType } from '../../sdk/logical.js';
import { getJSON, putJSON, type Storage } from '../../sdk/storage.js';
import { uuid } from '../../lib/ids.js';
import { KeyedMutex } from '../../lib/keyed-mutex.js';
import { canonicalIp, cidrListContains, otpIpAllowed, otpUsername } from './otp-role.js';
import { readRole } from './role.js';

const ZERO = 'config/zeroaddress';
/** What Vault's ssh helper sends to check it reaches the server, and the answer it expects. */
const VERIFY_ECHO_REQUEST = 'verify-echo-request';
const VERIFY_ECHO_RESPONSE = 'verify-echo-response';
/** Vault's secret type name for OTP leases. */
export const OTP_SECRET_TYPE = 'secret_otp_type';

interface OtpEntry {
  username: string;
  ip: string;
  role_name: string;
}

/** Two verifies of one password at once must not both succeed: each runs alone for its key. */
const consuming = new KeyedMutex();

const otpKey = (otp: string): string => `otp/${createHash('sha256').update(otp, 'utf8').digest('hex')}`;

async function zeroRoles(s: Storage): Promise<string[]> {
  return (await getJSON<{ roles: string[] }>(s, ZERO))?.roles ?? [];
}

export async function removeZeroAddressRole(s: Storage, role: string): Promise<void> {
  const roles = await zeroRoles(s);
  if (!roles.includes(role)) return;
  await putJSON(s, ZERO, { roles: roles.filter((r) => r !== role) });
}

/** Revoking an OTP lease (or its expiry) drops the password if it was not used. */
export const otpSecretType: SecretType = {
  async revoke(req: LogicalRequest, lease: LeaseView): Promise<void> {
    const otp = lease.internalData['otp'];
    if (typeof otp !== 'string') throw badRequest('secret is missing internal data');
    await req.storage.delete(otpKey(otp));
  },
};

export function otpPaths(): PathDef<Fields>[] {
  return [
    definePath({
      pattern: 'config/zeroaddress',
      fields: { roles: field.commaStringSlice({ description: 'Roles that accept any IP address.' }) },
      synopsis: 'Roles that apply to every IP address.',
      operations: {
        async read(req) {
          const entry = await getJSON<{ roles: string[] }>(req.storage, ZERO);
          return entry ? { data: { roles: entry.roles } } : null;
        },
        async update(req, d) {
          const roles = d.get('roles');
          if (roles.length === 0) throw badRequest('Missing roles');
          for (const r of roles) if (!(await readRole(req.storage, r))) throw badRequest(`Role "${r}" does not exist`);
          await putJSON(req.storage, ZERO, { roles });
          return null;
        },
        async delete(req) {
          await req.storage.delete(ZERO);
          return null;
        },
      },
    }),
    definePath({
      pattern: 'lookup',
      fields: { ip: field.string({ description: 'IP address of the remote host.' }) },
      synopsis: 'The roles that apply to an IP address.',
      operations: {
        async update(req, d) {
          const ip = d.get('ip');
          if (ip === '') throw badRequest('Missing ip');
          if (isIP(ip) === 0) throw badRequest(`Invalid IP "${ip}"`);
          // As Vault: roles whose cidr_list holds the IP (exclusions are not consulted here), then the zero-address roles.
          const matching: string[] = [];
          for (const name of await req.storage.list('roles/')) {
            const role = await readRole(req.storage, name);
            if (role?.key_type === 'otp' && cidrListContains(ip, role.cidr_list)) matching.push(name);
          }
          for (const name of await zeroRoles(req.storage)) if (!matching.includes(name)) matching.push(name);
          return { data: { roles: matching } };
        },
      },
    }),
    definePath({
      pattern: `creds/${genericName('role')}`,
      fields: {
        role: field.string({ required: true, description: 'The OTP role.' }),
        ip: field.string({ description: 'IP address of the remote host.' }),
        username: field.string({ description: 'User on the remote host (default: the role\'s default_user).' }),
      },
      synopsis: 'Issue a one-time password for a user at a host.',
      operations: {
        async update(req, d) {
          const name = d.get('role');
          const ipRaw = d.get('ip');
          if (ipRaw === '') throw badRequest('Missing ip');
          const role = await readRole(req.storage, name);
          if (!role) throw badRequest(`Role "${name}" not found`);
          // `vault ssh -mode=otp` against a CA role lands here: say why, rather than Vault's "IP does not belong to role".
          if (role.key_type !== 'otp') throw badRequest(`role "${name}" is a CA role: it issues no one-time passwords; sign a public key at sign/${name}`);
          const user = otpUsername(role, d.get('username'));
          if ('error' in user) throw badRequest(user.error);
          const ip = canonicalIp(ipRaw);
          if (ip === null) throw badRequest(`Invalid IP "${ipRaw}"`);
          if (!otpIpAllowed(role, name, ip, await zeroRoles(req.storage))) throw badRequest('Error validating IP: IP does not belong to role');
          let otp = uuid();
          // As Vault: never overwrite a stored password (a UUID collision is only theoretical).
          while ((await req.storage.get(otpKey(otp))) !== null) otp = uuid();
          const entry: OtpEntry = { username: user.username, ip, role_name: name };
          await putJSON(req.storage, otpKey(otp), entry);
          return {
            data: { key_type: 'otp', key: otp, username: user.username, ip, port: role.port },
            // The mount's default lease TTL, not renewable: Vault's OTP secret has no renew.
            secret: { type: OTP_SECRET_TYPE, ttl: 0, maxTtl: 0, renewable: false, internalData: { otp } },
          };
        },
      },
    }),
    definePath({
      pattern: 'verify',
      fields: { otp: field.string({ sensitive: true, description: 'The one-time password to check.' }) },
      synopsis: 'Check a one-time password once (called by vault-ssh-helper on the host, without a token).',
      operations: {
        async update(req, d) {
          const otp = d.get('otp');
          if (otp === VERIFY_ECHO_REQUEST) return { data: { message: VERIFY_ECHO_RESPONSE } };
          const key = otpKey(otp);
          return consuming.run(key, async () => {
            const entry = otp === '' ? null : await getJSON<OtpEntry>(req.storage, key);
            if (!entry) throw badRequest('OTP not found');
            // Deleting it is what makes it one-time.
            await req.storage.delete(key);
            return { data: { username: entry.username, ip: entry.ip, role_name: entry.role_name } };
          });
        },
      },
    }),
  ];
}
