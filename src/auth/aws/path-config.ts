/**
 * `config/client` (where the client's signed GetCallerIdentity is replayed, and the
 * X-Vault-AWS-IAM-Server-ID value it must carry) and `config/identity` (how logins name
 * their identity alias and which metadata they carry), as Vault's aws method has them.
 * Ward makes no AWS calls of its own, so the access_key/secret_key family is not offered.
 */
import { badRequest } from '../../sdk/errors.js';
import type { FieldData } from '../../sdk/framework/field-data.js';
import { field } from '../../sdk/framework/fields.js';
import { definePath } from '../../sdk/framework/path.js';
import { getJSON, putJSON, type Storage } from '../../sdk/storage.js';

export interface ClientConfig {
  stsEndpoint: string;
  stsRegion: string;
  iamServerIdHeaderValue: string;
  maxRetries: number;
  useStsRegionFromClient: boolean;
}

export type IamAlias = 'role_id' | 'unique_id' | 'full_arn' | 'canonical_arn';

export interface IdentityConfig {
  iamAlias: IamAlias;
  iamMetadata: string[];
}

const CLIENT_KEY = 'config/client';
const IDENTITY_KEY = 'config/identity';

/** Vault's iam_metadata: these two by default, the rest on request. */
export const DEFAULT_IAM_METADATA = ['account_id', 'auth_type'];
const IAM_METADATA_AVAILABLE = ['canonical_arn', 'client_arn', 'client_user_id', 'inferred_aws_region', 'inferred_entity_id', 'inferred_entity_type'];

export const loadClientConfig = (s: Storage): Promise<ClientConfig | null> => getJSON<ClientConfig>(s, CLIENT_KEY);

export async function loadIdentityConfig(s: Storage): Promise<IdentityConfig> {
  return (await getJSON<IdentityConfig>(s, IDENTITY_KEY)) ?? { iamAlias: 'role_id', iamMetadata: [...DEFAULT_IAM_METADATA] };
}

function validEndpoint(v: string): string {
  if (v === '') return '';
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw badRequest(`invalid sts_endpoint "${v}": not a URL`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw badRequest(`invalid sts_endpoint "${v}": scheme must be https or http`);
  return v.replace(/\/+$/, '');
}

const clientFields = {
  sts_endpoint: field.string({ description: 'URL of the STS endpoint GetCallerIdentity requests are replayed to (default https://sts.amazonaws.com).' }),
  sts_region: field.string({ description: 'Region of sts_endpoint; recorded for clients, Ward signs nothing itself.' }),
  iam_server_id_header_value: field.string({ description: 'Value the X-Vault-AWS-IAM-Server-ID header must have, signed, in iam logins.' }),
  max_retries: field.int({ description: 'Retries of a failed STS call; -1 = the AWS SDK default (3).', default: -1 }),
  use_sts_region_from_client: field.bool({ description: "Replay to the STS endpoint of the region in the client's credential scope." }),
};

export const clientConfigPath = definePath({
  pattern: 'config/client',
  fields: clientFields,
  synopsis: 'Configure how iam logins are verified against STS.',
  existenceCheck: async (req) => (await loadClientConfig(req.storage)) !== null,
  operations: {
    async read(req) {
      const c = await loadClientConfig(req.storage);
      if (!c) return null;
      return {
        data: {
          sts_endpoint: c.stsEndpoint,
          sts_region: c.stsRegion,
          iam_server_id_header_value: c.iamServerIdHeaderValue,
          max_retries: c.maxRetries,
          use_sts_region_from_client: c.useStsRegionFromClient,
        },
      };
    },
    async create(req, d) {
      return write(req.storage, d, null);
    },
    async update(req, d) {
      return write(req.storage, d, await loadClientConfig(req.storage));
    },
    async delete(req) {
      await req.storage.delete(CLIENT_KEY);
      return null;
    },
  },
});

async function write(s: Storage, d: FieldData<typeof clientFields>, old: ClientConfig | null): Promise<null> {
  const c: ClientConfig = {
    stsEndpoint: validEndpoint((d.opt('sts_endpoint') ?? old?.stsEndpoint ?? '').trim()),
    stsRegion: (d.opt('sts_region') ?? old?.stsRegion ?? '').trim(),
    iamServerIdHeaderValue: d.opt('iam_server_id_header_value') ?? old?.iamServerIdHeaderValue ?? '',
    maxRetries: d.opt('max_retries') ?? old?.maxRetries ?? -1,
    useStsRegionFromClient: d.opt('use_sts_region_from_client') ?? old?.useStsRegionFromClient ?? false,
  };
  if (c.maxRetries < -1) throw badRequest('max_retries cannot be less than -1');
  await putJSON(s, CLIENT_KEY, c);
  return null;
}

export const identityConfigPath = definePath({
  pattern: 'config/identity',
  fields: {
    iam_alias: field.string({ description: 'Alias name for iam logins: role_id, unique_id, full_arn or canonical_arn.', allowed: ['role_id', 'unique_id', 'full_arn', 'canonical_arn'] }),
    iam_metadata: field.commaStringSlice({ description: 'Metadata on iam logins: "default", or a list of fields.' }),
  },
  synopsis: 'Configure how iam logins name their identity alias.',
  operations: {
    async read(req) {
      const c = await loadIdentityConfig(req.storage);
      return { data: { iam_alias: c.iamAlias, iam_metadata: [...c.iamMetadata], ec2_alias: 'role_id', ec2_metadata: [] } };
    },
    async update(req, d) {
      const old = await loadIdentityConfig(req.storage);
      let metadata = d.opt('iam_metadata') ?? old.iamMetadata;
      if (metadata.length === 1 && metadata[0] === 'default') metadata = [...DEFAULT_IAM_METADATA];
      for (const m of metadata) {
        if (!DEFAULT_IAM_METADATA.includes(m) && !IAM_METADATA_AVAILABLE.includes(m)) {
          throw badRequest(`"${m}" is not an available field, please select from: ${[...DEFAULT_IAM_METADATA, ...IAM_METADATA_AVAILABLE].join(', ')}`);
        }
      }
      const c: IdentityConfig = { iamAlias: (d.opt('iam_alias') ?? old.iamAlias) as IamAlias, iamMetadata: metadata };
      await putJSON(req.storage, IDENTITY_KEY, c);
      return null;
    },
  },
});
