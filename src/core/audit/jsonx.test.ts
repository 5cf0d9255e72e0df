/**
 * The JSONx encoder (Vault's `format=jsonx` audit records): the exact text Vault's jsonx
 * library writes for each JSON value, XML escaping as Go's xml.EscapeText, members sorted
 * by name, and a record as its top-level members with no root element or declaration.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_AUDIT_DEPTH } from './hash.js';
import { escapeXmlText, jsonxRecord, jsonxValue } from './jsonx.js';

describe('JSONx encoding', () => {
  it('escapes text as Go\'s xml.EscapeText', () => {
    const cases: [string, string][] = [
      ['plain', 'plain'],
      ['', ''],
      ['a<b>c', 'a&lt;b&gt;c'],
      ['fish & chips', 'fish &amp; chips'],
      ['say "hi"', 'say &#34;hi&#34;'],
      ["it's", 'it&#39;s'],
      ['tab\there', 'tab&#x9;here'],
      ['line\nbreak\r', 'line&#xA;break&#xD;'],
      // Characters XML 1.0 cannot carry at all become U+FFFD, as Go writes them.
      ['nul\u0000bell\u0007esc\u001b', 'nul\uFFFDbell\uFFFDesc\uFFFD'],
      ['\uFFFE\uFFFF', '\uFFFD\uFFFD'],
      // A lone surrogate is not a character; a pair is one and stays.
      ['lone \uD800 and \uDC00', 'lone \uFFFD and \uFFFD'],
      ['pair \uD83D\uDE00', 'pair \uD83D\uDE00'],
      ['del \u007f and nbsp \u00a0 stay', 'del \u007f and nbsp \u00a0 stay'],
      ['&amp; is escaped again', '&amp;amp; is escaped again'],
    ];
    for (const [input, want] of cases) assert.equal(escapeXmlText(input), want, JSON.stringify(input));
  });

  it('writes each JSON type as Vault\'s jsonx library does', () => {
    const cases: [unknown, string | undefined, string][] = [
      [null, undefined, '<json:null />'],
      [null, 'n', '<json:null name="n" />'],
      [true, 'b', '<json:boolean name="b">true</json:boolean>'],
      [false, undefined, '<json:boolean>false</json:boolean>'],
      [0, 'z', '<json:number name="z">0</json:number>'],
      [-12.5, 'f', '<json:number name="f">-12.5</json:number>'],
      [1e21, 'e', '<json:number name="e">1e+21</json:number>'],
      [1e-7, 'e', '<json:number name="e">1e-7</json:number>'],
      ['x<y', 's', '<json:string name="s">x&lt;y</json:string>'],
      ['', 's', '<json:string name="s"></json:string>'],
      [[], 'a', '<json:array name="a"></json:array>'],
      [{}, 'o', '<json:object name="o"></json:object>'],
      [['a', 1, null, [true]], 'mixed', '<json:array name="mixed"><json:string>a</json:string><json:number>1</json:number><json:null /><json:array><json:boolean>true</json:boolean></json:array></json:array>'],
      // Members by name, as Go's sort.Strings orders them; names escaped like text.
      [{ b: 1, a: { d: 'x', c: [] } }, 'o', '<json:object name="o"><json:object name="a"><json:array name="c"></json:array><json:string name="d">x</json:string></json:object><json:number name="b">1</json:number></json:object>'],
      [{ 'a"b': 1, '<k>': 2 }, undefined, '<json:object><json:number name="&lt;k&gt;">2</json:number><json:number name="a&#34;b">1</json:number></json:object>'],
    ];
    for (const [value, name, want] of cases) assert.equal(jsonxValue(value, name), want, JSON.stringify([value, name]));
  });

  it('orders names by code point (UTF-8 byte order), not UTF-16 unit order', () => {
    // U+FF5E sorts before U+1F600 in UTF-8; in UTF-16 units the surrogate D83D comes first.
    const got = jsonxValue({ '\uD83D\uDE00': 1, '\uFF5E': 2, Z: 3, a: 4, aa: 5 });
    const names = [...got.matchAll(/name="([^"]*)"/g)].map((m) => m[1]);
    assert.deepEqual(names, ['Z', 'a', 'aa', '\uFF5E', '\uD83D\uDE00']);
  });

  it('renders a record as its sorted top-level members, with no declaration or root element', () => {
    const line = JSON.stringify({ type: 'request', time: 't', auth: { policies: ['root'], client_token: 'hmac-sha256:ab' }, error: 'bad & worse' });
    assert.equal(
      jsonxRecord(line),
      '<json:object name="auth"><json:string name="client_token">hmac-sha256:ab</json:string><json:array name="policies"><json:string>root</json:string></json:array></json:object>' +
        '<json:string name="error">bad &amp; worse</json:string><json:string name="time">t</json:string><json:string name="type">request</json:string>',
    );
    assert.equal(jsonxRecord('{}'), '');
    // An own "__proto__" member is data like any other.
    assert.equal(jsonxRecord('{"__proto__":{"x":1}}'), '<json:object name="__proto__"><json:number name="x">1</json:number></json:object>');
  });

  it('refuses data nested beyond the audit bound with a clean error, not a stack overflow', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    assert.throws(() => jsonxValue(deep), { message: 'audit: data nested too deeply to record' });
    let ok: unknown = 'leaf';
    for (let i = 0; i < MAX_AUDIT_DEPTH; i++) ok = { k: ok };
    assert.ok(jsonxValue(ok).includes('<json:string name="k">leaf</json:string>'));
  });
});
