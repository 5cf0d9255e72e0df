import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { brokenDevice } from './broken-device.js';
import type { AuditDevice } from './types.js';

/** A device that records what happened to it. */
function fake(log: string[]): AuditDevice {
  return {
    type: 'fake',
    write: async (line) => void log.push(`write ${line}`),
    reopen: async () => void log.push('reopen'),
    close: async () => void log.push('close'),
  };
}

describe('audit device stand-in (could not open on unseal)', () => {
  it('fails writes while the target cannot open, one attempt at a time, then writes through once it can', async () => {
    const log: string[] = [];
    let attempts = 0;
    let up = false;
    const d = brokenDevice('fake', 'audit device f/ unavailable: ENOENT', async () => {
      attempts++;
      if (!up) throw new Error('ENOENT again');
      return fake(log);
    });
    await assert.rejects(Promise.all([d.write('a'), d.write('b')]), /^Error: audit device f\/ unavailable: ENOENT again$/);
    assert.equal(attempts, 1, 'concurrent writes share one attempt');
    up = true;
    await d.write('c');
    await d.write('d');
    assert.equal(attempts, 2);
    assert.deepEqual(log, ['write c', 'write d']);
  });

  it('close waits for an open in flight and closes what it opened', async () => {
    const log: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const d = brokenDevice('fake', 'x: y', async () => {
      await gate;
      return fake(log);
    });
    const w = d.write('late');
    const closed = d.close();
    release();
    await w;
    await closed;
    assert.deepEqual(log, ['write late', 'close']);
  });
});
