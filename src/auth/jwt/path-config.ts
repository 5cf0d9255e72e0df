/**
 * `config`: where the mount's signing keys come from (exactly one of static PEM keys, a
 * JWKS URL or OIDC discovery), the issuer and algorithms it accepts, and the OIDC client
 * for the browser flow. A write replaces the whole config, as Vault's does, and fetches a
 * remote key source once so a wrong URL or CA fails the write, not the first login. The
 * client secret is write-only.
 */
import { badRequest } from '../../sdk/errors.js';
import { field } from '../../sdk/framework/fields.js';
import { definePath } from '../../sdk/framework/path.js';
import { getJSON, putJSON, type Storage } from '../../sdk/storage.js';
import { parsePublicKeys, SUPPORTED_ALGS, type KeySetCache, type KeySource } from './keyset.js';

export interface JwtConfig extends KeySource {
  boundIssuer: string;
  supportedAlgs: string[];
  defaultRole: string;
  clientId: string;
  clientSecret: string;
  responseMode: string;
  responseTypes: string[];
  namespaceInState: boolean;
}

const CONFIG_KEY = 'config';

export const loadConfig = (s: Storage): Promise<JwtConfig | null> => getJSON<JwtConfig>(s, CONFIG_KEY);

function checkCaPem(pem: string, name: string): void {
  if (pem === '') return;
  try {
    parsePublicKeys(pem);
  } catch {
    throw badRequest(`error checking ${name}: could not parse CA PEM value successfully`);
  }
  if (!/-----BEGIN CERTIFICATE-----/.test(pem)) throw badRequest(`error checking ${name}: could not parse CA PEM value successfully`);
}

function checkUrl(url: string, name: string): void {
  if (url === '') return;
  let u: URL | null = null;
  try {
    u = new URL(url);
  } catch {
    // reported below
  }
  // Keys must come over TLS: a key set fetched in clear text lets anyone on the path mint logins.
  if (u === null || u.protocol !== 'https:') throw badRequest(`invalid ${name} "${url}": must be an https URL`);
}

export function configPath(keys: KeySetCache) {
  return definePath({
    pattern: 'config',
    fields: {
      oidc_discovery_url: field.string({ description: 'OIDC discovery URL (issuer), without /.well-known/openid-configuration.' }),
      oidc_discovery_ca_pem: field.string({ description: 'PEM CA certificates trusted for the discovery URL; empty = system roots.' }),
      oidc_client_id: field.string({ description: 'OAuth client ID for the OIDC browser flow.' }),
      oidc_client_secret: field.string({ description: 'OAuth client secret (write-only).', sensitive: true }),
      oidc_response_mode: field.string({ description: '"query" or "form_post".' }),
      oidc_response_types: field.commaStringSlice({ description: 'Response types to request; "code" is supported.' }),
      jwks_url: field.string({ description: 'JWKS URL used to verify JWT signatures.' }),
      jwks_ca_pem: field.string({ description: 'PEM CA certificates trusted for jwks_url; empty = system roots.' }),
      jwt_validation_pubkeys: field.commaStringSlice({ description: 'PEM public keys or certificates used to verify JWT signatures.' }),
      bound_issuer: field.string({ description: 'The value the JWT "iss" claim must have.' }),
      jwt_supported_algs: field.commaStringSlice({ description: 'Accepted signing algorithms; default all of RS*, PS*, ES*, EdDSA.' }),
      default_role: field.lowerCaseString({ description: 'Role used when a login names none.' }),
      namespace_in_state: field.bool({ description: 'Carry the namespace in the OIDC state (Ward has no namespaces).', default: true }),
    },
    synopsis: 'Configure the JWT/OIDC key source, issuer and OIDC client.',
    operations: {
      async read(req) {
        const c = await loadConfig(req.storage);
        if (!c) return null;
        return {
          data: {
            oidc_discovery_url: c.discoveryUrl,
            oidc_discovery_ca_pem: c.discoveryCaPem,
            oidc_client_id: c.clientId,
            oidc_response_mode: c.responseMode,
            oidc_response_types: [...c.responseTypes],
            jwks_url: c.jwksUrl,
            jwks_ca_pem: c.jwksCaPem,
            jwt_validation_pubkeys: [...c.pubkeys],
            bound_issuer: c.boundIssuer,
            jwt_supported_algs: [...c.supportedAlgs],
            default_role: c.defaultRole,
            namespace_in_state: c.namespaceInState,
            provider_config: {},
          },
        };
      },

      async update(req, d) {
        const c: JwtConfig = {
          discoveryUrl: d.get('oidc_discovery_url').trim(),
          discoveryCaPem: d.get('oidc_discovery_ca_pem'),
          jwksUrl: d.get('jwks_url').trim(),
          jwksCaPem: d.get('jwks_ca_pem'),
          pubkeys: d.get('jwt_validation_pubkeys'),
          boundIssuer: d.get('bound_issuer'),
          supportedAlgs: d.get('jwt_supported_algs'),
          defaultRole: d.get('default_role'),
          clientId: d.get('oidc_client_id'),
          clientSecret: d.get('oidc_client_secret'),
          responseMode: d.get('oidc_response_mode'),
          responseTypes: d.get('oidc_response_types'),
          namespaceInState: d.get('namespace_in_state'),
        };
        const sources = [c.discoveryUrl !== '', c.jwksUrl !== '', c.pubkeys.length > 0].filter(Boolean).length;
        if (sources !== 1) throw badRequest("exactly one of 'jwt_validation_pubkeys', 'jwks_url' or 'oidc_discovery_url' must be set");
        if ((c.clientId === '') !== (c.clientSecret === '')) throw badRequest("both 'oidc_client_id' and 'oidc_client_secret' must be set for OIDC");
        if (c.clientId !== '' && c.discoveryUrl === '') throw badRequest("'oidc_discovery_url' must be set for OIDC");
        for (const a of c.supportedAlgs) {
          if (!(SUPPORTED_ALGS as readonly string[]).includes(a)) throw badRequest(`invalid jwt_supported_algs: unsupported signing algorithm "${a}"`);
        }
        if (!['', 'query', 'form_post'].includes(c.responseMode)) throw badRequest(`invalid response_mode: "${c.responseMode}"`);
        for (const t of c.responseTypes) if (t !== 'code' && t !== 'id_token') throw badRequest(`invalid response_type: "${t}"`);
        if (c.responseTypes.includes('id_token')) throw badRequest("oidc_response_types \"id_token\" (the implicit flow) is not supported by Ward; use \"code\"");
        checkUrl(c.discoveryUrl, 'oidc_discovery_url');
        checkUrl(c.jwksUrl, 'jwks_url');
        checkCaPem(c.discoveryCaPem, 'oidc_discovery_ca_pem');
        checkCaPem(c.jwksCaPem, 'jwks_ca_pem');
        for (const [i, k] of c.pubkeys.entries()) {
          try {
            parsePublicKeys(k);
          } catch (e) {
            throw badRequest(`error parsing public key ${i}: ${(e as Error).message}`);
          }
        }
        if (c.discoveryUrl !== '' || c.jwksUrl !== '') {
          try {
            await keys.load(c);
          } catch (e) {
            const what = c.discoveryUrl !== '' ? 'error checking oidc discovery URL' : 'error checking jwks URL';
            throw badRequest(`${what}: ${(e as Error).message}`);
          }
        }
        await putJSON(req.storage, CONFIG_KEY, c);
        return null;
      },
    },
  });
}
