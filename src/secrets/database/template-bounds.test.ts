/**
 * Client strings and numbers in the database engine's templates stay in range: a
 * `random N` that would build a giant string is a template error (config validation
 * rendered it, holding the event loop), and the connection-URL escaping and the secret
 * scrubbing never throw on text encodeURIComponent cannot take.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { scrub } from './connections.js';
import { renderConnectionUrl } from './template.js';
import { templateError } from '../../lib/name-template.js';

describe('database templates in range', () => {
  it('random takes a length from 0 to 1024, as a username could ever need', () => {
    assert.equal(templateError('{{ random 1024 }}'), null);
    assert.match(templateError('{{ random 10000000 }}') ?? 'accepted', /random: length must be between 0 and 1024/);
    assert.match(templateError('{{ random -1 }}') ?? 'accepted', /random: length must be between 0 and 1024/);
    assert.match(templateError(`{{ random ${'9'.repeat(400)} }}`) ?? 'accepted', /random: length must be between 0 and 1024/);
  });

  it('escaping a username or password with an unpaired surrogate does not throw', () => {
    const url = renderConnectionUrl('postgresql://{{username}}:{{password}}@db/x', 'u\ud800', 'p\udc00w', false);
    assert.equal(url, 'postgresql://u%EF%BF%BD:p%EF%BF%BDw@db/x');
    assert.equal(scrub('login failed for p\udc00word', ['p\udc00word']), 'login failed for *****');
  });
});
