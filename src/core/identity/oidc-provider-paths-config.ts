/**
 * Configuration of the OIDC provider (identity/oidc/{assignment,scope,client,provider}),
 * with Vault's fields, defaults, validation texts and refusals of deletes still referenced.
 */
import { badRequest } from '../../sdk/errors.js';
import { field, type Fields } from '../../sdk/framework/fields.js';
import { definePath, genericName, type PathDef } from '../../sdk/framework/path.js';
import { randomBase62 } from '../../lib/ids.js';
import { ensureDefaultKey, readKey } from './oidc-keys.js';
import {
  ALLOW_ALL, DEFAULT_KEY, DEFAULT_PROVIDER, OPENID, allowsClient, deleteAssignment, deleteClient, deleteProvider, deleteScope, listAssignments, listClients, listProviders, listScopes,
  providersUsingScope, readAssignment, readClient, readProvider, readScope, writeAssignment, writeClient, writeProvider, writeScope, type Client, type ClientType, type Provider,
} from './oidc-provider-store.js';
import { EXPLICIT_ISSUER_WARNING, INVALID_ISSUER, validIssuer } from './oidc-provider-wire.js';
import { checkTemplate, renderClaims } from './oidc-template.js';
import type { OidcDeps } from './paths-oidc.js';

const DAY = 86_400;
const dedupe = (l: string[]): string[] => [...new Set(l)];
const dedupeLower = (l: string[]): string[] => dedupe(l.map((s) => s.toLowerCase()));
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The iss of a provider: its issuer, else the server's api address (Vault's api_addr), plus Vault's path. */
export const effectiveIssuer = (p: Provider, name: string, apiAddr: string): string => `${p.issuer || apiAddr}/v1/identity/oidc/provider/${name}`;

const clientView = (c: Client, withSecret: boolean): Record<string, unknown> => ({
  redirect_uris: c.redirectUris,
  assignments: c.assignments,
  key: c.key,
  id_token_ttl: c.idTokenTtl,
  access_token_ttl: c.accessTokenTtl,
  client_id: c.clientId,
  client_type: c.type,
  ...(withSecret && c.type === 'confidential' ? { client_secret: c.clientSecret } : {}),
});
const providerView = (p: Provider, name: string, apiAddr: string): Record<string, unknown> => ({ issuer: effectiveIssuer(p, name, apiAddr), allowed_client_ids: p.allowedClientIds, scopes_supported: p.scopesSupported });


/** A scope template as given, or decoded when it is base64 (Vault accepts either). */
function templateText(raw: string): string {
  if (raw === '' || !BASE64.test(raw)) return raw;
  return Buffer.from(raw, 'base64').toString('utf8');
}

