/**
 * The versions this store has been unsealed with (sys/version-history). Each version is
 * recorded once, the first time a node running it unseals, under `core/versions/<version>`
 * in the barrier, as Vault keeps its own.
 */
import { getJSON, putJSON, type Storage } from '../../sdk/storage.js';

export interface VersionRecord {
  version: string;
  /** Epoch ms of the first unseal with this version. */
  timestampInstalled: number;
  buildDate: string;
}

const PREFIX = 'core/versions/';

/** Records `version` unless it is there already (idempotent: every unseal calls it). */
export async function recordVersion(barrier: Storage, version: string, buildDate: string, now: number): Promise<void> {
  const key = PREFIX + version;
  if ((await getJSON<VersionRecord>(barrier, key)) !== null) return;
  await putJSON(barrier, key, { version, timestampInstalled: now, buildDate } satisfies VersionRecord);
}

export async function readVersions(barrier: Storage): Promise<VersionRecord[]> {
  const out: VersionRecord[] = [];
  for (const k of await barrier.list(PREFIX)) {
    const r = await getJSON<VersionRecord>(barrier, PREFIX + k);
    if (r) out.push(r);
  }
  return out;
}

/** RFC 3339 to the second, as Vault formats timestamp_installed. */
const rfc3339 = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** LIST sys/version-history's data: keys oldest first, each with the version installed before it. */
export function versionHistoryAnswer(records: readonly VersionRecord[]): { keys: string[]; key_info: Record<string, unknown> } {
  const sorted = [...records].sort((a, b) => a.timestampInstalled - b.timestampInstalled);
  const keyInfo: Record<string, unknown> = {};
  sorted.forEach((r, i) => {
    keyInfo[r.version] = { timestamp_installed: rfc3339(r.timestampInstalled), build_date: r.buildDate, previous_version: i > 0 ? sorted[i - 1]!.version : null };
  });
  return { keys: sorted.map((r) => r.version), key_info: keyInfo };
}
