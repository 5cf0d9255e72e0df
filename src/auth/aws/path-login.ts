/**
 * `login`: the ec2 type's fields go to path-login-ec2.ts; for the iam type, in Vault's order: decode and check the signed request,
 * check the server-ID header, replay it to STS, read the ARN, pick the role (named, or the
 * principal's friendly name), then the role's CIDRs, auth type, principal and account binds.
 * Every refusal is a 400 with Vault's text, as Vault's aws method answers.
 */
import { ipInCidrs } from '../../lib/cidr.js';
import { badRequest, permissionDenied } from '../../sdk/errors.js';
import { field } from '../../sdk/framework/fields.js';
import { definePath } from '../../sdk/framework/path.js';
import type { AuthView, LogicalRequest, Logger, RenewResult } from '../../sdk/logical.js';
import { toAuthSpec } from '../token-fields.js';
import { canonicalArn, parseIamArn, principalBound, type IamEntity } from './arn.js';
import { decodeIamRequest, IAM_SERVER_ID_HEADER, IamRequestError, regionFromAuthorization, serverIdProblem, type IamRequest } from './iam-request.js';
import { loadClientConfig, loadIdentityConfig, type IdentityConfig } from './path-config.js';
import { ec2Login, renewEc2 } from './path-login-ec2.js';
import { loadRole, type AwsRole } from './path-role.js';
import { getCallerIdentity, StsError, type CallerIdentity } from './sts-client.js';

export interface LoginDeps {
  timeoutMs: number;
  /** The STS endpoint of a region, for use_sts_region_from_client. */
  stsEndpointForRegion: (region: string) => string;
  logger: Logger;
  /** The mount's max lease TTL in seconds: how long an ec2 access-list entry lasts at least. */
  maxLeaseTtl: () => number;
}

/** The AWS SDK's default retry count, which Vault uses when max_retries is -1. */
const SDK_DEFAULT_RETRIES = 3;
const DEFAULT_STS_ENDPOINT = 'https://sts.amazonaws.com';

const loginFields = {
  role: field.string({ description: "Role to log in against; defaults to the IAM principal's friendly name." }),
  iam_http_request_method: field.string({ description: 'HTTP method of the signed request; only POST.' }),
  iam_request_url: field.string({ description: 'Base64 URL the request was signed for.' }),
  iam_request_body: field.string({ description: 'Base64 body of the signed request.' }),
  iam_request_headers: field.raw({ description: 'Headers of the signed request: base64 JSON, JSON, or an object.' }),
  pkcs7: field.string({ description: 'ec2: the PKCS#7 signature of the instance identity document, base64 (no PEM armour).' }),
  identity: field.string({ description: 'ec2: the base64 instance identity document, with signature.' }),
  signature: field.string({ description: 'ec2: the base64 SHA256 RSA signature of the instance identity document.' }),
  nonce: field.string({ description: 'ec2: the nonce of the first login; empty disables reauthentication.', sensitive: true }),
};

const IAM_FIELDS = ['iam_http_request_method', 'iam_request_url', 'iam_request_body', 'iam_request_headers'] as const;

async function endpointFor(req: LogicalRequest, r: IamRequest, deps: LoginDeps): Promise<{ endpoint: string; maxRetries: number }> {
  const config = await loadClientConfig(req.storage);
  let endpoint = DEFAULT_STS_ENDPOINT;
  let maxRetries = SDK_DEFAULT_RETRIES;
  if (config) {
    if (config.iamServerIdHeaderValue !== '') {
      const problem = serverIdProblem(r.headers, config.iamServerIdHeaderValue);
      if (problem) throw badRequest(`error validating ${IAM_SERVER_ID_HEADER} header: ${problem}`);
    }
    if (config.stsEndpoint !== '') endpoint = config.stsEndpoint;
    if (config.maxRetries >= 0) maxRetries = config.maxRetries;
    if (config.useStsRegionFromClient) {
      const region = regionFromAuthorization(r.headers);
      if (!region) throw badRequest('unable to determine the region from the Authorization header');
      endpoint = deps.stsEndpointForRegion(region);
    }
  }
  return { endpoint, maxRetries };
}

function aliasName(c: IdentityConfig, role: AwsRole, caller: CallerIdentity, e: IamEntity, uniqueId: string): string {
  switch (c.iamAlias) {
    case 'unique_id':
      return uniqueId;
    case 'full_arn':
      return caller.arn;
    case 'canonical_arn':
      return canonicalArn(e);
    default:
      return role.roleId;
  }
}

