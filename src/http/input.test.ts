import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WardError } from '../sdk/errors.js';
import { JsonGuard, checkPercentEncoding, decodePath, queryParams } from './input.js';
import { createHandler } from './handler.js';
import { handlerOptionsFor } from './handler-options.js';
import { startListener } from './listener.js';
import { FakeCore } from './fake-core.test-helper.js';
import { silentLogger } from '../sdk/logical.js';

const small = new JsonGuard({ maxDepth: 3, maxStringLength: 8, maxObjectEntries: 2, maxArrayElements: 3 });
const parse = (g: JsonGuard, text: string): unknown => g.parse(Buffer.from(text, 'utf8'));

/** The 400 message `fn` throws, or null when it does not throw. */
function refusal(fn: () => unknown): string | null {
  try {
    fn();
    return null;
  } catch (e) {
    assert.ok(WardError.is(e), `not a WardError: ${String(e)}`);
    assert.equal(e.status, 400);
    return e.messages[0] ?? '';
  }
}

describe('JsonGuard', () => {
  it('counts depth over objects and arrays, the outermost as 1', () => {
    assert.deepEqual(parse(small, '{"a":[{}]}'), { a: [{}] });
    assert.equal(refusal(() => parse(small, '{"a":[{"b":[]}]}')), 'JSON input exceeds allowed nesting depth');
    assert.equal(refusal(() => parse(small, '[[[[]]]]')), 'JSON input exceeds allowed nesting depth');
    // Depth falls back when containers close: siblings never add up.
    assert.deepEqual(parse(small, '[[[]],[[]],[[]]]'), [[[]], [[]], [[]]]);
  });

  it('counts members per container, not in total', () => {
    assert.deepEqual(parse(small, '{"a":{"x":1,"y":2},"b":[1,2,3]}'), { a: { x: 1, y: 2 }, b: [1, 2, 3] });
    assert.equal(refusal(() => parse(small, '{"a":1,"b":2,"c":3}')), 'JSON object exceeds allowed entry count');
    assert.equal(refusal(() => parse(small, '{"a":[1,2,3,4]}')), 'JSON array exceeds allowed element count');
    assert.deepEqual(parse(small, '{"a":[],"b":{}}'), { a: [], b: {} });
  });

  it('ignores brackets, commas and quotes inside strings', () => {
    assert.deepEqual(parse(small, '{"a":"[[[{,,,","b":"\\"]]"}'), { a: '[[[{,,,', b: '"]]' });
    assert.deepEqual(parse(small, '{"a":"\\\\","b":[1]}'), { a: '\\', b: [1] });
  });

  it('measures strings in UTF-8 bytes of what they denote, escapes decoded', () => {
    assert.deepEqual(parse(small, '{"a":"12345678"}'), { a: '12345678' });
    assert.equal(refusal(() => parse(small, '{"a":"123456789"}')), 'JSON string value exceeds allowed length');
    assert.deepEqual(parse(small, '{"a":"éééé"}'), { a: 'éééé' }); // 8 bytes
    assert.equal(refusal(() => parse(small, '{"a":"éééé1"}')), 'JSON string value exceeds allowed length');
    assert.deepEqual(parse(small, '{"a":"😀😀"}'), { a: '😀😀' }); // 8 bytes
    assert.equal(refusal(() => parse(small, '{"a":"€€€"}')), 'JSON string value exceeds allowed length'); // 9 bytes
    // 18 bytes as written, 7 as stored: é é \n " \\ .
    assert.deepEqual(parse(small, '{"a":"\\u00e9\\u00e9\\n\\"\\\\"}'), { a: 'éé\n"\\' });
    // Two escaped pairs and a newline: 4 + 4 + 1 = 9 bytes.
    assert.equal(refusal(() => parse(small, '{"a":"\\ud83d\\ude00\\ud83d\\ude00\\n"}')), 'JSON string value exceeds allowed length');
    assert.equal(refusal(() => parse(small, '{"123456789":1}')), 'JSON string value exceeds allowed length');
  });

  it('measures long strings exactly, whatever follows their ASCII runs', () => {
    const g = new JsonGuard({ maxDepth: 3, maxStringLength: 300, maxObjectEntries: 2, maxArrayElements: 3 });
    const run = 'a'.repeat(200);
    // 200 + 2 (é) + 2 (escaped é) + 4 (😀) + 1 (\n) + 91 = 300 bytes, then one more.
    const at300 = `${run}é\\u00e9😀\\n${'b'.repeat(91)}`;
    assert.equal((parse(g, `{"a":"${at300}"}`) as { a: string }).a.length, 200 + 1 + 1 + 2 + 1 + 91);
    assert.equal(refusal(() => parse(g, `{"a":"${at300}c"}`)), 'JSON string value exceeds allowed length');
    assert.equal(refusal(() => parse(g, `{"a":"${'a'.repeat(301)}"}`)), 'JSON string value exceeds allowed length');
    // A quote right after a long run ends the string; the next one is measured afresh.
    assert.deepEqual(parse(g, `{"a":"${'a'.repeat(300)}","b":"${'b'.repeat(300)}"}`), { a: 'a'.repeat(300), b: 'b'.repeat(300) });
    assert.equal(refusal(() => parse(g, `{"a":"${run}\\ud800"}`)), 'failed to parse JSON input: string contains an unpaired UTF-16 surrogate escape');
  });

  it('refuses surrogate escapes that are not a high-low pair', () => {
    const g = new JsonGuard();
    for (const bad of ['"\\ud800"', '"\\uDC00"', '"\\ud800\\ud800"', '"\\ud800\\n"', '"a\\uDBFF"', '{"\\udfff":1}']) {
      assert.match(refusal(() => parse(g, `{"k":${bad}}`)) ?? '', /unpaired UTF-16 surrogate/, bad);
    }
    assert.deepEqual(parse(g, '{"k":"\\uD83D\\uDE00 \\u00e9 \\\\ud800"}'), { k: '\u{1F600} é \\ud800' });
  });

  it('leaves malformed JSON to the parser and refuses invalid UTF-8', () => {
    assert.match(refusal(() => parse(new JsonGuard(), '{"a":')) ?? '', /^failed to parse JSON input: /);
    assert.match(refusal(() => parse(new JsonGuard(), '{"a":"unterminated')) ?? '', /^failed to parse JSON input: /);
    assert.equal(refusal(() => new JsonGuard().parse(Buffer.from([0x7b, 0x22, 0xc3, 0x22, 0x3a, 0x31, 0x7d]))), 'failed to parse JSON input: invalid UTF-8');
  });

  it('grows its stack for a configured depth above 64', () => {
    const deep = new JsonGuard({ maxDepth: 1000, maxStringLength: 10, maxObjectEntries: 10, maxArrayElements: 10 });
    assert.equal(JSON.stringify(parse(deep, '['.repeat(1000) + ']'.repeat(1000))), '['.repeat(1000) + ']'.repeat(1000));
    assert.ok(refusal(() => parse(deep, '['.repeat(1001) + ']'.repeat(1001))));
  });

  it('refuses non-positive limits', () => {
    assert.throws(() => new JsonGuard({ maxDepth: 0, maxStringLength: 1, maxObjectEntries: 1, maxArrayElements: 1 }), /maxDepth/);
  });
});

