/**
 * A local Microsoft Entra ID token endpoint (what AZURE_AUTHORITY_HOST points the Azure SDK
 * at) for the agent's `authenticate_from_environment` tests: `POST /<tenant>/oauth2/v2.0/token`
 * with the client-credentials grant, the client authenticated by a secret or by a federated
 * JWT assertion (workload identity). It refuses what Entra refuses, with Entra's error codes:
 * a GET (405), a body that is not a form, another tenant, a grant other than
 * client_credentials (unsupported_grant_type), no scope or one not ending in `/.default`
 * (AADSTS1002012 / AADSTS70011), an unknown application (AADSTS700016), a wrong secret
 * (AADSTS7000215) or assertion (AADSTS700213), both or neither. Tokens are the fake tenant's
 * (index.ts) app tokens: `aud` is the scope's resource, `oid` the app's service principal,
 * no `xms_mirid` (no managed identity behind them).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FakeAzureTenant } from './index.js';

export interface FakeApp {
  clientId: string;
  /** The service principal's object ID (the token's oid). */
  objectId: string;
  secret?: string;
  /** The federated token (a Kubernetes service-account JWT) that stands for this app. */
  federatedToken?: string;
}

export interface FakeTokenEndpoint {
  /** The authority host, as AZURE_AUTHORITY_HOST takes it. */
  url: string;
  /** The form fields of each token request, secrets and assertions replaced by `<set>`. */
  requests: Array<Record<string, string>>;
  close(): Promise<void>;
}

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

export async function startFakeTokenEndpoint(tenant: FakeAzureTenant, apps: FakeApp[]): Promise<FakeTokenEndpoint> {
  const requests: Array<Record<string, string>> = [];
  const server = createServer((req, res) => {
    const json = (status: number, body: unknown) => res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
    const fail = (status: number, error: string, description: string) => json(status, { error, error_description: description, error_codes: [Number(/^AADSTS(\d+)/.exec(description)?.[1] ?? 0)] });
    const path = (req.url ?? '').split('?')[0] ?? '';
    if (path !== `/${tenant.tenantId}/oauth2/v2.0/token`) {
      return fail(400, 'invalid_tenant', `AADSTS90002: Tenant '${path.split('/')[1] ?? ''}' not found.`);
    }
    if (req.method !== 'POST') return json(405, { error: 'method not allowed' });
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
    req.on('end', () => {
      if (!(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
        return fail(400, 'invalid_request', "AADSTS900144: The request body must contain the following parameter: 'grant_type'.");
      }
      const form = Object.fromEntries(new URLSearchParams(raw));
      requests.push(Object.fromEntries(Object.entries(form).map(([k, v]) => [k, k === 'client_secret' || k === 'client_assertion' ? '<set>' : v])));
      if (form['grant_type'] !== 'client_credentials') return fail(400, 'unsupported_grant_type', 'AADSTS70003: The app requested an unsupported grant type.');
      const scope = form['scope'] ?? '';
      if (scope === '') return fail(400, 'invalid_request', "AADSTS900144: The request body must contain the following parameter: 'scope'.");
      if (!scope.endsWith('/.default') || scope.includes(' ')) return fail(400, 'invalid_scope', `AADSTS1002012: The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier.`);
      const app = apps.find((a) => a.clientId === form['client_id']);
      if (!app) return fail(400, 'unauthorized_client', `AADSTS700016: Application with identifier '${form['client_id'] ?? ''}' was not found in the directory.`);
      const secret = form['client_secret'];
      const assertion = form['client_assertion'];
      if (secret !== undefined && assertion !== undefined) return fail(400, 'invalid_request', 'AADSTS700025: Client is public so neither client_assertion nor client_secret should be presented.');
      if (assertion !== undefined) {
        if (form['client_assertion_type'] !== ASSERTION_TYPE) return fail(400, 'invalid_request', 'AADSTS50027: Invalid client_assertion_type.');
        if (!app.federatedToken || assertion !== app.federatedToken) return fail(400, 'invalid_client', 'AADSTS700213: No matching federated identity record found for presented assertion.');
      } else if (secret === undefined) {
        return fail(401, 'invalid_client', "AADSTS7000218: The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
      } else if (!app.secret || secret !== app.secret) {
        return fail(401, 'invalid_client', `AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${app.clientId}'.`);
      }
      const resource = scope.slice(0, -'/.default'.length);
      tenant
        .issue({ oid: app.objectId, resource, subscriptionId: '', resourceGroup: '', extra: { xms_mirid: undefined, appid: app.clientId } })
        .then((token) => json(200, { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: token }))
        .catch(() => json(500, { error: 'server_error' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
