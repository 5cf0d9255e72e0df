/** `roles/<name>`: which Kubernetes identity a credential gets, where, and for how long. */
import { checkObjectName, checkRoleName, isNamespaceName } from './names.js';
import { badRequest } from '../../sdk/errors.js';
import { field, type Fields } from '../../sdk/framework/fields.js';
import { definePath, genericName, type PathDef } from '../../sdk/framework/path.js';
import { formatDuration } from '../../lib/duration.js';
import { templateError } from '../../lib/name-template.js';
import { parseRules, parseSelector, type RoleType } from './objects.js';
import { deleteRole, getRole, listRoles, putRole, type KubeRole } from './store.js';

const roleFields = {
  name: field.lowerCaseString({ required: true, description: 'Name of the role.' }),
  allowed_kubernetes_namespaces: field.commaStringSlice({ description: 'Namespaces credentials may be issued in; "*" = all.' }),
  allowed_kubernetes_namespace_selector: field.string({ description: 'Label selector (JSON or YAML) of namespaces credentials may be issued in.' }),
  token_max_ttl: field.durationSecond({ description: 'Maximum TTL of issued tokens; 0 = the mount maximum.' }),
  token_default_ttl: field.durationSecond({ description: 'Default TTL of issued tokens; 0 = the mount default.' }),
  token_default_audiences: field.commaStringSlice({ description: 'Audiences of issued tokens; default the API server audiences.' }),
  service_account_name: field.string({ description: 'Existing service account to issue tokens for.' }),
  kubernetes_role_name: field.string({ description: 'Existing Role or ClusterRole to bind a new service account to.' }),
  kubernetes_role_type: field.string({ description: 'Role or ClusterRole.' }),
  generated_role_rules: field.string({ description: 'Rules (JSON or YAML Policy) of a Role or ClusterRole to create.' }),
  name_template: field.string({ description: 'Template for the names of created objects.' }),
  extra_labels: field.kvPairs({ description: 'Labels added to created objects.' }),
  extra_annotations: field.kvPairs({ description: 'Annotations added to created objects.' }),
};

function roleType(raw: string): RoleType | null {
  const t = raw.toLowerCase();
  return t === 'role' ? 'Role' : t === 'clusterrole' ? 'ClusterRole' : null;
}

export function roleResponse(r: KubeRole): Record<string, unknown> {
  return {
    allowed_kubernetes_namespaces: r.allowed_kubernetes_namespaces,
    allowed_kubernetes_namespace_selector: r.allowed_kubernetes_namespace_selector,
    token_max_ttl: r.token_max_ttl,
    token_default_ttl: r.token_default_ttl,
    token_default_audiences: r.token_default_audiences,
    service_account_name: r.service_account_name,
    kubernetes_role_name: r.kubernetes_role_name,
    kubernetes_role_type: r.kubernetes_role_type,
    generated_role_rules: r.generated_role_rules,
    name_template: r.name_template,
    extra_labels: r.extra_labels,
    extra_annotations: r.extra_annotations,
  };
}

export function rolePaths(): PathDef<Fields>[] {
  const list = definePath({
    pattern: 'roles/?',
    fields: {},
    synopsis: 'List the roles of this engine.',
    operations: { list: async (req) => ({ data: { keys: await listRoles(req.storage) } }) },
  });

  const role = definePath({
    pattern: `roles/${genericName('name')}`,
    fields: roleFields,
    synopsis: 'Manage a role that issues Kubernetes service-account tokens.',
    existenceCheck: async (req, d) => (await getRole(req.storage, d.get('name'))) !== null,
    operations: {
      async read(req, d) {
        const r = await getRole(req.storage, d.get('name'));
        return r ? { data: roleResponse(r) } : null;
      },
      async update(req, d) {
        const name = d.get('name');
        const old = await getRole(req.storage, name);
        const type = roleType(d.opt('kubernetes_role_type') ?? old?.kubernetes_role_type ?? 'Role');
        if (type === null) throw badRequest("kubernetes_role_type must be either 'Role' or 'ClusterRole'");
        const r: KubeRole = {
          allowed_kubernetes_namespaces: [...new Set((d.opt('allowed_kubernetes_namespaces') ?? old?.allowed_kubernetes_namespaces ?? []).map((n) => n.trim().toLowerCase()).filter((n) => n !== ''))],
          allowed_kubernetes_namespace_selector: d.opt('allowed_kubernetes_namespace_selector') ?? old?.allowed_kubernetes_namespace_selector ?? '',
          token_max_ttl: d.opt('token_max_ttl') ?? old?.token_max_ttl ?? 0,
          token_default_ttl: d.opt('token_default_ttl') ?? old?.token_default_ttl ?? 0,
          token_default_audiences: d.opt('token_default_audiences') ?? old?.token_default_audiences ?? [],
          service_account_name: d.opt('service_account_name') ?? old?.service_account_name ?? '',
          kubernetes_role_name: d.opt('kubernetes_role_name') ?? old?.kubernetes_role_name ?? '',
          kubernetes_role_type: type,
          generated_role_rules: d.opt('generated_role_rules') ?? old?.generated_role_rules ?? '',
          name_template: d.opt('name_template') ?? old?.name_template ?? '',
          extra_labels: d.opt('extra_labels') ?? old?.extra_labels ?? {},
          extra_annotations: d.opt('extra_annotations') ?? old?.extra_annotations ?? {},
        };
        if (r.allowed_kubernetes_namespaces.length === 0 && r.allowed_kubernetes_namespace_selector === '') {
          throw badRequest('one (at least) of allowed_kubernetes_namespaces or allowed_kubernetes_namespace_selector must be set');
        }
        if ([r.service_account_name, r.kubernetes_role_name, r.generated_role_rules].filter((v) => v !== '').length !== 1) {
          throw badRequest('one (and only one) of service_account_name, kubernetes_role_name or generated_role_rules must be set');
        }
        for (const ns of r.allowed_kubernetes_namespaces) {
          if (ns !== '*' && !isNamespaceName(ns)) throw badRequest(`allowed_kubernetes_namespaces: ${JSON.stringify(ns)} is not a valid Kubernetes namespace name`);
        }
        if (r.service_account_name !== '') checkObjectName('service_account_name', r.service_account_name);
        if (r.kubernetes_role_name !== '') checkRoleName('kubernetes_role_name', r.kubernetes_role_name);
        if (r.generated_role_rules !== '' && parseRules(r.generated_role_rules) === null) {
          throw badRequest("failed to parse 'generated_role_rules' as k8s.io/api/rbac/v1/Policy object");
        }
        if (r.allowed_kubernetes_namespace_selector !== '' && parseSelector(r.allowed_kubernetes_namespace_selector) === null) {
          throw badRequest("failed to parse 'allowed_kubernetes_namespace_selector' as k8s.io/apimachinery/pkg/apis/meta/v1/LabelSelector object");
        }
        if (r.token_max_ttl > 0 && r.token_default_ttl > r.token_max_ttl) {
          throw badRequest(`token_default_ttl ${formatDuration(r.token_default_ttl)} cannot be greater than token_max_ttl ${formatDuration(r.token_max_ttl)}`);
        }
        if (r.name_template !== '') {
          const err = templateError(r.name_template);
          if (err !== null) throw badRequest(`unable to initialize name template: ${err}`);
        }
        await putRole(req.storage, name, r);
        return null;
      },
      async delete(req, d) {
        await deleteRole(req.storage, d.get('name'));
        return null;
      },
    },
  });

  return [list, role];
}
