import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { WardError } from '../../sdk/errors.js';
import { InmemStorage } from '../../sdk/storage.js';
import { INLINE_PARSE_CHARS, parsePolicyOffLoop } from './parse-off-loop.js';
import { parsePolicy } from './parse.js';
import { MAX_POLICY_BYTES, PolicyStore } from './policy-store.js';
import { turnsDuring } from '../../../test/helpers/loop.js';

/** An HCL document of about `chars` characters, one path block per app. */
function hcl(chars: number, capability = 'read'): string {
  let s = '';
  for (let i = 0; s.length < chars; i++) s += `path "secret/data/app${i}/*" {\n  capabilities = ["${capability}", "list"]\n  allowed_parameters = { "env" = ["dev", "prod"] }\n}\n`;
  return s;
}

describe('parsePolicyOffLoop', () => {
  it('a large document parses in the worker to exactly what parsePolicy returns, with the loop free', async () => {
    const text = hcl(60_000);
    const { turns, value } = await turnsDuring(() => parsePolicyOffLoop('big', text));
    assert.ok(turns >= 10, `the event loop turned only ${turns} times during the parse`);
    assert.deepEqual(value, parsePolicy('big', text));
  });

  it('a large invalid document is refused with the same 400 as inline', async () => {
    const text = `${hcl(INLINE_PARSE_CHARS * 2)}path "x" { capabilities = ["fly"] }\n`;
    let inline: unknown;
    try {
      parsePolicy('bad', text);
    } catch (e) {
      inline = e;
    }
    assert.ok(WardError.is(inline));
    await assert.rejects(parsePolicyOffLoop('bad', text), (e: unknown) => {
      assert.ok(WardError.is(e));
      assert.equal(e.status, 400);
      assert.deepEqual(e.messages, inline.messages);
      return true;
    });
  });

  it('small documents parse inline, errors included', async () => {
    assert.deepEqual(await parsePolicyOffLoop('s', 'path "a" { capabilities = ["read"] }'), parsePolicy('s', 'path "a" { capabilities = ["read"] }'));
    await assert.rejects(parsePolicyOffLoop('s', 'path "a" {'), (e: unknown) => WardError.is(e) && e.status === 400);
  });
});

describe('PolicyStore with large policies', () => {
  it('writes of one name apply in arrival order, however long each takes to parse', async () => {
    const s = new PolicyStore(new InmemStorage());
    await s.setup();
    const big = hcl(40_000, 'update');
    const small = 'path "secret/data/small" { capabilities = ["read"] }';
    await Promise.all([s.set('p', big), s.set('p', small)]);
    assert.equal((await s.get('p'))?.raw, small);
    await Promise.all([s.set('q', big), s.delete('q')]);
    assert.equal(await s.get('q'), null);
  });

  it('a refused write queued behind another write of the same name fails alone', async () => {
    const s = new PolicyStore(new InmemStorage());
    await s.setup();
    const slow = s.set('p', hcl(40_000));
    // Small and invalid: refused at once, while the write before it still parses.
    const bad = s.set('p', 'path "x" { capabilities = ["fly"] }');
    await assert.rejects(bad, (e: unknown) => WardError.is(e) && e.status === 400);
    await slow;
    assert.equal((await s.get('p'))?.rules.length, parsePolicy('p', hcl(40_000)).rules.length);
  });

  it('concurrent first uses of a large stored policy parse it once and agree', async () => {
    const storage = new InmemStorage();
    const writer = new PolicyStore(storage);
    await writer.setup();
    await writer.set('big', hcl(40_000));
    const s = new PolicyStore(storage);
    const [a, b] = await Promise.all([s.get('big'), s.get('big')]);
    assert.ok(a);
    assert.equal(a, b);
    const acls = await Promise.all([s.acl(['big']), s.acl(['big', 'big'])]);
    assert.equal(acls[0], acls[1]);
    assert.deepEqual(acls[0].capabilities('secret/data/app7/x'), ['list', 'read']);
  });

  it(`refuses documents over ${MAX_POLICY_BYTES} bytes, counted after base64 decoding`, async () => {
    const s = new PolicyStore(new InmemStorage());
    const text = `path "a" { capabilities = ["read"] }\n#${'x'.repeat(MAX_POLICY_BYTES)}\n`;
    for (const t of [text, Buffer.from(text).toString('base64')]) {
      await assert.rejects(s.set('huge', t), (e: unknown) => WardError.is(e) && e.status === 400 && /^policy is too large: \d+ bytes; the limit is 1048576 bytes$/.test(e.message));
    }
    // Just under the bound, but longer than it once base64-encoded: accepted.
    const fits = `path "a" { capabilities = ["read"] }\n#${'x'.repeat(MAX_POLICY_BYTES - 100)}\n`;
    await s.set('fits', Buffer.from(fits).toString('base64'));
    assert.equal((await s.get('fits'))?.raw, fits);
  });
});

describe('the parser thread', () => {
  it('runs at a lower priority than the event loop (Linux)', async () => {
    await parsePolicyOffLoop('warm', hcl(INLINE_PARSE_CHARS * 2));
    const nice = (tid: string): number => {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      // Fields after the parenthesised name: state is field 3, nice is field 19.
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
    };
    const main = nice(String(process.pid));
    const niceValues = readdirSync('/proc/self/task').map(nice);
    const want = Math.min(19, main + 10);
    assert.ok(niceValues.includes(want), `no thread runs at nice ${want} (the main thread's is ${main}): ${niceValues.join(',')}`);
  });
});
