import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkBoundClaims, checkRegisteredClaims, extractMetadata, getClaim, type ExpectedClaims } from './claims.js';

const claims = {
  sub: 'repo:acme/app:ref:refs/heads/main',
  groups: ['dev', 'ops'],
  team: 'blue',
  nested: { project: { id: 42, path: 'acme/app' } },
  'a/b': 'slash',
};

describe('jwt claims', () => {
  it('reads top-level claims and JSON pointers', () => {
    const cases: Array<[string, unknown]> = [
      ['team', 'blue'],
      ['/nested/project/path', 'acme/app'],
      ['/nested/project/id', 42],
      ['/a~1b', 'slash'],
      ['/missing/x', undefined],
      ['missing', undefined],
    ];
    for (const [path, want] of cases) assert.deepEqual(getClaim(claims, path), want, path);
  });

  it('matches bound claims as strings, lists and globs', () => {
    const cases: Array<[string, Record<string, unknown>, 'string' | 'glob', string | null]> = [
      ['exact', { team: 'blue' }, 'string', null],
      ['any of a list', { team: ['red', 'blue'] }, 'string', null],
      ['claim list contains', { groups: 'ops' }, 'string', null],
      ['mismatch', { team: 'red' }, 'string', 'claim "team" does not match any associated bound claim values'],
      ['missing claim', { absent: 'x' }, 'string', 'claim "absent" is missing'],
      ['glob literal under string type', { team: 'bl*' }, 'string', 'claim "team" does not match any associated bound claim values'],
      ['glob', { sub: 'repo:acme/*:ref:refs/heads/main' }, 'glob', null],
      ['glob no match', { sub: 'repo:other/*' }, 'glob', 'claim "sub" does not match any associated bound claim values'],
      ['pointer', { '/nested/project/path': 'acme/*' }, 'glob', null],
      ['number claim', { '/nested/project/id': '42' }, 'string', null],
    ];
    for (const [name, bound, type, err] of cases) {
      if (err === null) assert.doesNotThrow(() => checkBoundClaims(type, bound, claims), name);
      else assert.throws(() => checkBoundClaims(type, bound, claims), { message: err }, name);
    }
  });

  it('maps claims into alias metadata and refuses non-string values', () => {
    assert.deepEqual(extractMetadata(claims, { team: 'team_name', '/nested/project/path': 'project' }), { team_name: 'blue', project: 'acme/app' });
    assert.deepEqual(extractMetadata(claims, { absent: 'x' }), {});
    assert.throws(() => extractMetadata(claims, { groups: 'g' }), /error converting claim 'groups' to string/);
  });

  it('checks iss, sub, aud and times as Vault does (leeways, defaults, -1 for none)', () => {
    const now = 1_000_000;
    const base: ExpectedClaims = { issuer: '', subject: '', audiences: [], clockSkewLeeway: 0, expirationLeeway: 0, notBeforeLeeway: 0, nowSeconds: now };
    const cases: Array<[string, Record<string, unknown>, Partial<ExpectedClaims>, string | null]> = [
      ['valid', { iat: now - 10, exp: now + 60 }, {}, null],
      ['no times', { sub: 'x' }, {}, 'no issued at (iat), not before (nbf), or expiration time (exp) claims in token'],
      ['issuer', { iss: 'a', exp: now + 60 }, { issuer: 'b' }, 'invalid issuer (iss) claim'],
      ['subject', { sub: 'a', exp: now + 60 }, { subject: 'b' }, 'invalid subject (sub) claim'],
      ['audience', { aud: 'x', exp: now + 60 }, { audiences: ['y'] }, 'invalid audience (aud) claim: audience claim does not match any expected audience'],
      ['audience list', { aud: ['x', 'y'], exp: now + 60 }, { audiences: ['y'] }, null],
      ['expired beyond default skew 60', { exp: now - 61 }, {}, 'invalid expiration time (exp) claim: token is expired'],
      ['expired within default skew', { exp: now - 59 }, {}, null],
      ['expired, skew -1 = none', { exp: now - 1 }, { clockSkewLeeway: -1 }, 'invalid expiration time (exp) claim: token is expired'],
      ['not yet valid', { nbf: now + 120, exp: now + 600 }, {}, 'invalid not before (nbf) claim: token not yet valid'],
      ['iat in future', { iat: now + 120, exp: now + 600 }, {}, 'invalid not before (nbf) claim: token not yet valid'],
      ['iat only: exp = iat + 150', { iat: now - 200 }, {}, null],
      ['iat only, expired', { iat: now - 211 }, {}, 'invalid expiration time (exp) claim: token is expired'],
      ['iat only, expiration leeway 10', { iat: now - 100 }, { expirationLeeway: 10 }, 'invalid expiration time (exp) claim: token is expired'],
    ];
    for (const [name, c, e, err] of cases) {
      if (err === null) assert.doesNotThrow(() => checkRegisteredClaims(c, { ...base, ...e }), name);
      else assert.throws(() => checkRegisteredClaims(c, { ...base, ...e }), { message: err }, name);
    }
  });
});
