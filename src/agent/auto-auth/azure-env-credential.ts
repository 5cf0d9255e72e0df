/**
 * The token Vault Agent gets with `authenticate_from_environment`: the Azure SDK's
 * DefaultAzureCredential, in its order, for the credentials an agent host has:
 * 1. environment, client secret: AZURE_TENANT_ID + AZURE_CLIENT_ID + AZURE_CLIENT_SECRET;
 * 2. workload identity: AZURE_TENANT_ID + AZURE_CLIENT_ID + AZURE_FEDERATED_TOKEN_FILE (the
 *    file re-read at each login: the projected token rotates), as a JWT client assertion;
 * 3. the managed identity through IMDS (AZURE_CLIENT_ID naming a user-assigned one).
 * 1 and 2 are the client-credentials grant at `<AZURE_AUTHORITY_HOST>/<tenant>/oauth2/v2.0/token`
 * (default https://login.microsoftonline.com). Not offered, and an error naming the variable
 * when it is what the environment holds: certificate (AZURE_CLIENT_CERTIFICATE_PATH) and
 * username/password (AZURE_USERNAME) credentials; the Azure CLI / azd credentials.
 * The authority must be https, except on loopback (the tests' local endpoint).
 */
import { metadataGet } from './metadata-http.js';
import { readCredential } from './method.js';

const DEFAULT_AUTHORITY = 'https://login.microsoftonline.com';
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const TIMEOUT_MS = 10_000;
const WHAT = 'Azure token endpoint';

/** What the managed-identity fallback needs: an IMDS token for a resource (and a user-assigned client ID). */
export type ManagedIdentityToken = (resource: string, clientId: string | undefined) => Promise<string>;

export async function environmentToken(env: NodeJS.ProcessEnv, scope: string, managedIdentity: ManagedIdentityToken): Promise<string> {
  const tenant = env['AZURE_TENANT_ID'] || '';
  const clientId = env['AZURE_CLIENT_ID'] || '';
  const secret = env['AZURE_CLIENT_SECRET'] || '';
  const tokenFile = env['AZURE_FEDERATED_TOKEN_FILE'] || '';
  if (tenant && clientId && secret) return clientCredentials(env, tenant, { client_id: clientId, client_secret: secret, scope });
  if (tenant && clientId) {
    for (const v of ['AZURE_CLIENT_CERTIFICATE_PATH', 'AZURE_USERNAME']) {
      if (env[v] && !tokenFile) throw new Error(`azure: the ${v} credential of the Azure SDK is not supported by Ward's agent (use AZURE_CLIENT_SECRET, AZURE_FEDERATED_TOKEN_FILE or a managed identity)`);
    }
  }
  if (tenant && clientId && tokenFile) {
    const assertion = readCredential(tokenFile, 'AZURE_FEDERATED_TOKEN_FILE');
    return clientCredentials(env, tenant, { client_id: clientId, client_assertion_type: ASSERTION_TYPE, client_assertion: assertion, scope });
  }
  // The SDK's managed-identity credential turns a `<resource>/.default` scope into the resource.
  const resource = scope.endsWith('/.default') ? scope.slice(0, -'/.default'.length) : scope;
  return managedIdentity(resource, clientId || undefined);
}

function authority(env: NodeJS.ProcessEnv): string {
  const raw = env['AZURE_AUTHORITY_HOST'] || DEFAULT_AUTHORITY;
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new Error('azure: AZURE_AUTHORITY_HOST is not a URL');
  }
  const loopback = ['127.0.0.1', '[::1]', 'localhost'].includes(u.hostname);
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && loopback)) throw new Error('azure: AZURE_AUTHORITY_HOST must be https');
  return u.href.replace(/\/+$/, '');
}

async function clientCredentials(env: NodeJS.ProcessEnv, tenant: string, fields: Record<string, string>): Promise<string> {
  const url = `${authority(env)}/${encodeURIComponent(tenant)}/oauth2/v2.0/token`;
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', ...fields }),
      redirect: 'error',
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(`${WHAT}: ${cause?.code ?? cause?.message ?? (e instanceof Error ? e.message : String(e))}`);
  }
  const text = await res.text();
  let body: { access_token?: unknown; error?: unknown; error_description?: unknown } = {};
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    // not JSON: reported below by status
  }
  if (!res.ok) {
    // Entra's error_description names the app and the problem, never the secret sent.
    const words = [body.error, body.error_description].filter((v): v is string => typeof v === 'string' && v !== '').join(': ');
    throw new Error(`${WHAT}: HTTP ${res.status}${words ? `: ${words.split('\r\n')[0]?.slice(0, 300)}` : ''}`);
  }
  if (typeof body.access_token !== 'string' || body.access_token === '') throw new Error(`${WHAT}: the response holds no access_token`);
  return body.access_token;
}

/** IMDS's managed-identity token (the SDK's ManagedIdentityCredential on a VM). */
export function imdsToken(base: string, apiVersion: string, extra: Record<string, string> = {}): ManagedIdentityToken {
  return async (resource, clientId) => {
    const q = new URLSearchParams({ 'api-version': apiVersion, resource, ...extra });
    if (clientId) q.set('client_id', clientId);
    const identity = await metadataGet(`${base}/metadata/identity/oauth2/token?${q}`, { Metadata: 'true' }, 'Azure IMDS identity token');
    const jwt = (identity as { access_token?: unknown } | null)?.access_token;
    if (typeof jwt !== 'string' || jwt === '') throw new Error('Azure IMDS identity token: the response holds no access_token');
    return jwt;
  };
}
