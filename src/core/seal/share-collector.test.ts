import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ShareCollector } from './share-collector.js';

const share = (b: number): Buffer => Buffer.alloc(33, b);
const is400 = (text: string) => (e: Error & { status?: number; messages?: string[] }) => e.status === 400 && e.messages?.[0] === text;

describe('ShareCollector', () => {
  it('counts distinct shares and hands them over at the threshold, then starts empty', () => {
    const c = new ShareCollector('rekey', 'dup');
    assert.match(c.nonce, /^[0-9a-f-]{36}$/);
    assert.equal(c.add(share(1), c.nonce, 2), null);
    assert.equal(c.progress, 1);
    const all = c.add(share(2), c.nonce, 2);
    assert.deepEqual(all?.map((s) => s[0]), [1, 2]);
    assert.equal(c.progress, 0);
  });

  const cases: Array<{ name: string; run: (c: ShareCollector) => void; text: (c: ShareCollector) => string }> = [
    { name: 'wrong nonce', run: (c) => c.add(share(1), 'nope', 3), text: (c) => `incorrect nonce supplied; nonce for this root generation operation is "${c.nonce}"` },
    { name: 'repeated share', run: (c) => (c.add(share(1), c.nonce, 3), c.add(share(1), c.nonce, 3)), text: () => 'given key has already been provided during this generation operation' },
  ];
  for (const t of cases) {
    it(`refuses a ${t.name} with Vault's text, keeping the progress`, () => {
      const c = new ShareCollector('root generation', 'given key has already been provided during this generation operation');
      assert.throws(() => t.run(c), is400(t.text(c)));
      assert.ok(c.progress <= 1);
    });
  }

  it('clear() drops the collected shares', () => {
    const c = new ShareCollector('verify', 'dup');
    c.add(share(7), c.nonce, 3);
    c.clear();
    assert.equal(c.progress, 0);
  });
});
