/**
 * `role/<name>` and LIST `role`/`roles`: which IAM principals (by ARN, with globs) and
 * accounts may log in through a role (iam type), or which instances by their signed
 * identity document (ec2 type), and the tokens they get. Role names are lower-cased as
 * Vault's aws method does. VPC, subnet and instance-profile binds are checked at login
 * against EC2 DescribeInstances, bound_iam_role_arn against IAM GetInstanceProfile.
 */
import { uuid } from '../../lib/ids.js';
import { badRequest } from '../../sdk/errors.js';
import type { FieldData } from '../../sdk/framework/field-data.js';
import { field } from '../../sdk/framework/fields.js';
import { definePath, genericName } from '../../sdk/framework/path.js';
import { getJSON, putJSON, type Storage } from '../../sdk/storage.js';
import { roleListPaths } from '../role-list.js';
import { legacyTokenFields, parseTokenFields, tokenFields, tokenFieldsResponse, type TokenParams } from '../token-fields.js';

export interface AwsRole extends TokenParams {
  authType: 'iam' | 'ec2';
  roleId: string;
  boundIamPrincipalArns: string[];
  boundAccountIds: string[];
  resolveAwsUniqueIds: false;
  /** ec2 binds, from the signed identity document (absent on roles stored before ec2). */
  boundAmiIds?: string[];
  boundRegions?: string[];
  boundEc2InstanceIds?: string[];
  /** Checked against DescribeInstances' answer (ec2-api.ts). */
  boundVpcIds?: string[];
  boundSubnetIds?: string[];
  boundIamInstanceProfileArns?: string[];
  /** Checked against IAM GetInstanceProfile for the instance's profile. */
  boundIamRoleArns?: string[];
  allowInstanceMigration?: boolean;
  disallowReauthentication?: boolean;
}

/** ec2 binds that are ec2-only: from the signed document, or from DescribeInstances. */
const EC2_DOC_BINDS = ['bound_ami_id', 'bound_region', 'bound_ec2_instance_id', 'bound_vpc_id', 'bound_subnet_id', 'bound_iam_instance_profile_arn', 'bound_iam_role_arn'] as const;

/** How many binds need DescribeInstances' answer (the login asks EC2 only when there are any). */
export const ec2ApiBinds = (r: AwsRole): number => (r.boundVpcIds ?? []).length + (r.boundSubnetIds ?? []).length + (r.boundIamInstanceProfileArns ?? []).length + (r.boundIamRoleArns ?? []).length;

const roleKey = (name: string): string => `role/${name.toLowerCase()}`;

export const loadRole = (s: Storage, name: string): Promise<AwsRole | null> => getJSON<AwsRole>(s, roleKey(name));

const roleFields = {
  role: field.string({ description: 'Name of the role.', required: true }),
  auth_type: field.string({ description: 'The auth type permitted for this role: "iam" (default) or "ec2".' }),
  bound_iam_principal_arn: field.commaStringSlice({ description: 'IAM principal ARNs allowed to log in; "*" globs allowed.' }),
  bound_account_id: field.commaStringSlice({ description: 'AWS account IDs the caller must belong to.' }),
  resolve_aws_unique_ids: field.bool({ description: 'Resolve bound ARNs to unique IDs through IAM; Ward has no IAM access, so only false.' }),
  inferred_entity_type: field.string({ description: 'Not supported: inferring an EC2 instance needs EC2 access.' }),
  bound_ami_id: field.commaStringSlice({ description: 'ec2: AMI IDs the instance must run (from its identity document).' }),
  bound_region: field.commaStringSlice({ description: 'ec2: regions the instance must be in.' }),
  bound_ec2_instance_id: field.commaStringSlice({ description: 'ec2: instance IDs allowed to log in.' }),
  bound_vpc_id: field.commaStringSlice({ description: 'ec2: VPC IDs the instance must be in (asked from EC2 DescribeInstances).' }),
  bound_subnet_id: field.commaStringSlice({ description: 'ec2: subnet IDs the instance must be in (asked from EC2 DescribeInstances).' }),
  bound_iam_role_arn: field.commaStringSlice({ description: "ec2: IAM role ARNs (a trailing * matches a prefix) the instance profile's role must have (asked from IAM GetInstanceProfile)." }),
  bound_iam_instance_profile_arn: field.commaStringSlice({ description: 'ec2: instance profile ARNs (a trailing * matches a prefix) the instance must have (asked from EC2 DescribeInstances).' }),
  role_tag: field.string({ description: 'Not supported: role tags are read through the EC2 API.' }),
  allow_instance_migration: field.bool({ description: 'ec2: a newer identity document (later pendingTime) may log in without the nonce.' }),
  disallow_reauthentication: field.bool({ description: 'ec2: an instance logs in once; later logins are refused until its access-list entry is removed.' }),
  ...tokenFields,
  ...legacyTokenFields,
};

