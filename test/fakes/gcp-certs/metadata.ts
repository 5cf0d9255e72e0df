/**
 * A local GCE metadata server for one instance, for the agent's gcp auto-auth tests
 * (README.md), reached through GCE_METADATA_HOST: the service account's identity token
 * (signed by the fake Google key, so Ward verifies it through `/oauth2/v3/certs`) and,
 * when given, an OAuth2 access token. Like the real one it wants `Metadata-Flavor:
 * Google`, refuses `X-Forwarded-For`, needs an audience, and answers with the same header.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FakeGcpCerts } from './index.js';

export interface GceInstance {
  email: string;
  uniqueId: string;
  projectId: string;
  instanceName: string;
  zone: string;
  /** Served at `.../service-accounts/default/token` when set. */
  accessToken?: string;
}

export interface FakeGceMetadata {
  /** host:port, the value for GCE_METADATA_HOST. */
  host: string;
  requests: string[];
  close(): Promise<void>;
}

export async function startFakeGceMetadata(certs: FakeGcpCerts, vm: GceInstance): Promise<FakeGceMetadata> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const u = new URL(req.url ?? '/', 'http://metadata');
    const send = (status: number, body: string, type = 'application/text') => res.writeHead(status, { 'Metadata-Flavor': 'Google', 'Content-Type': type }).end(body);
    if (req.headers['x-forwarded-for'] !== undefined) return send(403, 'Forbidden');
    if (req.headers['metadata-flavor'] !== 'Google') return send(403, 'Missing Metadata-Flavor:Google header.');
    const m = /^\/computeMetadata\/v1\/instance\/service-accounts\/([^/]+)\/(identity|token|email)$/.exec(u.pathname);
    const account = m ? decodeURIComponent(m[1] ?? '') : '';
    if (!m || (account !== 'default' && account !== vm.email)) return send(404, 'Not Found');
    if (m[2] === 'email') return send(200, vm.email);
    if (m[2] === 'token') {
      if (!vm.accessToken) return send(404, 'Not Found');
      return send(200, JSON.stringify({ access_token: vm.accessToken, expires_in: 3599, token_type: 'Bearer' }), 'application/json');
    }
    const audience = u.searchParams.get('audience');
    if (!audience) return send(400, 'non-empty audience parameter required');
    const now = Math.floor(Date.now() / 1000);
    const full = u.searchParams.get('format') === 'full';
    void certs
      .signGoogle({
        iss: 'https://accounts.google.com', aud: audience, azp: vm.uniqueId, sub: vm.uniqueId, email: vm.email, email_verified: true, iat: now, exp: now + 3600,
        ...(full ? { google: { compute_engine: { project_id: vm.projectId, project_number: 123456789012, zone: vm.zone, instance_id: '4242424242', instance_name: vm.instanceName, instance_creation_timestamp: now - 86_400 } } } : {}),
      })
      .then((jwt) => send(200, jwt), (e: unknown) => send(500, String(e)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
