/**
 * `role/<name>` and LIST `role`: which service accounts (by name and namespace) may log
 * in through a role, which audience their JWT must carry, and the tokens they get.
 */
import { badRequest } from '../../sdk/errors.js';
import type { FieldData } from '../../sdk/framework/field-data.js';
import { field } from '../../sdk/framework/fields.js';
import { definePath, genericName } from '../../sdk/framework/path.js';
import { getJSON, putJSON, type Storage } from '../../sdk/storage.js';
import { parseLabelSelector } from './selector.js';
import { legacyTokenFields, parseTokenFields, tokenFields, tokenFieldsResponse, type TokenParams } from '../token-fields.js';

export type AliasNameSource = 'serviceaccount_uid' | 'serviceaccount_name';

export interface KubeRole extends TokenParams {
  boundServiceAccountNames: string[];
  boundServiceAccountNamespaces: string[];
  boundServiceAccountNamespaceSelector: string;
  audience: string;
  aliasNameSource: AliasNameSource;
}

const roleKey = (name: string): string => `role/${name}`;

export const loadRole = (s: Storage, name: string): Promise<KubeRole | null> => getJSON<KubeRole>(s, roleKey(name));

const roleFields = {
  name: field.string({ description: 'Name of the role.', required: true }),
  bound_service_account_names: field.commaStringSlice({ description: 'Service-account names allowed to log in; "*" or globs.' }),
  bound_service_account_namespaces: field.commaStringSlice({ description: 'Namespaces allowed to log in; "*" or globs.' }),
  bound_service_account_namespace_selector: field.string({ description: 'Label selector (JSON) for namespaces allowed to log in.' }),
  audience: field.string({ description: 'Audience the JWT must carry; also sent to TokenReview.' }),
  alias_name_source: field.string({
    description: 'Alias name: the service-account UID or <namespace>/<name>.',
    default: 'serviceaccount_uid',
    allowed: ['serviceaccount_uid', 'serviceaccount_name'],
  }),
  ...tokenFields,
  ...legacyTokenFields,
};

/** A bound list may be ["*"] but may not mix "*" with other entries. */
function checkBound(list: string[], fieldName: string): void {
  if (list.length > 1 && list.includes('*')) throw badRequest(`can not mix "*" with values in "${fieldName}"`);
}

function buildRole(d: FieldData<typeof roleFields>, existing: KubeRole | null): KubeRole {
  const tokens = parseTokenFields(d, existing ?? undefined);
  const role: KubeRole = {
    ...tokens,
    boundServiceAccountNames: d.opt('bound_service_account_names') ?? existing?.boundServiceAccountNames ?? [],
    boundServiceAccountNamespaces: d.opt('bound_service_account_namespaces') ?? existing?.boundServiceAccountNamespaces ?? [],
    boundServiceAccountNamespaceSelector:
      d.opt('bound_service_account_namespace_selector') ?? existing?.boundServiceAccountNamespaceSelector ?? '',
    audience: d.opt('audience') ?? existing?.audience ?? '',
    aliasNameSource: (d.opt('alias_name_source') ?? existing?.aliasNameSource ?? 'serviceaccount_uid') as AliasNameSource,
  };
  if (role.boundServiceAccountNames.length === 0) throw badRequest('"bound_service_account_names" can not be empty');
  const selector = role.boundServiceAccountNamespaceSelector.trim();
  if (role.boundServiceAccountNamespaces.length === 0 && selector === '') {
    throw badRequest('"bound_service_account_namespaces" can not be empty if "bound_service_account_namespace_selector" is not set');
  }
  checkBound(role.boundServiceAccountNames, 'bound_service_account_names');
  checkBound(role.boundServiceAccountNamespaces, 'bound_service_account_namespaces');
  if (selector !== '') {
    try {
      parseLabelSelector(selector);
    } catch (e) {
      throw badRequest(`invalid "bound_service_account_namespace_selector" configured: ${(e as Error).message}`);
    }
  }
  return role;
}

/** Newer Vault warns on roles without an audience, since every projected token of the SA would then pass. */
const audienceWarning = (r: KubeRole): { warnings: string[] } | null =>
  r.audience === '' ? { warnings: ['This role does not have an audience configured; JWTs for any audience will be accepted.'] } : null;

export const roleListPath = definePath({
  pattern: 'role/?',
  fields: {},
  synopsis: 'List the configured roles.',
  operations: {
    async list(req) {
      const keys = (await req.storage.list('role/')).filter((k) => !k.endsWith('/'));
      return { data: { keys } };
    },
  },
});

export const rolePath = definePath({
  pattern: `role/${genericName('name')}`,
  fields: roleFields,
  synopsis: 'Create, read, update and delete Kubernetes auth roles.',
  existenceCheck: async (req, d) => (await loadRole(req.storage, d.get('name'))) !== null,
  operations: {
    async read(req, d) {
      const r = await loadRole(req.storage, d.get('name'));
      if (!r) return null;
      return {
        data: {
          bound_service_account_names: [...r.boundServiceAccountNames],
          bound_service_account_namespaces: [...r.boundServiceAccountNamespaces],
          bound_service_account_namespace_selector: r.boundServiceAccountNamespaceSelector,
          audience: r.audience,
          alias_name_source: r.aliasNameSource,
          ...tokenFieldsResponse(r, { legacy: true }),
        },
      };
    },

    async create(req, d) {
      const role = buildRole(d, null);
      await putJSON(req.storage, roleKey(d.get('name')), role);
      return audienceWarning(role);
    },

    async update(req, d) {
      const name = d.get('name');
      const role = buildRole(d, await loadRole(req.storage, name));
      await putJSON(req.storage, roleKey(name), role);
      return audienceWarning(role);
    },

    async delete(req, d) {
      await req.storage.delete(roleKey(d.get('name')));
      return null;
    },
  },
});
