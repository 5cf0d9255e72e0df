/**
 * Identity tokens (identity/oidc/*): named signing keys, roles naming a key, a claim
 * template and a TTL, `token/:role` signing a JWT for the caller's entity, and the
 * unauthenticated discovery document and JWKS a third party verifies it with.
 */
import { importJWK, SignJWT } from 'jose';
import { badRequest } from '../../sdk/errors.js';
import { field } from '../../sdk/framework/fields.js';
import type { Fields } from '../../sdk/framework/fields.js';
import { definePath, genericName, type PathDef } from '../../sdk/framework/path.js';
import { getJSON, listRecursive, putJSON, type Storage } from '../../sdk/storage.js';
import { randomBase62 } from '../../lib/ids.js';
import type { IdentityDeps } from './deps.js';
import type { EffectiveIdentity } from './effective.js';
import { ALGORITHMS, current, DEFAULT_KEY, DEFAULT_KEY_SETTINGS, deleteKey, ensureDefaultKey, jwksCacheControl, listKeyNames, listKeys, newSigningKey, publicKeys, readKey, rotate, writeKey, type Algorithm, type NamedKey } from './oidc-keys.js';
import { checkTemplate, renderClaims } from './oidc-template.js';
import { listClients } from './oidc-provider-store.js';
import { DISCOVERY_HEADERS, EXPLICIT_ISSUER_WARNING, INVALID_ISSUER, rawJson, validIssuer } from './oidc-provider-wire.js';

interface OidcRole {
  name: string;
  key: string;
  template: string;
  ttl: number;
  clientId: string;
}
const ROLE = 'oidc/role/';
const CONFIG = 'oidc/config';
const DAY = 86_400;
const readRole = (s: Storage, n: string): Promise<OidcRole | null> => getJSON<OidcRole>(s, ROLE + n);
const listRoles = async (s: Storage): Promise<OidcRole[]> => {
  const names = (await listRecursive(s, ROLE)).map((k) => k.slice(ROLE.length));
  return (await Promise.all(names.map((n) => readRole(s, n)))).filter((r): r is OidcRole => r !== null);
};

/** The `iss` claim: the configured issuer, else the server's api address (Vault's api_addr), plus Vault's path. */
async function issuer(s: Storage, apiAddr: string): Promise<string> {
  const base = (await getJSON<{ issuer: string }>(s, CONFIG))?.issuer || apiAddr;
  return `${base}/v1/identity/oidc`;
}



export interface OidcDeps extends IdentityDeps {
  effective: EffectiveIdentity;
  clockMs(): number;
}

