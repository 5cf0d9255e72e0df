/**
 * Finding 7 of issue 14: a large policy write must not stall the server, and a policy
 * beyond the size bound is refused with a 400. Runs a real `bin/ward server -dev`
 * process so the test process stays free to ask sys/health while the server works.
 *
 * The health check is an ordering test, as in keygen-loop.test.ts: while the policy
 * write is pending, sys/health must answer HEALTH_ROUNDS times in a row. Parsed on the
 * event loop, a policy this size holds it for seconds and the write then completes a
 * storage put after the parse, far too soon for those rounds.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { freePort, spawnWard, waitForHealth, type WardProcess } from '../../helpers/process.js';

const TOKEN = 'policy-root';
const HEALTH_ROUNDS = 20;
const MAX_POLICY_BYTES = 1024 * 1024;

async function call(p: WardProcess, method: string, path: string, o: { body?: unknown; token?: string } = {}): Promise<{ status: number; body: any }> {
  // any: bodies are asserted field by field.
  const res = await fetch(`${p.url}/v1/${path}`, {
    method,
    headers: { 'X-Vault-Token': o.token ?? TOKEN, 'Content-Type': 'application/json' },
    ...(o.body !== undefined ? { body: JSON.stringify(o.body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** An HCL policy of about `bytes` bytes: one path block per app, the last one known. */
function bigPolicy(bytes: number): { text: string; lastPath: string } {
  const parts: string[] = [];
  let size = 0;
  let i = 0;
  let lastPath = '';
  while (size < bytes) {
    lastPath = `secret/data/app${i++}/config`;
    const block = `path "${lastPath}" {\n  capabilities = ["read", "list"]\n}\n`;
    parts.push(block);
    size += block.length;
  }
  return { text: parts.join(''), lastPath };
}

describe('large policy writes', () => {
  let p: WardProcess;
  before(async () => {
    const port = await freePort();
    p = spawnWard(['server', '-dev', `-dev-listen-address=127.0.0.1:${port}`, '-dev-storage=inmem', `-dev-root-token-id=${TOKEN}`, '-log-level=error'], `http://127.0.0.1:${port}`);
    await waitForHealth(p);
  });
  after(async () => {
    await p.kill();
  });

  it('a 400 KB policy: sys/health keeps answering while it is written, and then it applies', async () => {
    const { text, lastPath } = bigPolicy(400 * 1024);
    let settled = false;
    let status = 0;
    const write = call(p, 'PUT', 'sys/policies/acl/big', { body: { policy: text } }).then((r) => {
      settled = true;
      status = r.status;
      return r;
    });
    for (let i = 1; i <= HEALTH_ROUNDS; i++) {
      const res = await fetch(`${p.url}/v1/sys/health`);
      await res.arrayBuffer();
      assert.equal(res.status, 200);
      assert.equal(settled, false, `the policy write completed (status ${status}) before sys/health had answered ${HEALTH_ROUNDS} times (only ${i - 1} came first)`);
    }
    const w = await write;
    assert.equal(w.status, 204, JSON.stringify(w.body));

    const read = await call(p, 'GET', 'sys/policies/acl/big');
    assert.equal(read.status, 200);
    assert.equal(read.body.data.policy, text);
    const created = await call(p, 'POST', 'auth/token/create', { body: { policies: ['big'] } });
    assert.equal(created.status, 200);
    const token: string = created.body.auth.client_token;
    const caps = await call(p, 'POST', 'sys/capabilities-self', { token, body: { paths: [lastPath, 'secret/data/other'] } });
    assert.equal(caps.status, 200, JSON.stringify(caps.body));
    assert.deepEqual(caps.body[lastPath], ['list', 'read']);
    assert.deepEqual(caps.body['secret/data/other'], ['deny']);
  });

  it(`a policy over ${MAX_POLICY_BYTES} bytes is refused with a 400 and not stored`, async () => {
    const { text } = bigPolicy(MAX_POLICY_BYTES + 100);
    // In a JSON body the listener's max_json_string_value_length (also 1 MiB) answers first.
    const r = await call(p, 'PUT', 'sys/policies/acl/huge', { body: { policy: text } });
    assert.equal(r.status, 400, JSON.stringify(r.body).slice(0, 300));
    assert.match(r.body.errors.join(' '), /JSON string value exceeds allowed length/);
    // A form body has no such limit at the entry: the policy store's own bound answers.
    const form = await fetch(`${p.url}/v1/sys/policies/acl/huge`, {
      method: 'PUT',
      headers: { 'X-Vault-Token': TOKEN, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ policy: text }).toString(),
    });
    assert.equal(form.status, 400);
    assert.match(((await form.json()) as { errors: string[] }).errors.join(' '), /policy is too large: \d+ bytes; the limit is 1048576 bytes/);
    assert.equal((await call(p, 'GET', 'sys/policies/acl/huge')).status, 404);
    // The legacy endpoint shares the bound.
    const legacy = await call(p, 'PUT', 'sys/policy/huge', { body: { rules: text } });
    assert.equal(legacy.status, 400);
  });

  it('a policy of exactly the limit is accepted', async () => {
    // Padded with a comment, which parses quickly: the size bound is what is tested here.
    const head = 'path "secret/data/edge" {\n  capabilities = ["read"]\n}\n# ';
    const padded = head + 'x'.repeat(MAX_POLICY_BYTES - head.length - 1) + '\n';
    assert.equal(Buffer.byteLength(padded), MAX_POLICY_BYTES);
    const r = await call(p, 'PUT', 'sys/policies/acl/edge', { body: { policy: padded } });
    assert.equal(r.status, 204, JSON.stringify(r.body).slice(0, 300));
  });
});
