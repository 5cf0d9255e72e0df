/**
 * Canary secrets: written before the first fuzz request, re-read after every seal cycle,
 * every few hundred requests and at the end, and compared field by field with what was
 * written. No generator addresses them, so any difference is damage done by a request.
 */
import { randomBytes } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { Api, ApiResult } from './api.js';

export const CANARY_POLICY = 'canary-pol';
const POLICY_TEXT = 'path "canary-kv1/*" {\n  capabilities = ["read"]\n}\n';

export interface Canaries {
  /** A token nothing else uses: its cubbyhole holds a canary, and it is itself one. */
  token: string;
  expected: Record<string, unknown>;
}

type Reader = (api: Api, token: string) => Promise<unknown>;

/** 2xx body or a marker of the failure, so an unreadable canary differs from the expected value. */
function ok(r: ApiResult): ApiResult['body'] {
  return r.status >= 200 && r.status < 300 ? r.body : { unreadable: r.status, body: r.text.slice(0, 200) };
}

const READERS: Record<string, Reader> = {
  'kv1 canary-kv1/c1': async (api) => ok(await api.call('GET', 'canary-kv1/c1'))?.data,
  'kv2 canary-kv2/data/c2 (latest)': async (api) => {
    const b = ok(await api.call('GET', 'canary-kv2/data/c2'));
    return b?.unreadable ? b : { data: b?.data?.data, version: b?.data?.metadata?.version };
  },
  'kv2 canary-kv2/data/c2?version=1': async (api) => ok(await api.call('GET', 'canary-kv2/data/c2?version=1'))?.data?.data,
  'kv2 canary-kv2/metadata/c2': async (api) => {
    const b = ok(await api.call('GET', 'canary-kv2/metadata/c2'));
    if (b?.unreadable) return b;
    const d = b?.data ?? {};
    const versions: Record<string, unknown> = {};
    for (const [n, v] of Object.entries((d.versions ?? {}) as Record<string, { deletion_time?: string; destroyed?: boolean }>)) {
      versions[n] = { deleted: (v.deletion_time ?? '') !== '', destroyed: v.destroyed === true };
    }
    return { current_version: d.current_version, max_versions: d.max_versions, cas_required: d.cas_required, custom_metadata: d.custom_metadata, versions };
  },
  'cubbyhole c3 (canary token)': async (api, token) => ok(await api.call('GET', 'cubbyhole/c3', { token }))?.data,
  [`policy ${CANARY_POLICY}`]: async (api) => ok(await api.call('GET', `sys/policies/acl/${CANARY_POLICY}`))?.data?.policy,
  'canary token lookup-self': async (api, token) => {
    const b = ok(await api.call('GET', 'auth/token/lookup-self', { token }));
    if (b?.unreadable) return b;
    const d = b?.data ?? {};
    return { policies: d.policies, display_name: d.display_name, num_uses: d.num_uses, renewable: d.renewable, live: typeof d.ttl === 'number' && d.ttl > 0 };
  },
};

/** Writes every canary (random values, so a stale copy from elsewhere cannot match). */
export async function writeCanaries(api: Api): Promise<Canaries> {
  const v = (): string => randomBytes(12).toString('hex');
  await api.must('POST', 'canary-kv1/c1', { body: { v: v(), n: 7, nested: { a: [1, 'two', null], b: true } } });
  for (let i = 1; i <= 3; i++) await api.must('POST', 'canary-kv2/data/c2', { body: { data: { v: v(), i } } });
  await api.must('POST', 'canary-kv2/delete/c2', { body: { versions: [2] } });
  await api.must('POST', 'canary-kv2/metadata/c2', { body: { max_versions: 5, custom_metadata: { owner: 'fz', purpose: 'canary' } } });
  await api.must('PUT', `sys/policies/acl/${CANARY_POLICY}`, { body: { policy: POLICY_TEXT } });
  const created = await api.must('POST', 'auth/token/create', { body: { policies: [CANARY_POLICY], ttl: '768h', display_name: 'canary' } });
  const token = created.body?.auth?.client_token as string;
  await api.must('POST', 'cubbyhole/c3', { body: { v: v() }, token });
  return { token, expected: await readCanaries(api, token) };
}

export async function readCanaries(api: Api, token: string): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const [name, read] of Object.entries(READERS)) {
    try {
      out[name] = await read(api, token);
    } catch (e) {
      out[name] = { unreadable: 'no answer', error: (e as Error).message };
    }
  }
  return out;
}

/** One line per canary that differs from what was written. */
export function diffCanaries(expected: Record<string, unknown>, actual: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const [name, want] of Object.entries(expected)) {
    const got = actual[name];
    if (!isDeepStrictEqual(got, want)) out.push(`${name}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
  }
  return out;
}
