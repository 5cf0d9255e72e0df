/**
 * One request must never stop the server. Each case runs against a real `bin/ward server
 * -dev` process, so a request that wedges the event loop shows up as a health check that
 * never answers (and the test process itself stays free to notice it).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { freePort, spawnWard, waitForHealth, type WardProcess } from '../../helpers/process.js';

/** A raw GET with a client-side deadline: resolves with the status, or 0 when none came in time. */
function rawGet(url: string, path: string, timeoutMs: number): Promise<number> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const req = request({ host: u.hostname, port: u.port, method: 'GET', path }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.setTimeout(timeoutMs, () => {
      req.destroy();
      resolve(0);
    });
    req.on('error', () => resolve(0));
    req.end();
  });
}

describe('router: paths with an empty or slash-only prefix', () => {
  let p: WardProcess;
  before(async () => {
    const port = await freePort();
    p = spawnWard(['server', '-dev', `-dev-listen-address=127.0.0.1:${port}`, '-dev-storage=inmem'], `http://127.0.0.1:${port}`);
    await waitForHealth(p);
  });
  after(async () => {
    await p.kill();
  });

  for (const path of ['/v1/', '/v1//', '/v1//sys/health', '/v1//secret/data/x', '/v1///']) {
    it(`GET ${path} without a token answers a 4xx and the server stays up`, async () => {
      const status = await rawGet(p.url, path, 5000);
      assert.ok(status >= 400 && status < 500, `expected a 4xx for ${path}, got ${status === 0 ? 'no answer' : status}`);
      assert.equal(await rawGet(p.url, '/v1/sys/health', 5000), 200, 'sys/health still answers');
    });
  }
});
