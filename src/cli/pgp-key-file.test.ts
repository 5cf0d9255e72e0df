import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dearmor } from './pgp-key-file.js';

test('dearmor: the base64 body of a public key block, headers and CRC dropped', () => {
  const cases: [string, string | null][] = [
    ['-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nxjMEZ\nabc\n=AbCd\n-----END PGP PUBLIC KEY BLOCK-----\n', 'xjMEZabc'],
    ['-----BEGIN PGP PUBLIC KEY BLOCK-----\r\nComment: alice\r\nVersion: x\r\n\r\nxjME\r\n-----END PGP PUBLIC KEY BLOCK-----', 'xjME'],
    ['junk before\n-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nxjME\n-----END PGP PUBLIC KEY BLOCK-----\njunk after', 'xjME'],
    ['-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nxjME\n', null],
    ['-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nxjME\n-----END PGP PRIVATE KEY BLOCK-----', null],
    ['-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nnot base64!\n-----END PGP PUBLIC KEY BLOCK-----', null],
    ['xjMEZabcd', null],
  ];
  for (const [text, want] of cases) assert.equal(dearmor(text), want, text);
});
