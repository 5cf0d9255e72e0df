import assert from 'node:assert/strict';
import { test } from 'node:test';
import { passwordOf, redactConnectionUrl, scrubber } from './redact.js';

test('redactConnectionUrl hides the password in URL and keyword forms', () => {
  assert.equal(redactConnectionUrl('postgres://app:s3cr%40t!@db:5432/vault?sslmode=disable'), 'postgres://app:redacted@db:5432/vault?sslmode=disable');
  assert.equal(redactConnectionUrl('postgres://db/vault?user=app&password=hunter2'), 'postgres://db/vault?user=app&password=redacted');
  assert.equal(redactConnectionUrl("host=db user=app password='a b\\'c' dbname=vault"), 'host=db user=app password=redacted dbname=vault');
  assert.equal(redactConnectionUrl('postgres://app@db/vault'), 'postgres://app@db/vault');
  // A URL `new URL` rejects still has its password removed.
  assert.equal(redactConnectionUrl('postgres://app:hunter2@[bad/vault'), 'postgres://app:redacted@[bad/vault');
});

test('passwordOf finds the password in every form', () => {
  assert.equal(passwordOf('postgres://app:s3cr%40t!@db/vault'), 's3cr@t!');
  assert.equal(passwordOf('postgres://db/vault?password=hunter2'), 'hunter2');
  assert.equal(passwordOf("host=db password='a b\\'c'"), "a b'c");
  assert.equal(passwordOf('host=db password=plain user=x'), 'plain');
  assert.equal(passwordOf('postgres://app@db/vault'), undefined);
  assert.equal(passwordOf('postgres://app:hunter2@[bad/vault'), 'hunter2');
});

test('scrubber removes the password, raw or encoded, and the whole URL from messages', () => {
  const url = 'postgres://app:s3cr%40t!@db:5432/vault';
  const scrub = scrubber(url);
  assert.equal(scrub('auth failed for s3cr@t! and s3cr%40t!'), 'auth failed for [redacted] and [redacted]');
  assert.equal(scrub(`cannot parse ${url}`), 'cannot parse postgres://app:redacted@db:5432/vault');
  assert.equal(scrubber('postgres://db/x')('unchanged'), 'unchanged');
});
