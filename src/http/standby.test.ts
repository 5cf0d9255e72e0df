/**
 * The HTTP layer on an HA standby: requests go to the active node (forwarded, the client
 * sees exactly the active's answer) or are redirected with 307, and the raw sys endpoints
 * are always answered locally.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { ForwardRequest, StandbyRoute } from '../core/api-types.js';
import { createHandler } from './handler.js';
import { startListener, type Listener } from './listener.js';
import { FakeCore } from './fake-core.test-helper.js';
import { silentLogger } from '../sdk/logical.js';

function call(url: string, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = http.request({ host: u.hostname, port: u.port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

class StandbyCore extends FakeCore {
  route: StandbyRoute | null = null;
  standbyRoute(): StandbyRoute | null {
    return this.route;
  }
}

describe('http handler on a standby', () => {
  const core = new StandbyCore();
  core.initialized = true;
  core.sealed = false;
  core.standby = true;
  let l: Listener;
  const forwarded: ForwardRequest[] = [];
  let active: string | null = 'https://active.example:8200';
  let forwarding = true;
  let failForward = false;
  before(async () => {
    l = await startListener({ address: '127.0.0.1:0', tlsDisable: true }, createHandler(core, { logger: silentLogger }));
    core.route = {
      get forwarding() {
        return forwarding;
      },
      activeApiAddr: async () => active,
      forward: async (r) => {
        if (failForward) throw new Error('connection refused');
        forwarded.push(r);
        return { status: 201, headers: ['Content-Type', 'application/json', 'X-From-Active', 'yes'], body: Buffer.from('{"from":"active"}') };
      },
    };
  });
  after(() => l.close(1000));

  it('forwards a request and returns the active node\'s status, headers and body unchanged', async () => {
    const r = await call(l.url, 'POST', '/v1/secret/data/x?a=1', { 'X-Vault-Token': 'tok', 'Content-Type': 'application/json' }, '{"data":{"k":"v"}}');
    assert.equal(r.status, 201);
    assert.equal(r.headers['x-from-active'], 'yes');
    assert.equal(r.text, '{"from":"active"}');
    const f = forwarded.at(-1)!;
    assert.equal(f.method, 'POST');
    assert.equal(f.url, '/v1/secret/data/x?a=1');
    assert.equal(f.body.toString(), '{"data":{"k":"v"}}');
    assert.equal(f.remoteAddress, '127.0.0.1');
    assert.ok(f.headers.includes('tok'), 'the client token travels with the request');
    assert.equal(core.inputs.length, 0, 'the standby core never saw the request');
  });

  it('forwards LIST as GET with list=true (the cluster listener is a plain HTTP server)', async () => {
    await call(l.url, 'LIST', '/v1/secret/metadata/');
    assert.equal(forwarded.at(-1)!.method, 'GET');
    assert.equal(forwarded.at(-1)!.url, '/v1/secret/metadata/?list=true');
  });

  it('redirects with 307 to the active api_addr when the client asks for no forwarding', async () => {
    const r = await call(l.url, 'GET', '/v1/secret/data/x?version=2', { 'X-Vault-No-Request-Forwarding': 'true' });
    assert.equal(r.status, 307);
    assert.equal(r.headers.location, 'https://active.example:8200/v1/secret/data/x?version=2');
  });

  it('treats any non-empty X-Vault-No-Request-Forwarding as "do not forward", as Vault does', async () => {
    const n = forwarded.length;
    assert.equal((await call(l.url, 'GET', '/v1/sys/mounts', { 'X-Vault-No-Request-Forwarding': 'false' })).status, 307);
    assert.equal(forwarded.length, n);
  });

  it('redirects when forwarding is disabled or fails', async () => {
    forwarding = false;
    assert.equal((await call(l.url, 'GET', '/v1/secret/data/x')).headers.location, 'https://active.example:8200/v1/secret/data/x');
    forwarding = true;
    failForward = true;
    const r = await call(l.url, 'GET', '/v1/sys/mounts');
    assert.equal(r.status, 307);
    assert.equal(r.headers.location, 'https://active.example:8200/v1/sys/mounts');
    failForward = false;
  });

  it('answers 503 "no active Vault instance found" when no active node is known', async () => {
    active = null;
    failForward = true;
    const r = await call(l.url, 'GET', '/v1/secret/data/x');
    assert.equal(r.status, 503);
    assert.deepEqual(JSON.parse(r.text), { errors: ['no active Vault instance found'] });
    active = 'https://active.example:8200';
    failForward = false;
  });

  it('answers sys/health, sys/leader and sys/seal-status locally', async () => {
    const n = forwarded.length;
    assert.equal((await call(l.url, 'GET', '/v1/sys/health')).status, 429);
    assert.equal((await call(l.url, 'GET', '/v1/sys/health?standbyok=true')).status, 200);
    assert.equal((await call(l.url, 'GET', '/v1/sys/leader')).status, 200);
    assert.equal((await call(l.url, 'GET', '/v1/sys/seal-status')).status, 200);
    assert.equal(forwarded.length, n);
  });
});
