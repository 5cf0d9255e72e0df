/**
 * The OTP side of Vault's ssh engine, as far as Ward goes: OTP roles are refused at
 * role write, so no OTP is ever issued. `verify` still answers the agent's echo check
 * and says "OTP not found" for anything else (true: none exists); `lookup` lists the
 * roles for an IP (only zero-address roles can match, as no role has a CIDR list);
 * `config/zeroaddress` keeps its list of roles as Vault does; `creds/<role>` explains
 * that OTP credentials are not available.
 */
import { isIP } from 'node:net';
import { badRequest } from '../../sdk/errors.js';
import { field } from '../../sdk/framework/fields.js';
import { definePath, genericName, type PathDef } from '../../sdk/framework/path.js';
import type { Fields } from '../../sdk/framework/fields.js';
import { getJSON, putJSON, type Storage } from '../../sdk/storage.js';
import { readRole } from './role.js';

const ZERO = 'config/zeroaddress';
/** What Vault's ssh helper sends to check it reaches the server, and the answer it expects. */
const VERIFY_ECHO_REQUEST = 'verify-echo-request';
const VERIFY_ECHO_RESPONSE = 'verify-echo-response';

async function zeroRoles(s: Storage): Promise<string[]> {
  return (await getJSON<{ roles: string[] }>(s, ZERO))?.roles ?? [];
}

export async function removeZeroAddressRole(s: Storage, role: string): Promise<void> {
  const roles = await zeroRoles(s);
  if (!roles.includes(role)) return;
  await putJSON(s, ZERO, { roles: roles.filter((r) => r !== role) });
}

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
          return { data: { roles: await zeroRoles(req.storage) } };
        },
      },
    }),
    definePath({
      pattern: `creds/${genericName('role')}`,
      fields: {
        role: field.string({ required: true, description: 'The OTP role.' }),
        ip: field.string({ description: 'IP address of the remote host.' }),
        username: field.string({ description: 'User on the remote host.' }),
      },
      synopsis: 'OTP credentials (not supported by Ward: use sign/ with a CA role).',
      operations: {
        // `vault ssh -mode=otp` lands here; say why it cannot work rather than a bare 404.
        async update(req, d) {
          const name = d.get('role');
          if (!(await readRole(req.storage, name))) throw badRequest(`Role "${name}" not found`);
          throw badRequest(`role "${name}" is a CA role: OTP credentials are not supported by Ward; sign a public key at sign/${name}`);
        },
      },
    }),
    definePath({
      pattern: 'verify',
      fields: { otp: field.string({ sensitive: true, description: 'The one-time password to check.' }) },
      synopsis: 'Check a one-time password (Ward issues none: OTP roles are not supported).',
      operations: {
        async update(_req, d) {
          const otp = d.get('otp');
          if (otp === '') throw badRequest('Missing otp');
          if (otp === VERIFY_ECHO_REQUEST) return { data: { message: VERIFY_ECHO_RESPONSE } };
          throw badRequest('OTP not found');
        },
      },
    }),
  ];
}
