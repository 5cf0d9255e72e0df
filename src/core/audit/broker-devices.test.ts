import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, it } from 'node:test';
import { silentLogger } from '../../sdk/logical.js';
import { InmemStorage } from '../../sdk/storage.js';
import { AuditBroker } from './broker.js';
import type { AuditEntryInput } from './types.js';
import { rejectsWard } from '../../../test/helpers/errors.js';
import { freePort } from '../../../test/helpers/net.js';
import { waitFor } from '../../../test/helpers/wait.js';

const entry = (): AuditEntryInput => ({
  auth: null,
  request: { id: 'r1', operation: 'read', mountType: 'kv', mountAccessor: 'kv_1', mountPoint: 'secret/', clientToken: '', clientTokenAccessor: '', path: 'secret/x', data: null, remoteAddress: '127.0.0.1', remotePort: 1, wrapTtl: 0 },
});

/** Every server a test started, stopped after each test whether it passed or not. */
const servers = new Set<Server>();
const sockets = new Set<Socket>();
afterEach(async () => {
  for (const s of sockets) s.destroy();
  await Promise.all([...servers].map(stop));
});

function listen(port: number, got: string[]): Promise<Server> {
  const srv = createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('data', (d) => got.push(...d.toString('utf8').split('\n').filter(Boolean)));
  });
  servers.add(srv);
  return new Promise((resolve) => srv.listen(port, '127.0.0.1', () => resolve(srv)));
}

function stop(srv: Server): Promise<void> {
  servers.delete(srv);
  for (const s of sockets) s.destroy();
  return new Promise((resolve) => srv.close(() => resolve()));
}

describe('audit broker: socket devices', () => {
  it('knows the socket type; an unknown type is Vault\'s 400', async () => {
    const b = new AuditBroker({ storage: new InmemStorage(), logger: silentLogger });
    await rejectsWard(b.enable('s', { type: 'socket', description: '', options: {}, local: false }), 400, /"address" is required/);
    await rejectsWard(b.enable('n', { type: 'nope', description: '', options: {}, local: false }), 400, /unknown backend type: "nope"/);
  });

  it('a stored socket device whose peer is down at unseal fails closed, then recovers by itself once the peer is back', async () => {
    const storage = new InmemStorage();
    const port = await freePort();
    const got: string[] = [];
    let srv = await listen(port, got);
    const b1 = new AuditBroker({ storage, logger: silentLogger });
    await b1.enable('s', { type: 'socket', description: '', options: { address: `127.0.0.1:${port}`, write_timeout: '1s' }, local: false });
    await b1.close();
    await stop(srv);

    const b2 = new AuditBroker({ storage, logger: silentLogger });
    await b2.load();
    await rejectsWard(b2.logRequest(entry()), 500);
    srv = await listen(port, got);
    await b2.logRequest(entry());
    await waitFor('the record at the peer', () => got.length === 1);
    assert.equal(JSON.parse(got[0]!).request.path, 'secret/x');
    await b2.close();
  });
});
