import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BUILTINS } from './registry.js';
import { fieldSelector, labelSelector } from './selectors.js';
import { ApiError } from './status.js';

const pods = BUILTINS.find((t) => t.plural === 'pods')!;
const secrets = BUILTINS.find((t) => t.plural === 'secrets')!;

describe('label selectors', () => {
  const labels = { app: 'web', tier: 'front', env: 'prod' };
  const table: [string, boolean][] = [
    ['', true], ['app=web', true], ['app==web', true], ['app!=web', false], ['app!=db', true],
    ['tier in (front, back)', true], ['tier notin (front)', false], ['tier in (back)', false],
    ['env', true], ['!env', false], ['missing', false], ['!missing', true], ['missing!=x', true],
    ['app=web,tier in (front),!legacy', true], ['app=web,env=dev', false],
    ['missing notin (a)', true], ['missing in (a)', false],
  ];
  for (const [sel, want] of table) {
    it(`${JSON.stringify(sel)} → ${want}`, () => assert.equal(labelSelector(sel)(labels), want));
  }
  it('rejects malformed selectors with 400', () => {
    for (const bad of ['app=(', 'a b', 'x in ()', '=x', 'Bad Key=1']) {
      assert.throws(() => labelSelector(bad), (e: unknown) => e instanceof ApiError && e.code === 400 && /unable to parse requirement/.test(e.message), bad);
    }
  });
});

describe('field selectors', () => {
  const pod = { metadata: { name: 'p', namespace: 'ns' }, spec: { nodeName: 'n1', serviceAccountName: 'sa' }, status: { phase: 'Running' } };
  const table: [string, boolean][] = [
    ['metadata.name=p', true], ['metadata.name!=p', false], ['metadata.namespace==ns', true],
    ['spec.nodeName=n1,status.phase=Running', true], ['status.phase=Pending', false], ['spec.serviceAccountName=sa', true],
  ];
  for (const [sel, want] of table) it(`${sel} → ${want}`, () => assert.equal(fieldSelector(sel, pods)(pod), want));
  it('knows type for secrets', () => assert.equal(fieldSelector('type=Opaque', secrets)({ metadata: {}, type: 'Opaque' }), true));
  it('rejects unknown fields with the real message', () => {
    assert.throws(() => fieldSelector('spec.unknown=x', pods), (e: unknown) => e instanceof ApiError && e.code === 400 && e.message === 'field label not supported: spec.unknown');
    assert.throws(() => fieldSelector('spec.nodeName=x', secrets), /field label not supported: spec\.nodeName/);
  });
});
