/**
 * transit's `partial_failure_response_code` picks the HTTP status of a batch in which
 * some items failed (issue 14, finding 4). Vault uses it when it is in 1..599 and
 * otherwise keeps 400 with a warning; a code below 200 cannot be a final status (Ward
 * sent only an interim "100 Continue" and the client waited forever), so Ward treats
 * 1..199 as out of range too. Requests carry a client deadline so a hang fails the test.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const REVERT_WARNING = 'invalid HTTP response code override from partial_failure_response_code, reverting to 400';

/** POSTs JSON with a 10 s client deadline; a response that never completes is a failure, not a hang. */
async function post(s: TestServer, path: string, body: unknown): Promise<{ status: number; body: any }> {
  // any: the batch bodies are asserted field by field.
  let res: Response;
  try {
    res = await fetch(`${s.url}/v1/${path}`, {
      method: 'POST',
      headers: { 'X-Vault-Token': s.rootToken },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (e) {
    assert.fail(`no final response to ${path}: ${(e as Error).message}`);
  }
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

describe('transit batches: partial_failure_response_code', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
    assert.equal((await api(s, 'POST', 'sys/mounts/transit', { token: s.rootToken, body: { type: 'transit' } })).status, 204);
    assert.equal((await api(s, 'POST', 'transit/keys/k', { token: s.rootToken, body: {} })).status, 200);
  });
  after(async () => {
    await s.close();
  });

  /** One good item and one that fails (plaintext that is not base64). */
  const mixed = [{ plaintext: b64('ok'), reference: 'good' }, { plaintext: '%%% not base64', reference: 'bad' }];

  for (const code of [1, 99, 100, 101, 103, 199, 0, -5, 600, 1000]) {
    it(`code ${code} is out of range: a final 400 with Vault's warning and every result`, async () => {
      const r = await post(s, 'transit/encrypt/k', { batch_input: mixed, partial_failure_response_code: code });
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.deepEqual(r.body.warnings, [REVERT_WARNING]);
      const results = r.body.data.batch_results as { reference: string; error?: string }[];
      assert.deepEqual(
        results.map((x) => [x.reference, x.error === undefined]),
        [
          ['good', true],
          ['bad', false],
        ],
      );
    });
  }

  for (const code of [200, 207, 299, 418, 599]) {
    it(`code ${code} is used as the status`, async () => {
      const r = await post(s, 'transit/encrypt/k', { batch_input: mixed, partial_failure_response_code: code });
      assert.equal(r.status, code, JSON.stringify(r.body));
      assert.equal(r.body.data.batch_results.length, 2);
    });
  }

  it('the code applies to every batch operation (hmac)', async () => {
    const r = await post(s, 'transit/hmac/k', { batch_input: [{ input: b64('x') }, { input: '%%%' }], partial_failure_response_code: 100 });
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.deepEqual(r.body.warnings, [REVERT_WARNING]);
  });

  it('a code that is not an integer, or past the safe integers, is a 400 for the field', async () => {
    for (const code of ['abc', '9'.repeat(400), 1e300]) {
      const r = await post(s, 'transit/encrypt/k', { batch_input: mixed, partial_failure_response_code: code });
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.match((r.body.errors as string[]).join(' '), /field "partial_failure_response_code"/);
    }
  });

  it('a batch without failures ignores the code', async () => {
    const r = await post(s, 'transit/encrypt/k', { batch_input: [{ plaintext: b64('a') }], partial_failure_response_code: 100 });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.warnings, null);
  });
});
