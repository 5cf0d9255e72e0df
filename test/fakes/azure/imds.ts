/**
 * A local Azure Instance Metadata Service for one VM (or scale-set instance), for the
 * agent's azure auto-auth tests (README.md): the instance document and managed-identity
 * access tokens signed by the fake tenant. It refuses what IMDS refuses: no `Metadata:
 * true` header, an `X-Forwarded-For` header (a proxied request), no `api-version`, no
 * `resource`, and an identity the VM does not have.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FakeAzureTenant } from './index.js';

export interface ImdsMachine {
  subscriptionId: string;
  resourceGroup: string;
  /** The VM name; for a scale-set instance, the instance name (`<vmss>_<n>`). */
  name: string;
  vmssName?: string;
  /** The system-assigned identity's object ID; absent when the VM has none. */
  systemObjectId?: string;
  /** User-assigned identities. */
  userAssigned?: Array<{ objectId: string; clientId: string }>;
}

export interface FakeImds {
  url: string;
  /** `path?query` of each request, in order. */
  requests: string[];
  /** Tokens handed out so far. */
  issued: number;
  close(): Promise<void>;
}

export async function startFakeImds(tenant: FakeAzureTenant, vm: ImdsMachine): Promise<FakeImds> {
  const state: { issued: number } = { issued: 0 };
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const u = new URL(req.url ?? '/', 'http://imds');
    const json = (status: number, body: unknown) => res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
    if (req.headers['x-forwarded-for'] !== undefined) return json(400, { error: 'invalid_request', error_description: 'Request contains X-Forwarded-For header' });
    if (req.headers['metadata'] !== 'true') return json(400, { error: 'Bad request. Required metadata header not specified' });
    if (!u.searchParams.get('api-version')) return json(400, { error: 'Bad request. api-version was not specified in the request' });
    if (u.pathname === '/metadata/instance') {
      return json(200, {
        compute: {
          location: 'westeurope', name: vm.name, resourceGroupName: vm.resourceGroup, subscriptionId: vm.subscriptionId,
          vmScaleSetName: vm.vmssName ?? '', vmId: randomUUID(), osType: 'Linux',
        },
        network: { interface: [] },
      });
    }
    if (u.pathname === '/metadata/identity/oauth2/token') {
      const resource = u.searchParams.get('resource');
      if (!resource) return json(400, { error: 'invalid_request', error_description: 'Required audience parameter not specified' });
      const objectId = u.searchParams.get('object_id');
      const clientId = u.searchParams.get('client_id');
      const user = vm.userAssigned?.find((i) => (objectId ? i.objectId === objectId : clientId ? i.clientId === clientId : false));
      const oid = objectId || clientId ? user?.objectId : vm.systemObjectId;
      if (!oid) return json(400, { error: 'invalid_request', error_description: 'Identity not found' });
      const now = Math.floor(Date.now() / 1000);
      void tenant
        .issue({ oid, resource, subscriptionId: vm.subscriptionId, resourceGroup: vm.resourceGroup, ...(vm.vmssName ? { vmssName: vm.vmssName } : { vmName: vm.name }) })
        .then((token) => {
          state.issued++;
          json(200, {
            access_token: token, client_id: user?.clientId ?? randomUUID(), expires_in: '3599', expires_on: String(now + 3599),
            ext_expires_in: '3599', not_before: String(now), resource, token_type: 'Bearer',
          });
        }, (e: unknown) => json(500, { error: 'server_error', error_description: String(e) }));
      return;
    }
    json(404, { error: 'Not found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    get issued() {
      return state.issued;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
