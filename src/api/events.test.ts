import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffDelay, parseEvent } from './events.js';

describe('backoffDelay', () => {
  const cases: [failures: number, random: number, want: number][] = [
    [1, 0.5, 500],
    [2, 0.5, 1000],
    [3, 0.5, 2000],
    [20, 0.5, 30_000],
    [1, 0, 400],
    [1, 1, 600],
  ];
  for (const [failures, random, want] of cases) {
    it(`retry ${failures}, jitter ${random}`, () => assert.equal(backoffDelay(failures, 500, 30_000, () => random), want));
  }
});

describe('parseEvent', () => {
  it('unpacks a Vault event', () => {
    const e = parseEvent(
      JSON.stringify({
        id: 'i',
        time: 't',
        data: { event: { id: 'i', metadata: { path: 'secret/data/a', modified: 'true', n: 1 } }, event_type: 'kv-v2/data-write', plugin_info: { mount_path: 'secret/' }, namespace: 'ns1/' },
      }),
    );
    assert.deepEqual(
      { ...e, raw: undefined },
      { id: 'i', time: 't', eventType: 'kv-v2/data-write', namespace: 'ns1', metadata: { path: 'secret/data/a', modified: 'true' }, pluginInfo: { mount_path: 'secret/' }, raw: undefined },
    );
  });
  for (const bad of ['not json', '[]', '{"id":"x"}', 'null']) {
    it(`ignores ${bad}`, () => assert.equal(parseEvent(bad), null));
  }
});