function buildRole(d: FieldData<typeof roleFields>, existing: AwsRole | null): AwsRole {
  const authType = d.opt('auth_type') ?? existing?.authType ?? 'iam';
  if (authType !== 'iam' && authType !== 'ec2') throw badRequest(`unrecognized auth_type: ${authType}`);
  if (existing && existing.authType !== authType) throw badRequest('changing auth_type on a role is not allowed');
  if (d.opt('resolve_aws_unique_ids') === true) {
    throw badRequest('resolve_aws_unique_ids=true needs IAM access to resolve principals, which Ward does not have; set it to false');
  }
  if ((d.opt('inferred_entity_type') ?? '') !== '') throw badRequest('inferred_entity_type is not supported by Ward');
  if ((d.opt('role_tag') ?? '') !== '') throw badRequest('role_tag is not supported by Ward: role tags are read through the EC2 API');
  if (authType === 'iam') {
    for (const f of EC2_DOC_BINDS) {
      if ((d.opt(f) ?? []).some((v) => v !== '')) throw badRequest(`specified ${f} but not specifying ec2 auth type or inferring ec2_instance`);
    }
  }
  const list = (v: string[] | undefined, old: string[] | undefined): string[] => (v ?? old ?? []).filter((a) => a !== '');
  const role: AwsRole = {
    ...parseTokenFields(d, existing ?? undefined),
    authType,
    roleId: existing?.roleId ?? uuid(),
    boundIamPrincipalArns: (d.opt('bound_iam_principal_arn') ?? existing?.boundIamPrincipalArns ?? []).filter((a) => a !== ''),
    boundAccountIds: (d.opt('bound_account_id') ?? existing?.boundAccountIds ?? []).filter((a) => a !== ''),
    resolveAwsUniqueIds: false,
    boundAmiIds: list(d.opt('bound_ami_id'), existing?.boundAmiIds),
    boundRegions: list(d.opt('bound_region'), existing?.boundRegions),
    boundEc2InstanceIds: list(d.opt('bound_ec2_instance_id'), existing?.boundEc2InstanceIds),
    boundVpcIds: list(d.opt('bound_vpc_id'), existing?.boundVpcIds),
    boundSubnetIds: list(d.opt('bound_subnet_id'), existing?.boundSubnetIds),
    boundIamInstanceProfileArns: list(d.opt('bound_iam_instance_profile_arn'), existing?.boundIamInstanceProfileArns),
    boundIamRoleArns: list(d.opt('bound_iam_role_arn'), existing?.boundIamRoleArns),
    allowInstanceMigration: d.opt('allow_instance_migration') ?? existing?.allowInstanceMigration ?? false,
    disallowReauthentication: d.opt('disallow_reauthentication') ?? existing?.disallowReauthentication ?? false,
  };
  if (role.allowInstanceMigration && role.disallowReauthentication) throw badRequest('cannot specify both disallow_reauthentication=true and allow_instance_migration=true');
  const ec2Binds = role.boundAmiIds!.length + role.boundRegions!.length + role.boundEc2InstanceIds!.length + ec2ApiBinds(role);
  if (role.boundIamPrincipalArns.length + role.boundAccountIds.length + ec2Binds === 0) throw badRequest('at least one bound parameter should be specified on the role');
  if (authType === 'ec2' && role.boundIamPrincipalArns.length > 0) throw badRequest('specified bound_iam_principal_arn but not specifying iam auth type');
  for (const arn of role.boundIamPrincipalArns) {
    if (!arn.startsWith('arn:') && arn !== '*') throw badRequest(`invalid bound_iam_principal_arn "${arn}": not an ARN`);
  }
  return role;
}

export const rolePath = definePath({
  pattern: `role/${genericName('role')}`,
  fields: roleFields,
  synopsis: 'Create, read, update and delete aws auth roles.',
  existenceCheck: async (req, d) => (await loadRole(req.storage, d.get('role'))) !== null,
  operations: {
    async read(req, d) {
      const r = await loadRole(req.storage, d.get('role'));
      if (!r) return null;
      return {
        data: {
          auth_type: r.authType,
          role_id: r.roleId,
          bound_iam_principal_arn: [...r.boundIamPrincipalArns],
          bound_iam_principal_id: [],
          bound_account_id: [...r.boundAccountIds],
          resolve_aws_unique_ids: r.resolveAwsUniqueIds,
          inferred_entity_type: '',
          inferred_aws_region: '',
          bound_ami_id: [...(r.boundAmiIds ?? [])],
          bound_region: [...(r.boundRegions ?? [])],
          bound_ec2_instance_id: [...(r.boundEc2InstanceIds ?? [])],
          bound_vpc_id: [...(r.boundVpcIds ?? [])],
          bound_subnet_id: [...(r.boundSubnetIds ?? [])],
          bound_iam_role_arn: [...(r.boundIamRoleArns ?? [])],
          bound_iam_instance_profile_arn: [...(r.boundIamInstanceProfileArns ?? [])],
          role_tag: '',
          allow_instance_migration: r.allowInstanceMigration ?? false,
          disallow_reauthentication: r.disallowReauthentication ?? false,
          ...tokenFieldsResponse(r, { legacy: true }),
        },
      };
    },
    async create(req, d) {
      await putJSON(req.storage, roleKey(d.get('role')), buildRole(d, null));
      return null;
    },
    async update(req, d) {
      const name = d.get('role');
      await putJSON(req.storage, roleKey(name), buildRole(d, await loadRole(req.storage, name)));
      return null;
    },
    async delete(req, d) {
      await req.storage.delete(roleKey(d.get('role')));
      return null;
    },
  },
});

export { roleListPaths };
