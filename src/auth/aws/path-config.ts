/**
 * `config/client` (where the client's signed GetCallerIdentity is replayed, and the
 * X-Vault-AWS-IAM-Server-ID value it must carry) and `config/identity` (how logins name
 * their identity alias and which metadata they carry), as Vault's aws method has them.
 * `access_key`/`secret_key`/`endpoint`/`iam_endpoint` are the credentials and endpoints ec2
 * logins ask EC2 DescribeInstances and IAM GetInstanceProfile with (only for roles with binds that need it, see ec2-api.ts); the
 * secret key is never read back.
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
  /** EC2 API credentials; absent: the server's AWS_* environment. */
  accessKey?: string;
  secretKey?: string;
  /** EC2 API endpoint; absent: https://ec2.<region>.amazonaws.com. */
  endpoint?: string;
  /** IAM API endpoint (GetInstanceProfile); absent: https://iam.amazonaws.com. */
  iamEndpoint?: string;
}

export type IamAlias = 'role_id' | 'unique_id' | 'full_arn' | 'canonical_arn';

export type Ec2Alias = 'role_id' | 'instance_id' | 'image_id';

export interface IdentityConfig {
  iamAlias: IamAlias;
  iamMetadata: string[];
  /** Absent on configs stored before the ec2 type: role_id and the defaults. */
  ec2Alias?: Ec2Alias;
  ec2Metadata?: string[];
}

const CLIENT_KEY = 'config/client';
const IDENTITY_KEY = 'config/identity';

/** Vault's iam_metadata: these two by default, the rest on request. */
export const DEFAULT_IAM_METADATA = ['account_id', 'auth_type'];
const IAM_METADATA_AVAILABLE = ['canonical_arn', 'client_arn', 'client_user_id', 'inferred_aws_region', 'inferred_entity_id', 'inferred_entity_type'];
export const DEFAULT_EC2_METADATA = ['account_id', 'auth_type'];
const EC2_METADATA_AVAILABLE = ['ami_id', 'instance_id', 'region'];

function metadataList(given: string[] | undefined, old: string[], defaults: string[], available: string[]): string[] {
  let metadata = given ?? old;
  if (metadata.length === 1 && metadata[0] === 'default') metadata = [...defaults];
  for (const m of metadata) {
    if (!defaults.includes(m) && !available.includes(m)) {
      throw badRequest(`"${m}" is not an available field, please select from: ${[...defaults, ...available].join(', ')}`);
    }
  }
  return metadata;
}

export const loadClientConfig = (s: Storage): Promise<ClientConfig | null> => getJSON<ClientConfig>(s, CLIENT_KEY);

export async function loadIdentityConfig(s: Storage): Promise<IdentityConfig> {
  return (await getJSON<IdentityConfig>(s, IDENTITY_KEY)) ?? { iamAlias: 'role_id', iamMetadata: [...DEFAULT_IAM_METADATA] };
}

function validEndpoint(v: string, name = 'sts_endpoint'): string {
  if (v === '') return '';
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw badRequest(`invalid ${name} "${v}": not a URL`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw badRequest(`invalid ${name} "${v}": scheme must be https or http`);
  return v.replace(/\/+$/, '');
}

const clientFields = {
  sts_endpoint: field.string({ description: 'URL of the STS endpoint GetCallerIdentity requests are replayed to (default https://sts.amazonaws.com).' }),
  sts_region: field.string({ description: 'Region of sts_endpoint; recorded for clients, Ward signs nothing itself.' }),
  iam_server_id_header_value: field.string({ description: 'Value the X-Vault-AWS-IAM-Server-ID header must have, signed, in iam logins.' }),
  max_retries: field.int({ description: 'Retries of a failed STS call; -1 = the AWS SDK default (3).', default: -1 }),
  use_sts_region_from_client: field.bool({ description: "Replay to the STS endpoint of the region in the client's credential scope." }),
  access_key: field.string({ description: 'AWS access key ID ec2 logins call DescribeInstances with (default: the server environment).' }),
  secret_key: field.string({ description: 'AWS secret access key for access_key; never read back.', sensitive: true }),
  endpoint: field.string({ description: 'URL of the EC2 API (default https://ec2.<region>.amazonaws.com).' }),
  iam_endpoint: field.string({ description: 'URL of the IAM API, for bound_iam_role_arn (default https://iam.amazonaws.com).' }),
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
          access_key: c.accessKey ?? '',
          endpoint: c.endpoint ?? '',
          iam_endpoint: c.iamEndpoint ?? '',
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
  const accessKey = (d.opt('access_key') ?? old?.accessKey ?? '').trim();
  const secretKey = d.opt('secret_key') ?? old?.secretKey ?? '';
  if ((accessKey === '') !== (secretKey === '')) throw badRequest('access_key and secret_key must be set together');
  if (accessKey !== '') Object.assign(c, { accessKey, secretKey });
  const endpoint = validEndpoint((d.opt('endpoint') ?? old?.endpoint ?? '').trim(), 'endpoint');
  if (endpoint !== '') c.endpoint = endpoint;
  const iamEndpoint = validEndpoint((d.opt('iam_endpoint') ?? old?.iamEndpoint ?? '').trim(), 'iam_endpoint');
  if (iamEndpoint !== '') c.iamEndpoint = iamEndpoint;
  await putJSON(s, CLIENT_KEY, c);
  return null;
}

export const identityConfigPath = definePath({
  pattern: 'config/identity',
  fields: {
    iam_alias: field.string({ description: 'Alias name for iam logins: role_id, unique_id, full_arn or canonical_arn.', allowed: ['role_id', 'unique_id', 'full_arn', 'canonical_arn'] }),
    iam_metadata: field.commaStringSlice({ description: 'Metadata on iam logins: "default", or a list of fields.' }),
    ec2_alias: field.string({ description: 'Alias name for ec2 logins: role_id, instance_id or image_id.', allowed: ['role_id', 'instance_id', 'image_id'] }),
    ec2_metadata: field.commaStringSlice({ description: 'Metadata on ec2 logins: "default", or a list of fields.' }),
  },
  synopsis: 'Configure how iam and ec2 logins name their identity alias and which metadata they carry.',
  operations: {
    async read(req) {
      const c = await loadIdentityConfig(req.storage);
      return { data: { iam_alias: c.iamAlias, iam_metadata: [...c.iamMetadata], ec2_alias: c.ec2Alias ?? 'role_id', ec2_metadata: [...(c.ec2Metadata ?? DEFAULT_EC2_METADATA)] } };
    },
    async update(req, d) {
      const old = await loadIdentityConfig(req.storage);
      const c: IdentityConfig = {
        iamAlias: (d.opt('iam_alias') ?? old.iamAlias) as IamAlias,
        iamMetadata: metadataList(d.opt('iam_metadata'), old.iamMetadata, DEFAULT_IAM_METADATA, IAM_METADATA_AVAILABLE),
        ec2Alias: (d.opt('ec2_alias') ?? old.ec2Alias ?? 'role_id') as Ec2Alias,
        ec2Metadata: metadataList(d.opt('ec2_metadata'), old.ec2Metadata ?? DEFAULT_EC2_METADATA, DEFAULT_EC2_METADATA, EC2_METADATA_AVAILABLE),
      };
      await putJSON(req.storage, IDENTITY_KEY, c);
      return null;
    },
  },
});
