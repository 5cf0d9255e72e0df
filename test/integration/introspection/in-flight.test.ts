/**
 * sys/in-flight-req over a real socket: the requests the HTTP layer is serving right
 * now, keyed by an id, with when each started, who sent it and what it asked for.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';
import { waitFor } from '../../helpers/wait.js';

interface InFlightEntry {
  start_time: string;
  client_remote_address: string;
  request_path: string;
  request_method: string;
  client_id: string;
}

describe('sys/in-flight-req', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(async () => {
    await s.close();
  });

  const inFlight = async (): Promise<Record<string, InFlightEntry>> => {
    const res = await fetch(`${s.url}/v1/sys/in-flight-req`, { headers: { 'X-Vault-Token': s.rootToken } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /application\/json/);
    return (await res.json()) as Record<string, InFlightEntry>;
  };

  it('lists itself: the map is the whole body, keyed by request id', async () => {
    const before = Date.now();
    const all = await inFlight();
    const entries = Object.entries(all);
    assert.equal(entries.length, 1, JSON.stringify(all));
    const [id, e] = entries[0]!;
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.equal(e.request_path, '/v1/sys/in-flight-req');
    assert.equal(e.request_method, 'GET');
    assert.match(e.client_remote_address, /^127\.0\.0\.1:\d+$/);
    assert.ok(Date.parse(e.start_time) >= before - 1000, e.start_time);
    // A root token has no client id (Vault does not count root tokens as clients).
    assert.equal(e.client_id, '');
  });

  it('shows a request that has not finished, with its method and path, and drops it once answered', async () => {
    // A PUT whose body is sent in two parts stays in flight until the second part arrives.
    const head = '{"data":{"k":"';
    const body = `${head}${'x'.repeat(100 - head.length - 4)}"}}`;
    const url = new URL(s.url);
    const req = request({ host: url.hostname, port: url.port, method: 'PUT', path: '/v1/secret/data/slow?x=1', headers: { 'X-Vault-Token': s.rootToken, 'Content-Length': String(body.length) } });
    const answered = new Promise<number>((resolve, reject) => {
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
    });
    req.write(body.slice(0, head.length));
    const found = await waitFor('the slow PUT in flight', async () => Object.values(await inFlight()).find((e) => e.request_path === '/v1/secret/data/slow'));
    assert.equal(found.request_method, 'PUT');
    req.end(body.slice(head.length));
    assert.equal(await answered, 200);
    assert.ok(!Object.values(await inFlight()).some((e) => e.request_path === '/v1/secret/data/slow'));
  });

  it('needs a token allowed to read it', async () => {
    assert.equal((await api(s, 'GET', 'sys/in-flight-req')).status, 403);
  });
});
