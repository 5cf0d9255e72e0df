/**
 * `login` (role, jwt) and token renewal. The steps and their order follow the reference:
 * role, source CIDRs, local JWT checks, role bounds, then TokenReview; the service
 * account the API server vouches for must be the one the JWT names.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ipInCidrs } from '../../lib/cidr.js';
import { badRequest, internalError, permissionDenied, WardError } from '../../sdk/errors.js';
import { field } from '../../sdk/framework/fields.js';
import { definePath } from '../../sdk/framework/path.js';
import type { AuthView, LogicalRequest, Logger, RenewResult } from '../../sdk/logical.js';
import { checkServiceAccountJwt, type ServiceAccountClaims } from './jwt-claims.js';
import type { KubeTarget } from './kube-client.js';
import { loadConfig, validateCaPem, type KubeConfig } from './path-config.js';
import { loadRole, type KubeRole } from './path-role.js';
import { matchesAny, parseLabelSelector, selectorMatches } from './selector.js';
import { toAuthSpec } from '../token-fields.js';
import { namespaceLabels, reviewToken } from './token-review.js';

export interface LoginDeps {
  /** Directory holding the pod's own `token` and `ca.crt`. */
  serviceAccountDir: string;
  timeoutMs: number;
  nowMs: () => number;
  logger: Logger;
}

async function readLocal(dir: string, file: string): Promise<string> {
  try {
    return (await readFile(join(dir, file), 'utf8')).trim();
  } catch {
    return '';
  }
}

/** The configured CA bundle, checked where it is used: a bad one is the operator's config error. */
function usableCa(pem: string): string {
  try {
    return validateCaPem(pem);
  } catch (e) {
    throw internalError(`invalid kubernetes_ca_cert in the auth method's config: ${(e as Error).message}`);
  }
}

/**
 * Bearer and CA for API calls. The pod's own token is re-read every time because the
 * kubelet rotates it; when nothing else is available the client's JWT reviews itself.
 */
async function apiTarget(config: KubeConfig, deps: LoginDeps, clientJwt: string): Promise<KubeTarget> {
  const local = !config.disableLocalCaJwt;
  const reviewer = config.tokenReviewerJwt || (local ? await readLocal(deps.serviceAccountDir, 'token') : '') || clientJwt;
  const ca = config.kubernetesCaCert ? usableCa(config.kubernetesCaCert) : local ? await readLocal(deps.serviceAccountDir, 'ca.crt') : '';
  return { host: config.kubernetesHost, caPem: ca, bearer: reviewer, timeoutMs: deps.timeoutMs };
}

async function namespaceAllowed(role: KubeRole, namespace: string, target: () => Promise<KubeTarget>): Promise<boolean> {
  if (matchesAny(role.boundServiceAccountNamespaces, namespace)) return true;
  const selector = role.boundServiceAccountNamespaceSelector.trim();
  if (selector === '') return false;
  const labels = await namespaceLabels(await target(), namespace);
  return labels !== null && selectorMatches(parseLabelSelector(selector), labels);
}

/** Belt and braces: no error text leaves this method containing the client's JWT. */
function redact(e: unknown, jwt: string): unknown {
  if (!WardError.is(e) || jwt === '' || !e.messages.some((m) => m.includes(jwt))) return e;
  return new WardError(e.code, e.messages.map((m) => m.split(jwt).join('<redacted>')), { status: e.status });
}

const aliasName = (role: KubeRole, sa: ServiceAccountClaims): string =>
  role.aliasNameSource === 'serviceaccount_name' ? `${sa.namespace}/${sa.name}` : sa.uid;

export function loginPath(deps: LoginDeps) {
  return definePath({
    pattern: 'login',
    fields: {
      role: field.string({ description: 'Name of the role to log in against.' }),
      jwt: field.string({ description: 'The service-account JWT.', sensitive: true }),
    },
    synopsis: 'Log in with a Kubernetes service-account JWT.',
    // The role the login names, when it exists: what role-scoped quotas key on (Vault's ResolveRoleOperation).
    resolveRole: async (req, d) => {
      const name = d.get('role');
      return name !== '' && (await loadRole(req.storage, name)) ? name : '';
    },
    operations: {
      async update(req, d) {
        const roleName = d.get('role');
        const jwt = d.get('jwt');
        if (roleName === '') throw badRequest('missing role');
        if (jwt === '') throw badRequest('missing jwt');
        try {
          return await login(req, roleName, jwt, deps);
        } catch (e) {
          const safe = redact(e, jwt);
          if (WardError.is(safe) && safe.status === 403) deps.logger.debug('kubernetes login denied', { role: roleName, reason: safe.messages.join('; ') });
          throw safe;
        }
      },
    },
  });
}

async function login(req: LogicalRequest, roleName: string, jwt: string, deps: LoginDeps) {
  const role = await loadRole(req.storage, roleName);
  if (!role) throw badRequest(`invalid role name "${roleName}"`);
  if (role.tokenBoundCidrs.length > 0 && !ipInCidrs(req.connection.remoteAddress, role.tokenBoundCidrs)) throw permissionDenied();
  const config = await loadConfig(req.storage);
  if (!config) throw internalError('could not load backend configuration');

  const sa = await checkServiceAccountJwt(jwt, {
    pemKeys: config.pemKeys,
    issuer: config.issuer,
    disableIssValidation: config.disableIssValidation,
    audience: role.audience,
    nowMs: deps.nowMs(),
  });
  if (!matchesAny(role.boundServiceAccountNames, sa.name)) throw new WardError('permission_denied', ['service account name not authorized']);
  const target = () => apiTarget(config, deps, jwt);
  if (!(await namespaceAllowed(role, sa.namespace, target))) throw new WardError('permission_denied', ['namespace not authorized']);

  const audiences = role.audience !== '' ? [role.audience] : sa.audiences;
  const reviewed = await reviewToken(await target(), jwt, audiences);
  if (reviewed.name !== sa.name || reviewed.namespace !== sa.namespace || reviewed.uid !== sa.uid) {
    throw permissionDenied('the TokenReview result does not match the JWT claims');
  }

  const identity = {
    service_account_uid: sa.uid,
    service_account_name: sa.name,
    service_account_namespace: sa.namespace,
    service_account_secret_name: sa.secretName,
  };
  return {
    auth: toAuthSpec(role, {
      displayName: `${sa.namespace}-${sa.name}`,
      metadata: { role: roleName, ...identity },
      internalData: { role: roleName },
      alias: { name: aliasName(role, sa), metadata: identity },
    }),
  };
}

/** Renewal: the role must still exist; its current TTLs apply. */
export async function renewAuth(req: LogicalRequest, auth: AuthView): Promise<RenewResult> {
  const roleName = typeof auth.internalData['role'] === 'string' ? auth.internalData['role'] : '';
  const role = roleName === '' ? null : await loadRole(req.storage, roleName);
  if (!role) throw badRequest(`role "${roleName}" does not exist during renewal`);
  return { ttl: role.tokenTtl, maxTtl: role.tokenMaxTtl };
}
