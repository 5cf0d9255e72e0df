import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { keySpecFor } from './keypair.js';

describe('ssh key type names', () => {
  const table: [string, number, unknown][] = [
    ['ssh-rsa', 0, { type: 'rsa', bits: 4096 }],
    ['rsa', 2048, { type: 'rsa', bits: 2048 }],
    ['rsa', 1024, /^Error: refusing to generate weak rsa key: 1024 bits < 2048 bits$/],
    ['rsa', 16384, /larger than 8192 bits/],
    ['ssh-ed25519', 0, { type: 'ed25519' }],
    ['ed25519', 0, { type: 'ed25519' }],
    ['ecdsa-sha2-nistp256', 0, { type: 'ec', curve: 'P-256' }],
    ['ecdsa-sha2-nistp384', 0, { type: 'ec', curve: 'P-384' }],
    ['ecdsa-sha2-nistp521', 0, { type: 'ec', curve: 'P-521' }],
    ['ec', 0, { type: 'ec', curve: 'P-256' }],
    ['ec', 384, { type: 'ec', curve: 'P-384' }],
    ['ec', 512, /^Error: unknown ECDSA key pair algorithm: ec$/],
    ['ssh-dss', 0, /^Error: unknown ssh key pair algorithm: ssh-dss$/],
    ['', 0, /^Error: unknown ssh key pair algorithm: $/],
  ];
  for (const [type, bits, want] of table) {
    it(`${JSON.stringify(type)} ${bits}`, () => {
      if (want instanceof RegExp) assert.throws(() => keySpecFor(type, bits), want);
      else assert.deepEqual(keySpecFor(type, bits), want);
    });
  }
});
