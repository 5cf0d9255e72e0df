/** The STS mock refuses what STS refuses: unknown keys, forged or stale signatures, the wrong region. */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { iamLoginData, type IamLoginInput } from '../../../src/lib/aws-iam-login.js';
import { startFakeSts, type FakeSts } from './index.js';

const ALICE = { accessKeyId: 'AKIAALICEEXAMPLE', secretAccessKey: 'alice-secret-key', arn: 'arn:aws:iam::123456789012:user/Alice', userId: 'AIDAALICE', account: '123456789012' };

/** Replays login data straight to the mock, as Ward would. */
async function replay(sts: FakeSts, input: Partial<IamLoginInput> = {}) {
  const d = iamLoginData({ credentials: ALICE, ...input });
  const url = new URL(Buffer.from(d.iam_request_url, 'base64').toString());
  const headers = JSON.parse(Buffer.from(d.iam_request_headers, 'base64').toString()) as Record<string, string[]>;
  const flat: Record<string, string> = { host: url.host };
  for (const [k, v] of Object.entries(headers)) flat[k] = v.join(',');
  // node:http, not fetch: fetch drops a caller-set Host header, and the signature covers it.
  return new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = request(`${sts.url}/`, { method: 'POST', headers: flat }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c)).on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject).end(Buffer.from(d.iam_request_body, 'base64'));
  });
}

describe('fake STS', () => {
  let sts: FakeSts;
  before(async () => {
    sts = await startFakeSts({ identities: [ALICE] });
  });
  after(() => sts.close());

  it('answers GetCallerIdentity for a correctly signed request', async () => {
    const r = await replay(sts);
    assert.equal(r.status, 200, r.text);
    assert.match(r.text, /<Arn>arn:aws:iam::123456789012:user\/Alice<\/Arn>/);
    assert.match(r.text, /<Account>123456789012<\/Account>/);
  });

  it('refuses unknown keys, wrong secrets, wrong regions and stale or future dates', async () => {
    const cases: [Partial<IamLoginInput>, RegExp][] = [
      [{ credentials: { accessKeyId: 'AKIAUNKNOWN', secretAccessKey: 'x' } }, /InvalidClientTokenId/],
      [{ credentials: { ...ALICE, secretAccessKey: 'wrong' } }, /request signature we calculated does not match/],
      [{ region: 'eu-west-1', stsUrl: 'https://sts.amazonaws.com/' }, /Credential should be scoped to a valid region, not 'eu-west-1'/],
      [{ now: Date.now() - 16 * 60_000 }, /Signature expired: \d{8}T\d{6}Z is now earlier than/],
      [{ now: Date.now() + 16 * 60_000 }, /Signature not yet current/],
    ];
    for (const [input, want] of cases) {
      const r = await replay(sts, input);
      assert.equal(r.status, 403, r.text);
      assert.match(r.text, want);
    }
    assert.equal((await replay(sts, { now: Date.now() - 14 * 60_000 })).status, 200, 'within 15 minutes is accepted');
  });
});
