import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { WardClient } from '../../api/index.js';
import { createLogger } from '../log.js';
import { AuthHandler } from './handler.js';
import type { AuthMethod, AuthResult } from './method.js';

/** A method whose credentials the test changes: each login returns the next token. */
class ChangingMethod implements AuthMethod {
  readonly name = 'changing';
  logins = 0;
  watching = false;
  onNew: (() => void) | undefined;
  async authenticate(): Promise<AuthResult> {
    this.logins++;
    return { token: `t${this.logins}`, leaseDuration: 0, renewable: false };
  }
  watchCredentials(onNew: () => void): () => void {
    this.watching = true;
    this.onNew = onNew;
    return () => {
      this.watching = false;
    };
  }
}

async function until(what: string, ok: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('new credentials from the method end the current token and log in again; stop ends the watch', async () => {
  const method = new ChangingMethod();
  const tokens: string[] = [];
  const h = new AuthHandler({
    method,
    client: {} as WardClient, // the fake method never uses the client
    minBackoffMs: 1,
    maxBackoffMs: 2,
    exitOnErr: false,
    log: createLogger({ write: () => true }, 'error'),
    onToken: async (a) => {
      tokens.push(a.token);
    },
  });
  const done = h.run();
  await until('the first token', () => tokens.length === 1);
  assert.equal(method.watching, true, 'the handler watches the method for new credentials');
  method.onNew?.();
  await until('the second token', () => tokens.length === 2);
  assert.deepEqual(tokens, ['t1', 't2']);
  h.stop();
  await done;
  assert.equal(method.watching, false, 'stopping the handler stops the watch');
});

test('new credentials reported while a token is being delivered are not lost', async () => {
  const method = new ChangingMethod();
  const tokens: string[] = [];
  const h = new AuthHandler({
    method,
    client: {} as WardClient, // the fake method never uses the client
    minBackoffMs: 1,
    maxBackoffMs: 2,
    exitOnErr: false,
    log: createLogger({ write: () => true }, 'error'),
    onToken: async (a) => {
      tokens.push(a.token);
      // The credentials change after the login read them but before the token is watched.
      if (a.token === 't1') method.onNew?.();
    },
  });
  const done = h.run();
  try {
    await until('a login with the new credentials', () => tokens.length === 2);
    assert.deepEqual(tokens, ['t1', 't2']);
  } finally {
    h.stop();
    await done;
  }
});