export function loginPath(deps: LoginDeps) {
  return definePath({
    pattern: 'login',
    fields: loginFields,
    synopsis: 'Log in with a signed sts:GetCallerIdentity request (iam auth type).',
    // The role the login names, when it exists. A login without one is resolved by Vault from
    // the caller's ARN, an STS call a quota check should not make: it resolves to no role here.
    resolveRole: async (req, d) => {
      const name = d.get('role').toLowerCase();
      return name !== '' && (await loadRole(req.storage, name)) ? name : '';
    },
    operations: {
      async update(req, d) {
        const pkcs7 = d.opt('pkcs7');
        const identity = d.opt('identity');
        const signature = d.opt('signature');
        const anyEc2 = pkcs7 !== undefined || identity !== undefined || signature !== undefined;
        const allEc2 = pkcs7 !== undefined || (identity !== undefined && signature !== undefined);
        const anyIam = IAM_FIELDS.some((f) => d.opt(f) !== undefined);
        if (anyEc2 && anyIam) throw badRequest('supplied auth values for both ec2 and iam auth types');
        if (anyEc2 && !allEc2) throw badRequest('supplied some of the auth values for the ec2 auth type but not all');
        if (anyEc2) {
          const nonce = d.opt('nonce');
          return { auth: await ec2Login(req, { role: d.get('role'), pkcs7, identity, signature, ...(nonce !== undefined ? { nonce } : {}) }, deps.maxLeaseTtl(), { timeoutMs: deps.timeoutMs }) };
        }
        let r: IamRequest;
        try {
          r = decodeIamRequest({
            iam_http_request_method: d.get('iam_http_request_method'),
            iam_request_url: d.get('iam_request_url'),
            iam_request_body: d.get('iam_request_body'),
            iam_request_headers: d.get('iam_request_headers'),
          });
        } catch (e) {
          if (e instanceof IamRequestError) throw badRequest(e.message);
          throw e;
        }
        const { endpoint, maxRetries } = await endpointFor(req, r, deps);
        let caller: CallerIdentity;
        try {
          caller = await getCallerIdentity(endpoint, r, { maxRetries, timeoutMs: deps.timeoutMs });
        } catch (e) {
          if (e instanceof StsError) throw badRequest(`error making upstream request: ${e.message}`);
          throw e;
        }
        return { auth: await authorize(req, d.get('role'), caller) };
      },
    },
  });
}

async function authorize(req: LogicalRequest, requestedRole: string, caller: CallerIdentity) {
  let entity: IamEntity;
  try {
    entity = parseIamArn(caller.arn);
  } catch (e) {
    throw badRequest(`error parsing arn "${caller.arn}": ${(e as Error).message}`);
  }
  const roleName = (requestedRole === '' ? entity.friendlyName : requestedRole).toLowerCase();
  const role = await loadRole(req.storage, roleName);
  if (!role) throw badRequest(`entry for role ${roleName} not found`);
  if (role.tokenBoundCidrs.length > 0 && !ipInCidrs(req.connection.remoteAddress, role.tokenBoundCidrs)) throw permissionDenied();
  if (role.authType !== 'iam') throw badRequest(`auth method iam not allowed for role ${roleName}`);
  if (role.boundIamPrincipalArns.length > 0 && !principalBound(role.boundIamPrincipalArns, caller.arn, entity)) {
    throw badRequest(`IAM Principal "${caller.arn}" does not belong to the role "${roleName}"`);
  }
  if (role.boundAccountIds.length > 0 && !role.boundAccountIds.includes(caller.account)) {
    throw badRequest(`account ID "${caller.account}" does not belong to role "${roleName}"`);
  }

  // An assumed role's UserId is "<role unique id>:<session>"; the alias uses the stable part.
  const uniqueId = caller.userId.split(':')[0] ?? '';
  const identity = await loadIdentityConfig(req.storage);
  const available: Record<string, string> = {
    account_id: entity.accountNumber,
    auth_type: 'iam',
    canonical_arn: canonicalArn(entity),
    client_arn: caller.arn,
    client_user_id: uniqueId,
    inferred_aws_region: '',
    inferred_entity_id: '',
    inferred_entity_type: '',
  };
  const metadata = Object.fromEntries(identity.iamMetadata.map((k) => [k, available[k] ?? '']));
  return toAuthSpec(role, {
    displayName: entity.friendlyName,
    metadata,
    internalData: { role_name: roleName, role_id: role.roleId, canonical_arn: canonicalArn(entity), client_arn: caller.arn, client_user_id: uniqueId },
    alias: { name: aliasName(identity, role, caller, entity, uniqueId), metadata },
  });
}

/** Renewal: the role must still exist and still bind the principal that logged in. */
export async function renewAuth(req: LogicalRequest, auth: AuthView): Promise<RenewResult> {
  if (auth.internalData['auth_type'] === 'ec2') return renewEc2(req, auth);
  const str = (k: string): string => (typeof auth.internalData[k] === 'string' ? (auth.internalData[k] as string) : '');
  const roleName = str('role_name');
  const role = roleName === '' ? null : await loadRole(req.storage, roleName);
  if (!role) throw badRequest(`role entry not found`);
  const arn = str('client_arn');
  const canonical = str('canonical_arn');
  if (role.boundIamPrincipalArns.length > 0) {
    let bound = false;
    try {
      bound = principalBound(role.boundIamPrincipalArns, arn, parseIamArn(arn));
    } catch {
      bound = false;
    }
    if (!bound) throw badRequest(`role no longer bound to arn "${canonical}"`);
  }
  return { ttl: role.tokenTtl, maxTtl: role.tokenMaxTtl };
}
