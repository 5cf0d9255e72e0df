import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { globMatch } from '../../lib/glob.js';
import { matchesAny, parseLabelSelector, selectorMatches } from './selector.js';

describe('kubernetes role bounds', () => {
  it('matches names exactly, "*" and prefix/suffix globs', () => {
    assert.ok(globMatch('*', 'anything'));
    assert.ok(globMatch('app', 'app'));
    assert.ok(!globMatch('app', 'app2'));
    assert.ok(globMatch('team-*', 'team-a'));
    assert.ok(!globMatch('team-*', 'xteam-a'));
    assert.ok(globMatch('*-prod', 'web-prod'));
    assert.ok(!globMatch('a.c', 'abc'), 'regex metacharacters are literal');
    assert.ok(matchesAny(['x', 'y*'], 'yes'));
    assert.ok(!matchesAny([], 'x'));
  });

  it('parses and evaluates label selectors with Kubernetes semantics', () => {
    const sel = parseLabelSelector(
      JSON.stringify({ matchLabels: { env: 'prod' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }, { key: 'legacy', operator: 'DoesNotExist' }] }),
    );
    assert.ok(selectorMatches(sel, { env: 'prod', tier: 'a' }));
    assert.ok(!selectorMatches(sel, { env: 'prod', tier: 'c' }));
    assert.ok(!selectorMatches(sel, { env: 'prod', tier: 'a', legacy: 'y' }));
    assert.ok(!selectorMatches(sel, { tier: 'a' }));
    const notIn = parseLabelSelector('{"matchExpressions":[{"key":"env","operator":"NotIn","values":["dev"]},{"key":"team","operator":"Exists"}]}');
    assert.ok(selectorMatches(notIn, { team: 'x' }));
    assert.ok(!selectorMatches(notIn, { team: 'x', env: 'dev' }));
    assert.ok(selectorMatches(parseLabelSelector('{}'), {}), 'an empty selector matches everything');
  });

  it('refuses malformed selectors', () => {
    for (const bad of ['matchLabels: {a: b}', '[]', '{"matchLabels":{"a":1}}', '{"matchExpressions":[{"key":"a","operator":"Near"}]}',
      '{"matchExpressions":[{"key":"a","operator":"In"}]}', '{"matchExpressions":[{"key":"a","operator":"Exists","values":["x"]}]}', '{"other":1}']) {
      assert.throws(() => parseLabelSelector(bad), Error, bad);
    }
  });
});
