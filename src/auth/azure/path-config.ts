/**
 * `config`: the tenant whose managed-identity tokens are accepted, the resource (audience)
 * they must be issued for, and the cloud environment that fixes the issuer. Ward adds
 * `oidc_discovery_url` to point the issuer elsewhere (tests, sovereign clouds); client_id and
 * client_secret are accepted for clients that set them but unused (no Azure API calls).
 */
import { badRequest } from '../../sdk/errors.js';
import { field } from '../../sdk/framework/fields.js';
import { definePath } from '../../sdk/framework/path.js';
import { getJSON, putJSON, type Storage } from '../../sdk/storage.js';

export interface AzureConfig {
  tenantId: string;
  resource: string;
  environment: string;
  oidcDiscoveryUrl: string;
  clientId: string;
  clientSecret: string;
}

const KEY = 'config';

/** The v1 token issuer host per environment (managed-identity tokens are v1). */
const ISSUER_HOSTS: Record<string, string> = {
  AzurePublicCloud: 'https://sts.windows.net',
  AzureUSGovernmentCloud: 'https://sts.windows.net',
  AzureChinaCloud: 'https://sts.chinacloudapi.cn',
};

export const loadConfig = (s: Storage): Promise<AzureConfig | null> => getJSON<AzureConfig>(s, KEY);

/** The issuer tokens must carry and discovery is fetched under. */
export const issuerOf = (c: AzureConfig): string => c.oidcDiscoveryUrl || `${ISSUER_HOSTS[c.environment || 'AzurePublicCloud'] ?? ISSUER_HOSTS['AzurePublicCloud']}/${c.tenantId}/`;

export const configPath = definePath({
  pattern: 'config',
  fields: {
    tenant_id: field.string({ description: 'The Entra ID tenant; required.' }),
    resource: field.string({ description: 'The audience tokens must be issued for; required.' }),
    environment: field.string({ description: 'AzurePublicCloud (default), AzureUSGovernmentCloud or AzureChinaCloud.' }),
    oidc_discovery_url: field.string({ description: 'Ward: the issuer URL to use instead of the environment\'s (discovery is under it).' }),
    client_id: field.string({ description: 'Accepted for compatibility; unused.' }),
    client_secret: field.string({ description: 'Accepted for compatibility; unused and never read back.', sensitive: true }),
  },
  synopsis: 'Configure the azure auth method.',
  existenceCheck: async (req) => (await loadConfig(req.storage)) !== null,
  operations: {
    async read(req) {
      const c = await loadConfig(req.storage);
      if (!c) return null;
      return { data: { tenant_id: c.tenantId, resource: c.resource, environment: c.environment, oidc_discovery_url: c.oidcDiscoveryUrl, client_id: c.clientId } };
    },
    async create(req, d) {
      return write(req.storage, d, null);
    },
    async update(req, d) {
      return write(req.storage, d, await loadConfig(req.storage));
    },
    async delete(req) {
      await req.storage.delete(KEY);
      return null;
    },
  },
});

interface Source {
  opt(name: string): unknown;
}

async function write(s: Storage, d: Source, old: AzureConfig | null): Promise<null> {
  const str = (k: string, prev: string | undefined): string => {
    const v = d.opt(k);
    return typeof v === 'string' ? v.trim() : (prev ?? '');
  };
  const c: AzureConfig = {
    tenantId: str('tenant_id', old?.tenantId),
    resource: str('resource', old?.resource),
    environment: str('environment', old?.environment),
    oidcDiscoveryUrl: str('oidc_discovery_url', old?.oidcDiscoveryUrl),
    clientId: str('client_id', old?.clientId),
    clientSecret: str('client_secret', old?.clientSecret),
  };
  if (c.tenantId === '') throw badRequest('tenant_id is required');
  if (c.resource === '') throw badRequest('resource is required');
  if (c.environment !== '' && !(c.environment in ISSUER_HOSTS)) throw badRequest(`invalid environment "${c.environment}": one of ${Object.keys(ISSUER_HOSTS).join(', ')}`);
  if (c.oidcDiscoveryUrl !== '') {
    let u: URL;
    try {
      u = new URL(c.oidcDiscoveryUrl);
    } catch {
      throw badRequest(`invalid oidc_discovery_url "${c.oidcDiscoveryUrl}": not a URL`);
    }
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw badRequest(`invalid oidc_discovery_url "${c.oidcDiscoveryUrl}": scheme must be https or http`);
  }
  await putJSON(s, KEY, c);
  return null;
}
