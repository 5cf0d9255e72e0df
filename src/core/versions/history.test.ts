import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InmemStorage } from '../../sdk/storage.js';
import { readVersions, recordVersion, versionHistoryAnswer } from './history.js';

describe('version history', () => {
  it('orders versions by installation and names each one\'s predecessor', () => {
    const a = versionHistoryAnswer([
      { version: '1.17.1', timestampInstalled: Date.UTC(2026, 1, 2, 3, 4, 5, 678), buildDate: '2026-01-30T00:00:00Z' },
      { version: '1.17.0', timestampInstalled: Date.UTC(2026, 0, 1), buildDate: '2025-12-30T00:00:00Z' },
    ]);
    assert.deepEqual(a, {
      keys: ['1.17.0', '1.17.1'],
      key_info: {
        '1.17.0': { timestamp_installed: '2026-01-01T00:00:00Z', build_date: '2025-12-30T00:00:00Z', previous_version: null },
        '1.17.1': { timestamp_installed: '2026-02-02T03:04:05Z', build_date: '2026-01-30T00:00:00Z', previous_version: '1.17.0' },
      },
    });
    assert.deepEqual(versionHistoryAnswer([]), { keys: [], key_info: {} });
  });

  it('records a version once: a later unseal keeps the first installation time', async () => {
    const s = new InmemStorage();
    await recordVersion(s, '1.17.0', 'b', 1000);
    await recordVersion(s, '1.17.0', 'b', 5000);
    await recordVersion(s, '1.18.0', 'c', 9000);
    const got = (await readVersions(s)).sort((x, y) => x.timestampInstalled - y.timestampInstalled);
    assert.deepEqual(got, [
      { version: '1.17.0', timestampInstalled: 1000, buildDate: 'b' },
      { version: '1.18.0', timestampInstalled: 9000, buildDate: 'c' },
    ]);
  });
});
