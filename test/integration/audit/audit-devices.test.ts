/**
 * One conformance suite for every audit device kind (file; socket over tcp, udp and unix;
 * syslog), run against a real server over HTTP: each request and its response are
 * recorded, secrets and tokens only as the device's HMAC, a device whose target fails is
 * the only one and so fails the request as Vault does (500, "internal error") until its
 * target is back, and a bad option is Vault's 400 with its text.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';
import { skipUnless } from '../../helpers/requirement.js';
import { LOGGER, PYTHON3 } from '../../helpers/unix-dgram.js';
import { waitFor } from '../../helpers/wait.js';
import type { AuditRecord } from '../../helpers/audit-log.js';
import { fileHarness, syslogHarness, tcpHarness, udpHarness, unixHarness, type DeviceHarness } from './device-harness.js';

const kinds: { name: string; make: () => Promise<DeviceHarness>; canFail: boolean; skip?: string | false }[] = [
  { name: 'file', make: fileHarness, canFail: true },
  { name: 'socket (tcp)', make: tcpHarness, canFail: true },
  { name: 'socket (unix)', make: unixHarness, canFail: true },
  { name: 'socket (udp)', make: udpHarness, canFail: false },
  { name: 'syslog', make: syslogHarness, canFail: true, skip: skipUnless(PYTHON3, LOGGER) },
];

for (const kind of kinds) {
  describe(`audit device conformance: ${kind.name}`, { skip: kind.skip ?? false }, () => {
    let s: TestServer;
    let h: DeviceHarness;
    let n = 0;
    before(async () => {
      s = await startTestServer();
      h = await kind.make();
    });
    after(async () => {
      await s?.close();
      await h?.close();
    });

    const root = (method: string, path: string, body?: unknown) => api(s, method, path, { token: s.rootToken, ...(body === undefined ? {} : { body }) });
    /** The records of requests to `path`, once `count` of them arrived. */
    const recordsFor = (path: string, count: number): Promise<AuditRecord[]> =>
      waitFor(`${count} records for ${path}`, () => {
        const got = h.records().filter((r) => r.request?.path === path);
        return got.length >= count ? got : false;
      });

    it('enabling with a bad option is Vault\'s 400 with its text', async () => {
      const r = await root('PUT', 'sys/audit/bad', { type: h.type, options: h.bad.options });
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.deepEqual(r.body, { errors: [h.bad.error] });
      assert.deepEqual(Object.keys((await root('GET', 'sys/audit')).body.data), []);
    });

    it('enables and lists with its type and options', async () => {
      const e = await root('PUT', 'sys/audit/dev', { type: h.type, options: h.options });
      assert.equal(e.status, 204, JSON.stringify(e.body));
      const l = await root('GET', 'sys/audit');
      assert.equal(l.body.data['dev/'].type, h.type);
      assert.deepEqual(l.body.data['dev/'].options, h.options);
    });

    it('records every request and its response, secrets and tokens only as the device\'s HMAC', async () => {
      const SECRET = `conformance-secret-${kind.name.replace(/\W/g, '')}-${++n}`;
      const path = `secret/data/conf${n}`;
      assert.equal((await root('POST', path, { data: { password: SECRET, count: 3 } })).status, 200);
      assert.equal((await root('GET', path)).body.data.data.password, SECRET);
      const recs = await recordsFor(path, 4);
      assert.deepEqual(
        recs.map((r) => `${r.type} ${r.request.operation}`),
        ['request create', 'response create', 'request read', 'response read'],
      );
      const hash = (await root('POST', 'sys/audit-hash/dev', { input: SECRET })).body.data.hash as string;
      const tokenHash = (await root('POST', 'sys/audit-hash/dev', { input: s.rootToken })).body.data.hash as string;
      assert.equal(recs[0]!.request.data.data.password, hash);
      assert.equal(recs[0]!.request.data.data.count, 3);
      assert.equal(recs[3]!.response.data.data.password, hash);
      assert.equal(recs[0]!.auth.client_token, tokenHash);
      assert.equal(recs[0]!.request.id, recs[1]!.request.id);
      const text = JSON.stringify(h.records());
      assert.ok(!text.includes(SECRET), 'no plaintext secret reached the device');
      assert.ok(!text.includes(s.rootToken), 'no plaintext token reached the device');
    });

    // UDP is left out: a sender cannot tell that its receiver went away (Vault warns of it).
    if (kind.canFail) it('as the only device, a failed target fails the request with Vault\'s 500 until it is back', async () => {
      const reopen = async (): Promise<void> => s.core.active!.audit.reopen();
      assert.equal((await root('POST', 'secret/data/fail', { data: { v: 'before' } })).status, 200);
      await h.break(reopen);
      const r = await root('GET', 'secret/data/fail');
      assert.equal(r.status, 500, JSON.stringify(r.body));
      assert.deepEqual(r.body, { errors: ['internal error'] });
      const w = await root('POST', 'secret/data/fail', { data: { v: 'during' } });
      assert.equal(w.status, 500);
      await h.restore(reopen);
      const ok = await root('GET', 'secret/data/fail');
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      assert.equal(ok.body.data.data.v, 'before', 'the refused write changed nothing');
      await waitFor('the read after recovery in the records', () => h.records().some((x) => x.type === 'response' && x.request?.operation === 'read' && x.request?.path === 'secret/data/fail'));
    });
  });
}
