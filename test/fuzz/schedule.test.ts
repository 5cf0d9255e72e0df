/**
 * The fuzzer's plan without a server: the catalogue really is read from every mounted
 * backend's table, generated paths reach the rows they were built from, the same seed
 * gives the same bytes, the guard keeps the run's own state alive, and a 3,000-request
 * plan contains the inputs behind issue 14's findings 1, 3, 5 and 6.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RAW_PATHS } from '../../src/http/sys-raw.js';
import { buildCatalogue, RAW_TABLE, type Target } from './catalogue.js';
import { concretePath } from './build.js';
import { guard } from './guard.js';
import { CANARY_MOUNTS, fuzzMounts, routedPrefix } from './mount-plan.js';
import { Rng } from './prng.js';
import { serialize, type FuzzRequest } from './request.js';
import { GENERATORS, Schedule, sealedWindows } from './schedule.js';
import { FUZZ_TEST_SEED, KNOWN_FINDINGS, planCovers } from './known-findings.js';

const TOKENS = { root: 'ROOT', default: 'DEFAULT' };

let targets: Target[];
before(async () => {
  targets = await buildCatalogue();
});

describe('catalogue', () => {
  it('has every fuzz mount, sys, the token store, cubbyhole and secret/, and no canary mount', () => {
    const mounts = new Set(targets.map((t) => t.mount));
    for (const m of fuzzMounts()) assert.ok(mounts.has(routedPrefix(m)), `missing ${routedPrefix(m)}`);
    for (const m of ['sys/', 'auth/token/', 'cubbyhole/', 'secret/']) assert.ok(mounts.has(m), `missing ${m}`);
    for (const m of CANARY_MOUNTS) assert.ok(!mounts.has(routedPrefix(m)), `canary ${routedPrefix(m)} must not be a target`);
    assert.ok(targets.length > 150, `only ${targets.length} targets`);
  });

  it('describes exactly the raw sys endpoints the HTTP layer answers', () => {
    assert.deepEqual(Object.keys(RAW_TABLE).sort(), [...RAW_PATHS].sort());
    assert.equal(targets.filter((t) => t.raw).length, RAW_PATHS.size);
  });

  it('builds paths that match the pattern they came from', () => {
    for (const t of targets) {
      const re = new RegExp(`^(?:${t.pattern})$`);
      for (let s = 0; s < 8; s++) {
        const p = concretePath(t, new Rng(s)).path;
        assert.ok(p.startsWith(t.mount), `${p} is not under ${t.mount}`);
        assert.match(p.slice(t.mount.length), re, `${t.id} built ${JSON.stringify(p)}`);
      }
    }
  });
});

describe('schedule', () => {
  it('gives the same bytes for the same seed, and different ones for another seed', () => {
    const bytes = (seed: number): string[] => {
      const s = new Schedule(seed, 1500, targets);
      return Array.from({ length: 1500 }, (_, i) => serialize(s.requestAt(i), 'h:1', TOKENS).toString('base64'));
    };
    const a = bytes(7);
    assert.deepEqual(bytes(7), a);
    const b = bytes(8);
    assert.ok(a.filter((x, i) => x === b[i]).length < 50, 'another seed gives another sequence');
  });

  it('rebuilds request #i on its own (replay) exactly as in the full sequence', () => {
    const full = new Schedule(3, 800, targets);
    const seq = Array.from({ length: 800 }, (_, i) => serialize(full.requestAt(i), 'h:1', TOKENS));
    const fresh = new Schedule(3, 800, targets);
    for (const i of [799, 0, 400, 123]) assert.ok(fresh.requestAt(i).index === i && serialize(fresh.requestAt(i), 'h:1', TOKENS).equals(seq[i]!));
  });

  it('uses every generator, most targets, and seals a few times', () => {
    const s = new Schedule(FUZZ_TEST_SEED, 3000, targets);
    const reqs = Array.from({ length: 3000 }, (_, i) => s.requestAt(i));
    for (const g of GENERATORS) assert.ok(reqs.some((r) => r.generator === g.name), `generator ${g.name} never ran`);
    const hit = new Set(reqs.map((r) => r.targetId));
    assert.ok(hit.size >= targets.length * 0.95, `only ${hit.size} of ${targets.length} targets addressed`);
    assert.ok(reqs.some((r) => r.method === 'LIST') && reqs.some((r) => r.method === 'CONNECT'));
    assert.equal(sealedWindows(FUZZ_TEST_SEED, 3000).length, 3);
    assert.ok(reqs.filter((_, i) => s.sealedAt(i)).length >= 60);
  });

  it("contains the inputs of issue 14's findings 1, 3, 5 and 6", () => {
    const s = new Schedule(FUZZ_TEST_SEED, 3000, targets);
    const reqs = Array.from({ length: 3000 }, (_, i) => s.requestAt(i));
    const covered = planCovers(reqs);
    for (const [finding, index] of Object.entries(covered)) assert.notEqual(index, -1, `finding ${finding} has no request in the plan`);
  });

  it("puts those inputs at fixed indexes (0, 1, …), whatever the mounts and the seed", () => {
    // Adding or removing a mount reshuffles the random draw; the pinned requests must not move.
    const renamed = (t: Target): Target => ({ ...t, id: t.id.replace(/^kv1\//, 'kv9/'), mount: 'kv9/' });
    const sets: Record<string, Target[]> = {
      'every mount': targets,
      'without transit/ and kv1/': targets.filter((t) => t.mount !== 'transit/' && t.mount !== 'kv1/'),
      'with an extra mount kv9/': [...targets.filter((t) => t.mount === 'kv1/').map(renamed), ...targets],
    };
    const names = Object.keys(KNOWN_FINDINGS);
    for (const [what, set] of Object.entries(sets)) {
      for (const seed of [FUZZ_TEST_SEED, 99]) {
        const s = new Schedule(seed, 3000, set);
        names.forEach((name, i) => {
          const r = s.requestAt(i);
          assert.ok(KNOWN_FINDINGS[name]!.matches(r), `${what}, seed ${seed}: request #${i} (${r.generator} ${r.method} ${r.target.slice(0, 80)} ${r.note.slice(0, 80)}) is not finding ${name}`);
          assert.equal(s.sealedAt(i), false, `${what}, seed ${seed}: #${i} is sent sealed`);
          // Replay rebuilds the pinned request byte for byte.
          assert.ok(serialize(new Schedule(seed, 3000, set).requestAt(i), 'h:1', TOKENS).equals(serialize(r, 'h:1', TOKENS)));
        });
      }
    }
  });

  it('pins nothing for a finding whose generator a custom plan leaves out', () => {
    const s = new Schedule(FUZZ_TEST_SEED, 100, targets, GENERATORS.filter((g) => g.name !== 'nesting'));
    const names = Object.keys(KNOWN_FINDINGS);
    names.forEach((name, i) => assert.equal(KNOWN_FINDINGS[name]!.matches(s.requestAt(i)), KNOWN_FINDINGS[name]!.generator !== 'nesting', `#${i}`));
  });

  it('pins only what fits in a short run', () => {
    const s = new Schedule(FUZZ_TEST_SEED, 2, targets);
    assert.ok(KNOWN_FINDINGS[Object.keys(KNOWN_FINDINGS)[1]!]!.matches(s.requestAt(1)));
    assert.throws(() => s.requestAt(2), RangeError);
  });
});

describe('guard', () => {
  const r = (method: string, target: string, token: FuzzRequest['token']['kind'] = 'root', body = ''): FuzzRequest => ({
    index: 0,
    generator: 't',
    note: '',
    method,
    target,
    token: { kind: token, header: 'x-vault-token' },
    headers: [],
    body: body ? Buffer.from(body) : null,
    mount: null,
    object: null,
    targetId: null,
  });

  it('keeps root off what would end the run, and leaves the rest alone', () => {
    assert.equal(guard(r('POST', '/v1/auth/token/revoke-self')).token.kind, 'none');
    assert.equal(guard(r('POST', '/v1/auth/token/revoke-self', 'default')).token.kind, 'none');
    assert.equal(guard(r('PUT', '/v1/sys/seal')).token.kind, 'default');
    assert.equal(guard(r('DELETE', '/v1/sys/mounts/kv2')).token.kind, 'default');
    assert.equal(guard(r('DELETE', '/v1/sys/auth/approle/')).token.kind, 'default');
    assert.equal(guard(r('DELETE', '/v1/sys/mounts/fz-new')).token.kind, 'root');
    assert.equal(guard(r('POST', '/v1/sys/mounts/kv2/tune')).token.kind, 'root');
    assert.equal(guard(r('PUT', '/v1/sys/leases/revoke-prefix/auth/token')).token.kind, 'default');
    assert.equal(guard(r('PUT', '/v1/sys/revoke-prefix/database/creds/fz')).token.kind, 'root');
    assert.equal(guard(r('PUT', '/v1/sys/policies/acl/default')).token.kind, 'default');
    assert.equal(guard(r('PUT', '/v1/sys/audit/fz-audit')).token.kind, 'default');
    assert.equal(guard(r('PUT', '/v1/sys/audit/x', 'root', '{"options":{"file_path":"/etc/x"}}')).token.kind, 'default');
    assert.equal(guard(r('PUT', '/v1/sys/audit/x', 'root', '{"options":{"file_path":"discard"}}')).token.kind, 'root');
    assert.equal(guard(r('PUT', '/v1/sys/quotas/rate-limit/fz')).token.kind, 'default');
    assert.equal(guard(r('POST', '/v1/sys/quotas/lease-count/fz')).token.kind, 'default');
    assert.equal(guard(r('PUT', '/v1/sys/quotas/config')).token.kind, 'root');
    assert.equal(guard(r('GET', '/v1/sys/mounts/kv2')).token.kind, 'root');
    assert.equal(guard(r('POST', '/v1/kv1/../canary-kv1/c1')).token.kind, 'root', 'traversal is sent as generated: a changed canary is a finding');
  });
});
