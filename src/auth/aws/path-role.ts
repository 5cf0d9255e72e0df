/**
 * `role/<name>` and LIST `role`/`roles`: which IAM principals (by ARN, with globs) and
 * accounts may log in through a role, and the tokens they get. Only the iam auth type
 * exists in Ward; role names are lower-cased as Vault's aws method does.
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
  authType: 'iam';
  roleId: string;
  boundIamPrincipalArns: string[];
  boundAccountIds: string[];
  resolveAwsUniqueIds: false;
}

const roleKey = (name: string): string => `role/${name.toLowerCase()}`;

export const loadRole = (s: Storage, name: string): Promise<AwsRole | null> => getJSON<AwsRole>(s, roleKey(name));

const roleFields = {
  role: field.string({ description: 'Name of the role.', required: true }),
  auth_type: field.string({ description: 'The auth type permitted for this role; only "iam" in Ward.' }),
  bound_iam_principal_arn: field.commaStringSlice({ description: 'IAM principal ARNs allowed to log in; "*" globs allowed.' }),
  bound_account_id: field.commaStringSlice({ description: 'AWS account IDs the caller must belong to.' }),
  resolve_aws_unique_ids: field.bool({ description: 'Resolve bound ARNs to unique IDs through IAM; Ward has no IAM access, so only false.' }),
  inferred_entity_type: field.string({ description: 'Not supported: inferring an EC2 instance needs EC2 access.' }),
  ...tokenFields,
  ...legacyTokenFields,
};

function buildRole(d: FieldData<typeof roleFields>, existing: AwsRole | null): AwsRole {
  const authType = d.opt('auth_type') ?? existing?.authType ?? 'iam';
  if (authType === 'ec2') throw badRequest('auth_type "ec2" is not supported by Ward; use "iam"');
  if (authType !== 'iam') throw badRequest(`unrecognized auth_type: ${authType}`);
  if (existing && existing.authType !== authType) throw badRequest('changing auth_type on a role is not allowed');
  if (d.opt('resolve_aws_unique_ids') === true) {
    throw badRequest('resolve_aws_unique_ids=true needs IAM access to resolve principals, which Ward does not have; set it to false');
  }
  if ((d.opt('inferred_entity_type') ?? '') !== '') throw badRequest('inferred_entity_type is not supported by Ward');
  const role: AwsRole = {
    ...parseTokenFields(d, existing ?? undefined),
    authType: 'iam',
    roleId: existing?.roleId ?? uuid(),
    boundIamPrincipalArns: (d.opt('bound_iam_principal_arn') ?? existing?.boundIamPrincipalArns ?? []).filter((a) => a !== ''),
    boundAccountIds: (d.opt('bound_account_id') ?? existing?.boundAccountIds ?? []).filter((a) => a !== ''),
    resolveAwsUniqueIds: false,
  };
  if (role.boundIamPrincipalArns.length + role.boundAccountIds.length === 0) throw badRequest('at least one bound parameter should be specified on the role');
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