export function oidcPaths(deps: OidcDeps): PathDef<Fields>[] {
  const keyFields = {
    name: field.string({ description: 'Name of the key' }),
    rotation_period: field.durationSecond({ description: 'How often the signing key rotates', default: DAY }),
    verification_ttl: field.durationSecond({ description: 'How long a rotated-out public key stays published', default: DAY }),
    allowed_client_ids: field.commaStringSlice({ description: 'Role client ids that may use the key; "*" for all' }),
    algorithm: field.string({ description: 'Signing algorithm', default: 'RS256' }),
  };
  const roleFields = {
    name: field.string({ description: 'Name of the role' }),
    key: field.string({ description: 'Key that signs the role’s tokens' }),
    template: field.string({ description: 'JSON claim template' }),
    ttl: field.durationSecond({ description: 'Token lifetime', default: DAY }),
    client_id: field.string({ description: 'Read-only: the aud claim' }),
  };
  return [
    definePath({
      pattern: 'oidc/config',
      fields: { issuer: field.string({ description: 'Base URL of the iss claim (scheme, host, port)' }) },
      synopsis: 'Identity token issuer',
      operations: {
        read: async (req) => ({ data: { issuer: (await getJSON<{ issuer: string }>(req.storage, CONFIG))?.issuer ?? '' } }),
        // As Vault: no issuer given changes nothing; "" restores the api address; anything else is scheme://host[:port] only.
        update: async (req, d) => {
          const v = d.opt('issuer');
          if (v === undefined) return null;
          if (v !== '' && !validIssuer(v)) throw badRequest(INVALID_ISSUER);
          await putJSON(req.storage, CONFIG, { issuer: v });
          return v === '' ? null : { warnings: [EXPLICIT_ISSUER_WARNING] };
        },
      },
    }),
    definePath({ pattern: 'oidc/key/?', fields: {}, synopsis: 'List keys', operations: { list: async (req) => ({ data: { keys: await listKeyNames(req.storage) } }) } }),
    definePath({
      pattern: `oidc/key/${genericName('name')}`,
      fields: keyFields,
      synopsis: 'Identity token signing keys',
      operations: {
        read: async (req, d) => {
          const k = (await readKey(req.storage, d.get('name'))) ?? (d.get('name') === DEFAULT_KEY ? DEFAULT_KEY_SETTINGS : null);
          return k ? { data: { algorithm: k.algorithm, rotation_period: k.rotationPeriod, verification_ttl: k.verificationTtl, allowed_client_ids: [...k.allowedClientIds] } } : null;
        },
        // Under the store's lock: a lazy rotation by a token request cannot interleave.
        update: async (req, d) => deps.store.exclusive(async () => {
          // The virtual default key starts from its settings, as Vault's stored one would.
          const old = d.get('name') === DEFAULT_KEY ? await ensureDefaultKey(req.storage, deps.clockMs()) : await readKey(req.storage, d.get('name'));
          const algorithm = (d.opt('algorithm') ?? old?.algorithm ?? 'RS256') as Algorithm;
          if (!ALGORITHMS.includes(algorithm)) throw badRequest(`unknown signing algorithm "${algorithm}"`);
          const rotationPeriod = d.opt('rotation_period') ?? old?.rotationPeriod ?? DAY;
          const verificationTtl = d.opt('verification_ttl') ?? old?.verificationTtl ?? DAY;
          if (verificationTtl > 10 * rotationPeriod) throw badRequest('verification_ttl cannot be longer than 10x rotation_period');
          const now = deps.clockMs();
          const base: NamedKey = old ?? { name: d.get('name'), algorithm, rotationPeriod, verificationTtl, allowedClientIds: [], signing: await newSigningKey(algorithm), verification: [], nextRotation: now + rotationPeriod * 1000 };
          let next: NamedKey = { ...base, algorithm, rotationPeriod, verificationTtl, allowedClientIds: d.opt('allowed_client_ids') ?? base.allowedClientIds };
          if (old && old.algorithm !== algorithm) next = await rotate(next, now);
          await writeKey(req.storage, next);
        }),
        delete: async (req, d) => {
          if (d.get('name') === DEFAULT_KEY) throw badRequest(`deletion of key "${DEFAULT_KEY}" not allowed`);
          const users = (await listRoles(req.storage)).filter((r) => r.key === d.get('name')).map((r) => r.name).sort();
          if (users.length > 0) throw badRequest(`unable to delete key "${d.get('name')}" because it is currently referenced by these roles: ${users.join(', ')}`);
          const clients = (await listClients(req.storage)).filter((c) => c.key === d.get('name')).map((c) => c.name);
          if (clients.length > 0) throw badRequest(`unable to delete key "${d.get('name')}" because it is currently referenced by these clients: ${clients.join(', ')}`);
          await deleteKey(req.storage, d.get('name'));
        },
      },
    }),
    definePath({
      pattern: `oidc/key/${genericName('name')}/rotate`,
      fields: { name: keyFields.name, verification_ttl: field.durationSecond({ description: 'How long the old public key stays published' }) },
      synopsis: 'Rotate a key now',
      operations: {
        update: async (req, d) =>
          deps.store.exclusive(async () => {
            const k = d.get('name') === DEFAULT_KEY ? await ensureDefaultKey(req.storage, deps.clockMs()) : await readKey(req.storage, d.get('name'));
            if (!k) throw badRequest(`no named key found at "${d.get('name')}"`);
            await writeKey(req.storage, await rotate(k, deps.clockMs(), d.opt('verification_ttl') ?? k.verificationTtl));
          }),
      },
    }),
    definePath({ pattern: 'oidc/role/?', fields: {}, synopsis: 'List roles', operations: { list: async (req) => ({ data: { keys: (await listRoles(req.storage)).map((r) => r.name).sort() } }) } }),
    definePath({
      pattern: `oidc/role/${genericName('name')}`,
      fields: roleFields,
      synopsis: 'Identity token roles',
      operations: {
        read: async (req, d) => {
          const r = await readRole(req.storage, d.get('name'));
          return r ? { data: { key: r.key, template: r.template, ttl: r.ttl, client_id: r.clientId } } : null;
        },
        update: async (req, d) => {
          const old = await readRole(req.storage, d.get('name'));
          const keyName = d.opt('key') ?? old?.key ?? '';
          if (keyName === '') throw badRequest('the key parameter is required');
          // As Vault, naming the default key makes its key material (under the lock: one key, not two racing).
          const key = keyName === DEFAULT_KEY ? await deps.store.exclusive(() => ensureDefaultKey(req.storage, deps.clockMs())) : await readKey(req.storage, keyName);
          if (!key) throw badRequest(`key "${keyName}" does not exist`);
          const template = d.opt('template') ?? old?.template ?? '';
          try {
            checkTemplate(template);
          } catch (e) {
            throw badRequest((e as Error).message);
          }
          const ttl = d.opt('ttl') ?? old?.ttl ?? DAY;
          if (ttl > key.verificationTtl) throw badRequest('a role\'s token ttl cannot be longer than the verification_ttl of the key it references');
          const role: OidcRole = { name: d.get('name'), key: keyName, template, ttl, clientId: old?.clientId ?? randomBase62(26) };
          await putJSON(req.storage, ROLE + role.name, role);
        },
        delete: async (req, d) => {
          await req.storage.delete(ROLE + d.get('name'));
        },
      },
    }),
    definePath({
      pattern: `oidc/token/${genericName('name')}`,
      fields: { name: roleFields.name },
      synopsis: 'Sign an identity token for the caller’s entity',
      operations: {
        read: async (req, d) => {
          const entityId = req.caller?.entityId ?? '';
          if (entityId === '') throw badRequest("no entity associated with the request's token");
          const role = await readRole(req.storage, d.get('name'));
          if (!role) throw badRequest(`role "${d.get('name')}" not found`);
          const stored = await readKey(req.storage, role.key);
          if (!stored) throw badRequest(`key "${role.key}" not found`);
          if (!stored.allowedClientIds.includes('*') && !stored.allowedClientIds.includes(role.clientId)) {
            throw badRequest(`the key "${role.key}" does not list the client ID of the role "${role.name}" as an allowed client ID`);
          }
          const ti = deps.effective.forToken(entityId, []);
          if (!ti) throw badRequest("no entity associated with the request's token");
          if (ti.disabled) throw badRequest('entity is disabled');
          const now = deps.clockMs();
          // Rotation writes the key: under the store's lock and re-read, so two requests
          // never both rotate and one sign with a key that was never stored.
          const key = now < stored.nextRotation ? stored : await deps.store.exclusive(async () => current(req.storage, (await readKey(req.storage, role.key)) ?? stored, now));
          const iat = Math.floor(now / 1000);
          const claims = { ...renderClaims(role.template, ti.template()), namespace: 'root' };
          const token = await new SignJWT(claims)
            .setProtectedHeader({ alg: key.algorithm, kid: key.signing.kid })
            .setIssuer(await issuer(req.storage, deps.apiAddr()))
            .setSubject(entityId)
            .setAudience(role.clientId)
            .setIssuedAt(iat)
            .setExpirationTime(iat + role.ttl)
            .sign(await importJWK(key.signing.privateJwk, key.algorithm));
          return { data: { client_id: role.clientId, token, ttl: role.ttl } };
        },
      },
    }),
    definePath({
      pattern: 'oidc/\\.well-known/openid-configuration',
      fields: {},
      synopsis: 'OIDC discovery document of the identity token issuer',
      operations: {
        read: async (req) => {
          const iss = await issuer(req.storage, deps.apiAddr());
          return rawJson({
            issuer: iss,
            jwks_uri: `${iss}/.well-known/keys`,
            response_types_supported: ['id_token'],
            subject_types_supported: ['public'],
            id_token_signing_alg_values_supported: [...ALGORITHMS],
          }, 200, DISCOVERY_HEADERS);
        },
      },
    }),
    definePath({
      pattern: 'oidc/\\.well-known/keys',
      fields: {},
      synopsis: 'Public keys (JWKS) that verify identity tokens',
      operations: {
        read: async (req) => {
          const now = deps.clockMs();
          const keys = (await Promise.all((await listKeys(req.storage)).map((n) => readKey(req.storage, n)))).filter((k): k is NamedKey => k !== null);
          const cacheControl = jwksCacheControl(keys, now);
          return rawJson({ keys: publicKeys(keys, now) }, 200, cacheControl === undefined ? undefined : { 'Cache-Control': cacheControl });
        },
      },
    }),
  ];
}
