import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { invalidCidr, ipInCidrs, normalizeIp } from './cidr.js';

describe('normalizeIp', () => {
  it('strips the IPv4-mapped prefix node reports for dual-stack sockets, and nothing else', () => {
    assert.equal(normalizeIp('::ffff:127.0.0.1'), '127.0.0.1');
    assert.equal(normalizeIp('::ffff:10.1.2.3'), '10.1.2.3');
    assert.equal(normalizeIp('127.0.0.1'), '127.0.0.1');
    assert.equal(normalizeIp('::1'), '::1');
    assert.equal(normalizeIp('2001:db8::ffff:1'), '2001:db8::ffff:1');
    assert.equal(normalizeIp('::ffff:not-an-ip'), '::ffff:not-an-ip');
  });
});

describe('ipInCidrs', () => {
  it('IPv4: inside, outside, bare addresses as /32, /0 for everything', () => {
    assert.equal(ipInCidrs('10.1.2.3', ['10.0.0.0/8']), true);
    assert.equal(ipInCidrs('11.1.2.3', ['10.0.0.0/8']), false);
    assert.equal(ipInCidrs('127.0.0.1', ['127.0.0.1']), true);
    assert.equal(ipInCidrs('127.0.0.2', ['127.0.0.1']), false);
    assert.equal(ipInCidrs('127.0.0.1', ['127.0.0.1/32']), true);
    assert.equal(ipInCidrs('192.168.7.9', ['0.0.0.0/0']), true);
    assert.equal(ipInCidrs('10.0.0.1', ['10.0.0.1/8']), true, 'host bits in the network are ignored, as Go does');
  });

  it('any one of several blocks is enough; an empty list allows nothing', () => {
    assert.equal(ipInCidrs('192.168.1.1', ['10.0.0.0/8', ' 192.168.0.0/16 ']), true, 'entries are trimmed');
    assert.equal(ipInCidrs('172.16.0.1', ['10.0.0.0/8', '192.168.0.0/16']), false);
    assert.equal(ipInCidrs('127.0.0.1', []), false);
  });

  it('IPv6: inside, outside, bare addresses as /128', () => {
    assert.equal(ipInCidrs('::1', ['::1/128']), true);
    assert.equal(ipInCidrs('::1', ['::1']), true);
    assert.equal(ipInCidrs('::2', ['::1']), false);
    assert.equal(ipInCidrs('2001:db8::42', ['2001:db8::/32']), true);
    assert.equal(ipInCidrs('2001:db9::42', ['2001:db8::/32']), false);
  });

  it('families do not mix: an IPv6 client is not in an IPv4 block and the reverse', () => {
    assert.equal(ipInCidrs('::1', ['127.0.0.0/8']), false);
    assert.equal(ipInCidrs('127.0.0.1', ['::1/128']), false);
  });

  // node's BlockList would check an IPv4 address against IPv6 blocks as ::ffff:a.b.c.d, so
  // "::/0" (meant as "any IPv6 client") let every IPv4 client through. Vault (go-sockaddr:
  // an IPv4 address is never contained in an IPv6 network) refuses them.
  it('an IPv4 client is not inside a plain IPv6 block such as ::/0', () => {
    assert.equal(ipInCidrs('127.0.0.1', ['::/0']), false);
    assert.equal(ipInCidrs('::ffff:127.0.0.1', ['::/64']), false);
  });

  it('an IPv4-mapped client address is checked as the IPv4 address it carries', () => {
    assert.equal(ipInCidrs('::ffff:127.0.0.1', ['127.0.0.1/32']), true);
    assert.equal(ipInCidrs('::ffff:127.0.0.1', ['127.0.0.0/8']), true);
    assert.equal(ipInCidrs('::ffff:10.1.2.3', ['127.0.0.0/8']), false);
  });

  it('a client address that is not an IP matches nothing', () => {
    assert.equal(ipInCidrs('', ['0.0.0.0/0']), false);
    assert.equal(ipInCidrs('localhost', ['0.0.0.0/0', '::/0']), false);
  });
});

describe('invalidCidr', () => {
  it('accepts addresses and blocks of both families, returning null', () => {
    assert.equal(invalidCidr([]), null);
    assert.equal(invalidCidr(['10.0.0.0/8', '127.0.0.1', '::1', '2001:db8::/32', '0.0.0.0/0', '::/0', '10.0.0.0/32', '::/128']), null);
  });

  it('returns the first bad entry: not an address, prefix out of range, empty', () => {
    assert.equal(invalidCidr(['10.0.0.0/8', 'nope', 'also-bad']), 'nope');
    assert.equal(invalidCidr(['10.0.0.0/33']), '10.0.0.0/33');
    assert.equal(invalidCidr(['::1/129']), '::1/129');
    assert.equal(invalidCidr(['10.0.0.0/-1']), '10.0.0.0/-1');
    assert.equal(invalidCidr(['10.0.0.0/8.5']), '10.0.0.0/8.5');
    assert.equal(invalidCidr(['']), '');
    assert.equal(invalidCidr(['256.0.0.0/8']), '256.0.0.0/8');
  });

  // The prefix length was read with Number(), so text Go's net.ParseCIDR (and so Vault)
  // refuses was accepted. Two were dangerous: "10.0.0.0/" became /0 (a binding that allows
  // every address), and "-0" passed as an integer in range but aborted the whole process in
  // BlockList.addSubnet (SIGABRT) the first time a bound token or login was checked; see
  // test/integration/tokens/bound-cidrs.test.ts for the crash over HTTP.
  it('refuses prefix lengths Go would not parse', () => {
    for (const bad of ['10.0.0.0/-0', '10.0.0.0/', '::1/', '10.0.0.0/ 8', '10.0.0.0/8/9', '10.0.0.0/1e1', '10.0.0.0/0x8', '10.0.0.0/+8']) {
      assert.equal(invalidCidr([bad]), bad, `"${bad}" must be refused`);
    }
  });
});