export function providerConfigPaths(deps: OidcDeps): PathDef<Fields>[] {
  const name = (what: string) => ({ name: field.string({ description: `Name of the ${what}` }) });
  return [
    definePath({ pattern: 'oidc/assignment/?', fields: {}, synopsis: 'List OIDC assignments', operations: { list: async (req) => ({ data: { keys: await listAssignments(req.storage) } }) } }),
    definePath({
      pattern: `oidc/assignment/${genericName('name')}`,
      fields: {
        ...name('assignment'),
        entity_ids: field.commaStringSlice({ description: 'Comma separated string or array of identity entity IDs' }),
        group_ids: field.commaStringSlice({ description: 'Comma separated string or array of identity group IDs' }),
      },
      synopsis: 'CRUD operations for OIDC assignments.',
      operations: {
        read: async (req, d) => {
          const a = await readAssignment(req.storage, d.get('name'));
          return a ? { data: { entity_ids: a.entityIds, group_ids: a.groupIds } } : null;
        },
        update: async (req, d) => {
          if (d.get('name') === ALLOW_ALL) throw badRequest(`modification of assignment "${ALLOW_ALL}" not allowed`);
          await deps.store.exclusive(async () => {
            const old = await readAssignment(req.storage, d.get('name'));
            await writeAssignment(req.storage, d.get('name'), {
              entityIds: dedupeLower(d.opt('entity_ids') ?? old?.entityIds ?? []),
              groupIds: dedupeLower(d.opt('group_ids') ?? old?.groupIds ?? []),
            });
          });
        },
        delete: async (req, d) => {
          const n = d.get('name');
          if (n === ALLOW_ALL) throw badRequest(`deletion of assignment "${ALLOW_ALL}" not allowed`);
          await deps.store.exclusive(async () => {
            const users = (await listClients(req.storage)).filter((c) => c.assignments.includes(n)).map((c) => c.name);
            if (users.length > 0) throw badRequest(`unable to delete assignment "${n}" because it is currently referenced by these clients: ${users.join(', ')}`);
            await deleteAssignment(req.storage, n);
          });
        },
      },
    }),
    definePath({ pattern: 'oidc/scope/?', fields: {}, synopsis: 'List OIDC scopes', operations: { list: async (req) => ({ data: { keys: await listScopes(req.storage) } }) } }),
    definePath({
      pattern: `oidc/scope/${genericName('name')}`,
      fields: {
        ...name('scope'),
        template: field.string({ description: 'The template string to use for the scope. This may be in string-ified JSON or base64 format.' }),
        description: field.string({ description: 'The description of the scope' }),
      },
      synopsis: 'CRUD operations for OIDC scopes.',
      operations: {
        read: async (req, d) => {
          const sc = await readScope(req.storage, d.get('name'));
          return sc ? { data: { template: sc.template, description: sc.description } } : null;
        },
        update: async (req, d) => {
          if (d.get('name') === OPENID) throw badRequest(`the "${OPENID}" scope name is reserved`);
          await deps.store.exclusive(async () => {
            const old = await readScope(req.storage, d.get('name'));
            const template = templateText(d.opt('template') ?? old?.template ?? '');
            try {
              checkTemplate(template);
            } catch (e) {
              throw badRequest((e as Error).message);
            }
            await writeScope(req.storage, d.get('name'), { template, description: d.opt('description') ?? old?.description ?? '' });
          });
        },
        delete: async (req, d) => {
          const n = d.get('name');
          await deps.store.exclusive(async () => {
            const users = await providersUsingScope(req.storage, n);
            if (users.length > 0) throw badRequest(`unable to delete scope "${n}" because it is currently referenced by these providers: ${users.join(', ')}`);
            await deleteScope(req.storage, n);
          });
        },
      },
    }),
    definePath({
      pattern: 'oidc/client/?',
      fields: {},
      synopsis: 'List OIDC clients',
      operations: {
        list: async (req) => {
          const clients = await listClients(req.storage);
          // client_secret is left out of key_info, as Vault does.
          return { data: { keys: clients.map((c) => c.name), key_info: Object.fromEntries(clients.map((c) => [c.name, clientView(c, false)])) } };
        },
      },
    }),
    definePath({
      pattern: `oidc/client/${genericName('name')}`,
      fields: {
        name: field.string({ description: 'Name of the client.' }),
        redirect_uris: field.commaStringSlice({ description: 'Comma separated string or array of redirect URIs used by the client. One of these values must exactly match the redirect_uri parameter value used in each authentication request.' }),
        assignments: field.commaStringSlice({ description: 'Comma separated string or array of assignment resources.' }),
        key: field.string({ description: "A reference to a named key resource. Cannot be modified after creation. Defaults to the 'default' key.", default: DEFAULT_KEY }),
        id_token_ttl: field.durationSecond({ description: 'The time-to-live for ID tokens obtained by the client.', default: DAY }),
        access_token_ttl: field.durationSecond({ description: 'The time-to-live for access tokens obtained by the client.', default: DAY }),
        client_type: field.string({ description: "The client type based on its ability to maintain confidentiality of credentials. The following client types are supported: 'confidential', 'public'. Defaults to 'confidential'.", default: 'confidential' }),
      },
      synopsis: 'CRUD operations for OIDC clients.',
      operations: {
        read: async (req, d) => {
          const c = await readClient(req.storage, d.get('name'));
          return c ? { data: clientView(c, true) } : null;
        },
        update: async (req, d) =>
          deps.store.exclusive(async () => {
            const old = await readClient(req.storage, d.get('name'));
            const redirectUris = dedupe(d.opt('redirect_uris') ?? old?.redirectUris ?? []);
            const assignments = dedupe(d.opt('assignments') ?? old?.assignments ?? []);
            for (const a of assignments) if (!(await readAssignment(req.storage, a))) throw badRequest(`assignment "${a}" does not exist`);
            const keyName = d.opt('key') ?? old?.key ?? DEFAULT_KEY;
            if (old && old.key !== keyName) throw badRequest('key modification is not allowed');
            if (keyName === DEFAULT_KEY) await ensureDefaultKey(req.storage, deps.clockMs());
            const key = await readKey(req.storage, keyName);
            if (!key) throw badRequest(`key "${keyName}" does not exist`);
            const idTokenTtl = d.opt('id_token_ttl') ?? old?.idTokenTtl ?? DAY;
            if (idTokenTtl > key.verificationTtl) throw badRequest("a client's id_token_ttl cannot be greater than the verification_ttl of the key it references");
            const accessTokenTtl = d.opt('access_token_ttl') ?? old?.accessTokenTtl ?? DAY;
            const typeRaw = d.opt('client_type');
            if (typeRaw !== undefined && old && old.type !== typeRaw) throw badRequest('client_type modification is not allowed');
            const type = (typeRaw ?? old?.type ?? 'confidential') as ClientType;
            if (type !== 'confidential' && type !== 'public') throw badRequest(`invalid client_type "${type}"`);
            const clientSecret = old?.clientSecret || (type === 'confidential' ? `hvo_secret_${randomBase62(64)}` : '');
            await writeClient(req.storage, { name: d.get('name'), redirectUris, assignments, key: keyName, idTokenTtl, accessTokenTtl, type, clientId: old?.clientId ?? randomBase62(32), clientSecret });
          }),
        delete: async (req, d) => {
          await deps.store.exclusive(() => deleteClient(req.storage, d.get('name')));
        },
      },
    }),
    definePath({
      pattern: 'oidc/provider/?',
      fields: { allowed_client_id: field.string({ description: 'Filters the list of OIDC providers to those that allow the given client ID in their set of allowed_client_ids.' }) },
      synopsis: 'List OIDC providers',
      operations: {
        list: async (req, d) => {
          const filter = d.get('allowed_client_id');
          const found: [string, Provider][] = [];
          for (const n of await listProviders(req.storage)) {
            const p = await readProvider(req.storage, n);
            if (p && (filter === '' || allowsClient(p, filter))) found.push([n, p]);
          }
          return { data: { keys: found.map(([n]) => n), key_info: Object.fromEntries(found.map(([n, p]) => [n, providerView(p, n, deps.apiAddr())])) } };
        },
      },
    }),
    definePath({
      pattern: `oidc/provider/${genericName('name')}`,
      fields: {
        ...name('provider'),
        issuer: field.string({ description: 'Specifies what will be used for the iss claim of ID tokens.' }),
        allowed_client_ids: field.commaStringSlice({ description: 'The client IDs that are permitted to use the provider' }),
        scopes_supported: field.commaStringSlice({ description: 'The scopes supported for requesting on the provider' }),
      },
      synopsis: 'CRUD operations for OIDC providers.',
      operations: {
        read: async (req, d) => {
          const p = await readProvider(req.storage, d.get('name'));
          return p ? { data: providerView(p, d.get('name'), deps.apiAddr()) } : null;
        },
        update: async (req, d) =>
          deps.store.exclusive(async () => {
            const old = await readProvider(req.storage, d.get('name'));
            const p: Provider = {
              issuer: d.opt('issuer') ?? old?.issuer ?? '',
              allowedClientIds: dedupe(d.opt('allowed_client_ids') ?? old?.allowedClientIds ?? []),
              scopesSupported: dedupe(d.opt('scopes_supported') ?? old?.scopesSupported ?? []),
            };
            const warnings: string[] = [];
            if (p.issuer !== '') {
              if (!validIssuer(p.issuer)) throw badRequest(INVALID_ISSUER);
              warnings.push(EXPLICIT_ISSUER_WARNING);
            }
            const claimOwner = new Map<string, string>();
            for (const sn of p.scopesSupported) {
              const sc = await readScope(req.storage, sn);
              if (!sc) throw badRequest(`scope "${sn}" does not exist`);
              for (const k of Object.keys(renderClaims(sc.template, { entity: { id: '', name: '', metadata: {}, aliases: {} }, groups: {} }))) {
                const other = claimOwner.get(k);
                if (other !== undefined && other !== sn) warnings.push(`Found scope templates with conflicting top-level keys: conflict "${k}" in scopes "${sn}", "${other}". This may result in an error if the scopes are requested in an OIDC Authentication Request.`);
                claimOwner.set(k, sn);
              }
            }
            await writeProvider(req.storage, d.get('name'), p);
            return warnings.length > 0 ? { warnings } : null;
          }),
        delete: async (req, d) => {
          if (d.get('name') === DEFAULT_PROVIDER) throw badRequest(`deletion of OIDC provider "${DEFAULT_PROVIDER}" not allowed`);
          await deps.store.exclusive(() => deleteProvider(req.storage, d.get('name')));
        },
      },
    }),
  ];
}
