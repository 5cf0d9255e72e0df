/**
 * A client that goes away in the middle of a request body: the request must end there
 * (nothing kept in flight, the partial body dropped), as with a body that never comes.
 * Without this, every aborted upload stayed pending with its buffered bytes.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';
import { waitFor } from '../../helpers/wait.js';

describe('a request body aborted by the client', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(async () => {
    await s.close();
  });

  const inFlightPaths = async (): Promise<string[]> => {
    const r = await api(s, 'GET', 'sys/in-flight-req', { token: s.rootToken });
    assert.equal(r.status, 200);
    return Object.values(r.body as Record<string, { request_path: string }>).map((e) => e.request_path);
  };

  for (const kind of ['declared length', 'chunked'] as const) {
    it(`ends the request when the socket closes part-way (${kind})`, async () => {
      const url = new URL(s.url);
      const path = `/v1/secret/data/aborted-${kind === 'chunked' ? 'c' : 'l'}`;
      const sock = connect(Number(url.port), url.hostname);
      await new Promise<void>((resolve, reject) => sock.once('connect', resolve).once('error', reject));
      const framing = kind === 'chunked' ? 'Transfer-Encoding: chunked\r\n\r\n8\r\n{"data":' : 'Content-Length: 100\r\n\r\n{"data":';
      sock.write(`PUT ${path} HTTP/1.1\r\nHost: x\r\nX-Vault-Token: ${s.rootToken}\r\nContent-Type: application/json\r\n${framing}`);
      await waitFor('the upload in flight', async () => (await inFlightPaths()).includes(path) || undefined);
      sock.destroy();
      await waitFor('the aborted upload gone from sys/in-flight-req', async () => !(await inFlightPaths()).includes(path) || undefined);
      // Nothing was written, and the server still answers.
      assert.equal((await api(s, 'GET', path.replace('/v1/', ''), { token: s.rootToken })).status, 404);
    });
  }
});