describe('percent-encoding', () => {
  it('accepts escapes that decode as UTF-8, and stray percent signs', () => {
    for (const ok of ['a=%C3%A9', 'a=%E2%82%AC&b=%F0%9F%98%80', 'a=%zz&b=100%', 'a=b+c', '']) assert.doesNotThrow(() => checkPercentEncoding(ok, 'query string'), ok);
    assert.equal(queryParams('a=%C3%A9').get('a'), 'é');
  });

  it('refuses escapes that do not: truncated sequences, surrogates, overlongs', () => {
    for (const bad of ['a=%C3', 'a=%ED%A0%80', 'a=%C0%AF', 'a=%FF', 'a=%A9']) {
      assert.equal(refusal(() => checkPercentEncoding(bad, 'query string')), 'invalid percent-encoding in query string: not UTF-8', bad);
    }
  });

  it('decodes paths, refusing escapes that are not UTF-8', () => {
    assert.equal(decodePath('/v1/a%2Fb'), '/v1/a/b');
    assert.equal(refusal(() => decodePath('/v1/%ED%A0%80')), 'invalid URL escape in request path');
  });
});

describe('listener JSON limits reach the handler', () => {
  it('applies max_json_depth from the listener config', async () => {
    const core = new FakeCore();
    const cfg = { address: '127.0.0.1:0', tlsDisable: true, maxJsonDepth: 2 };
    const l = await startListener(cfg, createHandler(core, handlerOptionsFor(cfg, silentLogger)));
    try {
      const post = (body: string) => fetch(`${l.url}/v1/secret/x`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
      assert.equal((await post('{"a":{}}')).status, 200);
      const r = await post('{"a":{"b":{}}}');
      assert.equal(r.status, 400);
      assert.deepEqual(await r.json(), { errors: ['JSON input exceeds allowed nesting depth'] });
    } finally {
      await l.close(1000);
    }
  });
});
