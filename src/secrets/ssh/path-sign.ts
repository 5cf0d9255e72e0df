/**
 * `sign/<role>` signs a client's public key; `issue/<role>` generates the key pair too and
 * returns the private key once. Every refusal is decided by the role before anything is
 * signed (or, for issue, generated).
 */
import { randomBytes } from 'node:crypto';
import { badRequest } from '../../sdk/errors.js';
import { field } from '../../sdk/framework/fields.js';
import type { FieldData } from '../../sdk/framework/field-data.js';
import { definePath, genericName, type PathDef } from '../../sdk/framework/path.js';
import type { Fields } from '../../sdk/framework/fields.js';
import type { LogicalRequest, LogicalResponse } from '../../sdk/logical.js';
import type { Clock } from '../../lib/clock.js';
import { caSigner } from './ca-store.js';
import { certificateText, signCertificate } from './certificate.js';
import { parseAuthorizedKey, publicBlobOf, type SshPublicKey } from './keys.js';
import { generateKey, keySpecFor } from './keypair.js';
import { certTypeFor, checkKeyLength, criticalOptionsFor, extensionsFor, keyIdFor, principalsFor, ttlFor } from './policy.js';
import { privateKeyText } from './private-key.js';
import { readRole, type SshRole } from './role.js';

const certFields = {
  role: field.string({ required: true, description: 'The role to sign against.' }),
  valid_principals: field.string({ description: 'Comma list of users or hosts the certificate is for.' }),
  cert_type: field.string({ default: 'user', description: '"user" or "host".' }),
  key_id: field.string({ description: 'Key ID (only when the role allows user key IDs).' }),
  ttl: field.durationSecond({ description: 'Certificate lifetime.' }),
  critical_options: field.map({ description: 'Critical options (force-command, source-address, ...).' }),
  extensions: field.map({ description: 'Extensions (permit-pty, permit-port-forwarding, ...).' }),
};
const signFields = { ...certFields, public_key: field.string({ description: 'The SSH public key to sign (authorized_keys form).' }) };
const issueFields = {
  ...certFields,
  key_type: field.string({ default: 'rsa', allowed: ['rsa', 'ec', 'ed25519'], description: 'Type of the generated key.' }),
  key_bits: field.int({ description: 'RSA size (default 4096) or EC curve size (default 256).' }),
};

/** The role's decisions that do not depend on the subject key. */
interface Plan {
  role: SshRole;
  roleName: string;
  certType: 1 | 2;
  principals: string[];
  ttl: number;
  criticalOptions: Record<string, string>;
  extensions: Record<string, string>;
}

const userError = <T>(f: () => T): T => {
  try {
    return f();
  } catch (e) {
    throw badRequest((e as Error).message);
  }
};

async function plan(req: LogicalRequest, d: FieldData<typeof certFields>, sys: { defaultTtl: number; maxTtl: number }, op: 'sign' | 'issue'): Promise<Plan> {
  const roleName = d.get('role');
  const role = await readRole(req.storage, roleName);
  if (!role) throw badRequest(`Unknown role: ${roleName}`);
  if (role.key_type !== 'ca') {
    // Vault's texts: issue checks the key type; sign finds an OTP role allows neither certificate type.
    throw badRequest(op === 'issue' ? `role key type '${role.key_type}' not allowed to issue key pairs` : `cert_type '${d.get('cert_type')}' is not allowed by role`);
  }
  return userError(() => {
    const certType = certTypeFor(role, d.get('cert_type'));
    const principals = principalsFor(role, certType === 1 ? 'user' : 'host', d.has('valid_principals') ? d.get('valid_principals') : undefined, req.caller?.entityId ?? '');
    const ttl = ttlFor(role, d.has('ttl') ? d.get('ttl') : undefined, sys);
    return { role, roleName, certType, principals, ttl, criticalOptions: criticalOptionsFor(role, d.get('critical_options')), extensions: extensionsFor(role, d.get('extensions')) };
  });
}

async function certify(req: LogicalRequest, d: FieldData<typeof certFields>, p: Plan, subject: SshPublicKey, clock: Clock): Promise<{ serial_number: string; signed_key: string }> {
  const keyId = userError(() => keyIdFor(p.role, d.get('key_id'), req.caller?.displayName ?? '', p.roleName, subject));
  const ca = await caSigner(req.storage, p.role.algorithm_signer);
  const now = BigInt(Math.floor(clock.now() / 1000));
  const serial = randomBytes(8).readBigUInt64BE();
  const blob = signCertificate(
    {
      subject,
      serial,
      certType: p.certType,
      keyId,
      principals: p.principals,
      validAfter: now - BigInt(p.role.not_before_duration),
      validBefore: now + BigInt(p.ttl),
      criticalOptions: p.criticalOptions,
      extensions: p.extensions,
    },
    ca,
    randomBytes(32),
  );
  return { serial_number: serial.toString(16), signed_key: certificateText(blob) };
}

export function signPaths(clock: Clock, system: () => { defaultTtl: number; maxTtl: number }): PathDef<Fields>[] {
  return [
    definePath({
      pattern: `sign/${genericName('role')}`,
      fields: signFields,
      synopsis: 'Sign an SSH public key against a role.',
      operations: {
        async update(req, d): Promise<LogicalResponse> {
          const p = await plan(req, d, system(), 'sign');
          const text = d.get('public_key');
          if (text === '') throw badRequest('missing public_key');
          let subject: SshPublicKey;
          try {
            subject = parseAuthorizedKey(text);
          } catch (e) {
            throw badRequest(`failed to parse public_key as SSH key: ${(e as Error).message}`);
          }
          userError(() => {
            try {
              checkKeyLength(p.role, subject);
            } catch (e) {
              throw new Error(`public_key failed to meet the key requirements: ${(e as Error).message}`);
            }
          });
          return { data: await certify(req, d, p, subject, clock) };
        },
      },
    }),
    definePath({
      pattern: `issue/${genericName('role')}`,
      fields: issueFields,
      synopsis: 'Generate an SSH key pair and sign its public key against a role.',
      operations: {
        async update(req, d): Promise<LogicalResponse> {
          const p = await plan(req, d, system(), 'issue');
          const spec = userError(() => keySpecFor(d.get('key_type'), d.get('key_bits')));
          const priv = await generateKey(spec);
          const subject = publicBlobOf(priv);
          userError(() => checkKeyLength(p.role, subject));
          const cert = await certify(req, d, p, subject, clock);
          return { data: { ...cert, private_key: privateKeyText(priv), private_key_type: d.get('key_type') } };
        },
      },
    }),
  ];
}
