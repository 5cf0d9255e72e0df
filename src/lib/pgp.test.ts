import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as openpgp from 'openpgp';
import { PgpKeyError, parsePgpPublicKey, pgpDecrypt, pgpEncrypt, readPgpPrivateKey } from './pgp.js';

test('pgp: a passphrase-protected private key needs its passphrase; a private key is no public key', async () => {
  const { privateKey, publicKey } = await openpgp.generateKey({ type: 'ecc', curve: 'curve25519Legacy', userIDs: [{ name: 'p' }], passphrase: 'correct horse', format: 'armored' });
  const pub = await parsePgpPublicKey(Buffer.from(publicKey).toString('base64'));
  const ct = await pgpEncrypt(pub, Buffer.from('abcd'));
  await assert.rejects(readPgpPrivateKey(privateKey), /protected by a passphrase and none was given/);
  await assert.rejects(readPgpPrivateKey(privateKey, 'wrong'), /Incorrect key passphrase/i);
  assert.equal((await pgpDecrypt(await readPgpPrivateKey(privateKey, 'correct horse'), ct)).toString(), 'abcd');
  await assert.rejects(parsePgpPublicKey(privateKey), (e: unknown) => e instanceof PgpKeyError && /a private key was given/.test(e.message));
  await assert.rejects(parsePgpPublicKey(''), (e: unknown) => e instanceof PgpKeyError && /error decoding given PGP key/.test(e.message));
});
