/**
 * `config`: optional service-account credentials (kept write-only; Ward makes no
 * authenticated Google calls, see README), `custom_endpoint.api` (where Google's public keys
 * are fetched), and how iam logins name their alias and metadata.
 */
import { badRequest } from '../../sdk/errors.js';
import { field } from '../../sdk/framework/fields.js';
import { definePath } from '../../sdk/framework/path.js';
import { getJSON, putJSON, type Storage } from '../../sdk/storage.js';
import { DEFAULT_API_ENDPOINT } from './signing-keys.js';

export interface GcpConfig {
  credentials: string;
  clientEmail: string;
  projectId: string;
  apiEndpoint: string;
  iamAlias: 'unique_id' | 'role_id';
  iamMetadata: string[];
}

const KEY = 'config';
export const DEFAULT_IAM_METADATA = ['project_id', 'role', 'service_account_id', 'service_account_email'];

export async function loadConfig(s: Storage): Promise<GcpConfig> {
  return (await getJSON<GcpConfig>(s, KEY)) ?? { credentials: '', clientEmail: '', projectId: '', apiEndpoint: '', iamAlias: 'unique_id', iamMetadata: [...DEFAULT_IAM_METADATA] };
}

function parseCredentials(raw: string): { clientEmail: string; projectId: string } {
  let c: unknown;
  try {
    c = JSON.parse(raw);
  } catch {
    throw badRequest('error reading google credentials from given JSON: not JSON');
  }
  const o = (typeof c === 'object' && c !== null ? c : {}) as Record<string, unknown>;
  if (typeof o['client_email'] !== 'string' || typeof o['private_key'] !== 'string') throw badRequest('error reading google credentials from given JSON: client_email and private_key are required');
  return { clientEmail: o['client_email'], projectId: typeof o['project_id'] === 'string' ? o['project_id'] : '' };
}

function apiEndpoint(custom: Record<string, unknown>): string {
  const api = custom['api'];
  if (api === undefined || api === '') return '';
  if (typeof api !== 'string') throw badRequest('custom_endpoint.api must be a URL');
  let u: URL;
  try {
    u = new URL(api);
  } catch {
    throw badRequest(`invalid custom_endpoint.api "${api}": not a URL`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw badRequest(`invalid custom_endpoint.api "${api}": scheme must be https or http`);
  return api.replace(/\/+$/, '');
}

export const configPath = definePath({
  pattern: 'config',
  fields: {
    credentials: field.string({ description: 'Service-account key JSON; optional, write-only.', sensitive: true }),
    custom_endpoint: field.map({ description: 'Endpoint overrides; "api" is where Google public keys are fetched.' }),
    iam_alias: field.string({ description: 'Alias name for iam logins: unique_id or role_id.', allowed: ['unique_id', 'role_id'] }),
    iam_metadata: field.commaStringSlice({ description: 'Metadata on iam logins: "default", or a list of fields.' }),
  },
  synopsis: 'Configure the gcp auth method.',
  operations: {
    async read(req) {
      const c = await loadConfig(req.storage);
      return {
        data: {
          client_email: c.clientEmail,
          project_id: c.projectId,
          custom_endpoint: c.apiEndpoint === '' ? {} : { api: c.apiEndpoint },
          iam_alias: c.iamAlias,
          iam_metadata: [...c.iamMetadata],
          api_endpoint_in_use: c.apiEndpoint || DEFAULT_API_ENDPOINT,
        },
      };
    },
    async update(req, d) {
      const c = await loadConfig(req.storage);
      const creds = d.opt('credentials');
      if (creds !== undefined && creds.trim() !== '') Object.assign(c, parseCredentials(creds), { credentials: creds });
      const custom = d.opt('custom_endpoint');
      if (custom !== undefined) c.apiEndpoint = apiEndpoint(custom);
      c.iamAlias = (d.opt('iam_alias') ?? c.iamAlias) as GcpConfig['iamAlias'];
      let md = d.opt('iam_metadata') ?? c.iamMetadata;
      if (md.length === 1 && md[0] === 'default') md = [...DEFAULT_IAM_METADATA];
      for (const m of md) if (!DEFAULT_IAM_METADATA.includes(m)) throw badRequest(`"${m}" is not an available field, please select from: ${DEFAULT_IAM_METADATA.join(', ')}`);
      c.iamMetadata = md;
      await putJSON(req.storage, KEY, c);
      return null;
    },
  },
});
