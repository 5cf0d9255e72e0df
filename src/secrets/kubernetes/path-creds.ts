/**
 * `creds/<role>`: issues a service-account token (TokenRequest) for the role, creating the
 * ServiceAccount, binding and Role it needs; and the `kube_token` secret type whose
 * revocation deletes what was created. Tokens cannot be renewed, as in Vault.
 */
import { checkNamespace, isObjectName } from './names.js';
import { badRequest, internalError } from '../../sdk/errors.js';
import { field, type Fields } from '../../sdk/framework/fields.js';
import { definePath, genericName, type PathDef } from '../../sdk/framework/path.js';
import type { LeaseView, LogicalRequest, SecretType } from '../../sdk/logical.js';
import { formatDuration } from '../../lib/duration.js';
import { renderUsername } from '../../lib/name-template.js';
import { connection, type KubeEngineContext } from './context.js';
import { createWithRollback, deleteObjects } from './issue.js';
import { kubeFailure, kubeRequest, type KubeConn } from './kube-http.js';
import { matchesSelector, parseRules, parseSelector, planObjects, type ObjectRef, type RoleMode } from './objects.js';
import { getRole, type KubeRole } from './store.js';

export const KUBE_TOKEN_TYPE = 'kube_token';

/** Vault's default: `v-<display≤8>-<role≤8>-<unix seconds>-<24 random>`, lower-cased, at most 62 characters. */
export const DEFAULT_NAME_TEMPLATE = '{{ printf "v-%s-%s-%s-%s" (.DisplayName | truncate 8) (.RoleName | truncate 8) (unix_time) (random 24) | truncate 62 | lowercase }}';

async function namespaceAllowed(conn: () => Promise<KubeConn>, role: KubeRole, ns: string): Promise<boolean> {
  if (role.allowed_kubernetes_namespaces.includes('*') || role.allowed_kubernetes_namespaces.includes(ns)) return true;
  if (role.allowed_kubernetes_namespace_selector === '') return false;
  const selector = parseSelector(role.allowed_kubernetes_namespace_selector);
  if (selector === null) throw internalError('the role has a malformed allowed_kubernetes_namespace_selector');
  let labels: Record<string, string> = {};
  try {
    const obj = (await kubeRequest(await conn(), 'GET', `/api/v1/namespaces/${encodeURIComponent(ns)}`)) as { metadata?: { labels?: Record<string, string> } };
    labels = obj.metadata?.labels ?? {};
  } catch (e) {
    throw kubeFailure('error verifying namespace', e);
  }
  return matchesSelector(selector, labels);
}

function roleMode(role: KubeRole): RoleMode {
  if (role.service_account_name !== '') return { kind: 'existing-sa', serviceAccount: role.service_account_name };
  if (role.kubernetes_role_name !== '') return { kind: 'existing-role', roleName: role.kubernetes_role_name, roleType: role.kubernetes_role_type };
  const rules = parseRules(role.generated_role_rules);
  if (rules === null) throw internalError("failed to parse 'generated_role_rules' as k8s.io/api/rbac/v1/Policy object");
  return { kind: 'generated', rules, roleType: role.kubernetes_role_type };
}

/** Seconds between `iat` and `exp` of a JWT, read without verifying it (it came from the API server); 0 if unreadable. */
function tokenLifetime(jwt: string): number {
  try {
    const claims = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp?: unknown; iat?: unknown };
    return typeof claims.exp === 'number' && typeof claims.iat === 'number' ? claims.exp - claims.iat : 0;
  } catch {
    return 0;
  }
}

