import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { silentLogger } from '../../sdk/logical.js';
import { InmemStorage, putJSON } from '../../sdk/storage.js';
import type { TokenEntry } from '../tokens/types.js';
import { ActivityLog } from './activity-log.js';

/** Storage that counts writes: the request path must write only for a client new this month. */
class CountingStorage extends InmemStorage {
  puts = 0;
  override async put(key: string, value: Buffer): Promise<void> {
    this.puts++;
    return super.put(key, value);
  }
}

const token = (entityId: string): TokenEntry => ({ policies: ['default'], entityId, mountAccessor: 'auth_userpass_1' }) as TokenEntry;

describe('ActivityLog', () => {
  const setup = (storage: CountingStorage, now: { t: number }) =>
    new ActivityLog({ storage, now: () => now.t, mountOf: () => ({ path: 'auth/userpass/', type: 'userpass' }), logger: silentLogger });

  it('writes a client once a month, also across a restart, and again in a new month', async () => {
    const storage = new CountingStorage();
    const now = { t: Date.UTC(2026, 0, 15) };
    const a = setup(storage, now);
    await a.load();
    const base = storage.puts;
    a.record(token('e1'));
    a.record(token('e1'));
    await a.settled();
    assert.equal(storage.puts, base + 1);
    const b = setup(storage, now);
    await b.load();
    b.record(token('e1'));
    await b.settled();
    assert.equal(storage.puts, base + 1, 'a restart must not record this month\'s client again');
    now.t = Date.UTC(2026, 1, 2);
    b.record(token('e1'));
    await b.settled();
    assert.equal(storage.puts, base + 2);
    const recs = await b.records(Date.UTC(2026, 0, 1), now.t);
    assert.deepEqual([...recs.keys()].sort(), ['2026-01', '2026-02']);
    assert.equal(recs.get('2026-02')?.[0]?.mount_path, 'auth/userpass/');
  });

  it('drops months past the retention when a new month starts', async () => {
    const storage = new CountingStorage();
    const now = { t: Date.UTC(2026, 0, 15) };
    const a = setup(storage, now);
    await putJSON(storage, 'config', { enabled: 'default', retentionMonths: 1 });
    await a.load();
    a.record(token('jan'));
    now.t = Date.UTC(2026, 2, 3);
    a.record(token('mar'));
    await a.settled();
    assert.deepEqual([...(await a.records(Date.UTC(2025, 0, 1), now.t)).keys()], ['2026-03']);
  });

  it('drops months past the retention when configured', async () => {
    const storage = new CountingStorage();
    const now = { t: Date.UTC(2026, 0, 15) };
    const a = setup(storage, now);
    await a.load();
    a.record(token('old'));
    now.t = Date.UTC(2026, 3, 1);
    a.record(token('new'));
    await a.configure({ enabled: 'default', retentionMonths: 2 });
    const recs = await a.records(Date.UTC(2025, 0, 1), now.t);
    assert.deepEqual([...recs.keys()], ['2026-04']);
  });
});
