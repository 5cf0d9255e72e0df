/**
 * Role-scoped quotas at the HTTP layer (Vault's withRoleRateLimitQuotaWrapping): they need
 * the request's body, so unlike the other quotas (front-checks.ts) they are applied after
 * it is read, and only for auth/ paths, the only place role quotas can be.
 */
import type { CoreApi, CoreResult, HttpRequestInput } from '../core/api-types.js';
import { renderResult, type Rendered } from './render.js';

/**
 * The core's answer to `input`, rendered, behind the role-scoped quotas: on an auth mount
 * with role quotas, the login's role is resolved from the read body and a quota over its
 * limit answers 429 instead. For a mount without role quotas the core says so
 * synchronously and the request goes on at once.
 */
export async function answerBehindRoleQuotas(core: CoreApi, input: HttpRequestInput, path: string, client: string): Promise<Rendered> {
  const check = core.roleRateLimited?.({ path, data: input.data, connection: input.connection, client }) ?? null;
  if (check === null) return renderResult(await core.handleRequest(input));
  const { refusal, leaseQuota } = await check;
  if (refusal !== null) return { status: 429, body: JSON.stringify({ errors: [refusal.message] }), extraHeaders: refusal.headers };
  let result: CoreResult | null = null;
  try {
    result = await core.handleRequest(input);
  } finally {
    // A login let through under a role's lease-count quota holds a place there until now, failed or not.
    if (leaseQuota !== null) core.roleLoginDone?.(leaseQuota, result?.auth ?? null);
  }
  return renderResult(result);
}