export function credsPath(ctx: KubeEngineContext): PathDef<Fields> {
  return definePath({
    pattern: `creds/${genericName('name')}`,
    fields: {
      name: field.lowerCaseString({ required: true, description: 'Name of the role.' }),
      kubernetes_namespace: field.string({ description: 'Namespace to issue the credentials in.' }),
      cluster_role_binding: field.bool({ description: 'Bind cluster-wide (needs kubernetes_role_type ClusterRole).' }),
      ttl: field.durationSecond({ description: 'TTL of the token and the lease.' }),
      audiences: field.commaStringSlice({ description: 'Audiences of the token.' }),
    },
    synopsis: 'Request Kubernetes service account credentials for a role.',
    operations: {
      async update(req, d) {
        const roleName = d.get('name');
        const role = await getRole(req.storage, roleName);
        if (!role) throw badRequest(`role '${roleName}' does not exist`);
        let ns = d.opt('kubernetes_namespace') ?? '';
        const only = role.allowed_kubernetes_namespaces;
        if (ns === '' && only.length === 1 && only[0] !== '*' && role.allowed_kubernetes_namespace_selector === '') ns = only[0] ?? '';
        if (ns === '') throw badRequest("'kubernetes_namespace' is required unless the Vault role has a single namespace specified");
        checkNamespace('kubernetes_namespace', ns);
        const lazyConn = (() => {
          let c: Promise<KubeConn> | null = null;
          return () => (c ??= connection(ctx, req.storage));
        })();
        if (!(await namespaceAllowed(lazyConn, role, ns))) {
          throw badRequest(`kubernetes_namespace '${ns}' is not present in role's allowed_kubernetes_namespaces or does not match role's label selector allowed_kubernetes_namespace_selector`);
        }
        const clusterRoleBinding = d.get('cluster_role_binding');
        if (clusterRoleBinding && role.kubernetes_role_type === 'Role') throw badRequest('a ClusterRoleBinding cannot ref a Role');

        const warnings: string[] = [];
        let ttl = d.opt('ttl') || role.token_default_ttl || ctx.system.defaultLeaseTtl();
        if (role.token_max_ttl > 0 && ttl > role.token_max_ttl) {
          warnings.push(`ttl of ${formatDuration(ttl)} is greater than the role's token_max_ttl of ${formatDuration(role.token_max_ttl)}; capping accordingly`);
          ttl = role.token_max_ttl;
        }
        const sysMax = ctx.system.maxLeaseTtl();
        if (sysMax > 0 && ttl > sysMax) {
          warnings.push(`ttl of ${formatDuration(ttl)} is greater than Vault's max lease ttl ${formatDuration(sysMax)}; capping accordingly`);
          ttl = sysMax;
        }
        const audiences = d.opt('audiences') ?? role.token_default_audiences;

        const mode = roleMode(role);
        const name = renderUsername(role.name_template || DEFAULT_NAME_TEMPLATE, { DisplayName: req.caller?.displayName ?? '', RoleName: roleName });
        if (role.name_template !== '' && !isObjectName(name)) {
          throw badRequest(`name_template produced ${JSON.stringify(name)}, which is not a valid Kubernetes name (lower-case letters, digits, '-' and '.')`);
        }
        const plan = planObjects({ mode, namespace: ns, name, clusterRoleBinding, extraLabels: role.extra_labels, extraAnnotations: role.extra_annotations });
        const account = mode.kind === 'existing-sa' ? mode.serviceAccount : name;
        const conn = await lazyConn();

        const token = await createWithRollback(conn, req.storage, ctx.logger, plan, async () => {
          const spec = { expirationSeconds: ttl, ...(audiences.length > 0 ? { audiences } : {}) };
          try {
            const tr = (await kubeRequest(conn, 'POST', `/api/v1/namespaces/${encodeURIComponent(ns)}/serviceaccounts/${encodeURIComponent(account)}/token`, {
              apiVersion: 'authentication.k8s.io/v1',
              kind: 'TokenRequest',
              spec,
            })) as { status?: { token?: unknown } };
            if (typeof tr.status?.token !== 'string') throw internalError('the TokenRequest answer carries no token');
            return tr.status.token;
          } catch (e) {
            throw kubeFailure(`failed to create a service account token for ${ns}/${account}`, e);
          }
        });

        let leaseTtl = ttl;
        const lifetime = tokenLifetime(token);
        if (lifetime > 0 && lifetime < ttl) {
          warnings.push(`the created Kubernetes service account token TTL ${formatDuration(lifetime)} is less than the Vault lease TTL ${formatDuration(ttl)}; capping the lease TTL accordingly`);
          leaseTtl = lifetime;
        }
        return {
          data: { service_account_name: account, service_account_namespace: ns, service_account_token: token },
          ...(warnings.length > 0 ? { warnings } : {}),
          secret: {
            type: KUBE_TOKEN_TYPE,
            ttl: leaseTtl,
            maxTtl: role.token_max_ttl,
            renewable: false,
            internalData: { role: roleName, service_account_namespace: ns, cluster_role_binding: clusterRoleBinding, created: plan.map((p) => p.ref) },
          },
        };
      },
    },
  });
}

function createdObjects(lease: LeaseView): ObjectRef[] {
  const created = lease.internalData.created;
  if (!Array.isArray(created)) return [];
  return created.filter((r): r is ObjectRef => typeof r === 'object' && r !== null && typeof (r as ObjectRef).path === 'string' && typeof (r as ObjectRef).name === 'string');
}

export function kubeTokenSecretType(ctx: KubeEngineContext): SecretType {
  return {
    async revoke(req: LogicalRequest, lease: LeaseView): Promise<void> {
      const refs = createdObjects(lease);
      if (refs.length === 0) return; // a token for an existing account: nothing was created
      // Throws while the API server is unreachable, so the core keeps the lease and retries.
      await deleteObjects(await connection(ctx, req.storage), refs);
    },
  };
}
