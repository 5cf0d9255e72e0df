import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyPlan, type IssueConfig } from './apply.js';
import { plan, type PlanConfig } from './plan.js';
import { caBundle, decodeState, encodeState, issuedBy, usableServing, validity, type CertState } from './state.js';

const H = 3_600_000;
const cfg: PlanConfig & IssueConfig = { hosts: ['injector.ward.svc', '127.0.0.1'], caValidityMs: 30 * 24 * H, servingValidityMs: 24 * H, propagationMs: 60_000 };
const T0 = Date.parse('2026-12-01T00:00:00Z');

async function fresh(now = T0): Promise<CertState> {
  return applyPlan(undefined, plan(undefined, now, cfg), now, cfg);
}

test('with no state, a CA and a serving certificate for the hosts (DNS and IP SANs) signed by it', async () => {
  const p = plan(undefined, T0, cfg);
  assert.deepEqual([p.ca, p.serving], ['new', 'issue']);
  const s = await fresh();
  assert.equal(issuedBy(s.serving.certPem, s.ca.certPem), true);
  assert.deepEqual(s.hosts, cfg.hosts);
  const { X509Certificate } = await import('node:crypto');
  const leaf = new X509Certificate(s.serving.certPem);
  assert.match(leaf.subjectAltName ?? '', /DNS:injector\.ward\.svc/);
  assert.match(leaf.subjectAltName ?? '', /IP Address:127\.0\.0\.1/);
  assert.equal(leaf.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  assert.equal(new X509Certificate(s.ca.certPem).ca, true);
  assert.equal(leaf.ca, false);
  assert.equal(validity(s.serving.certPem)?.notAfter, T0 + 24 * H - (T0 + 24 * H) % 1000);
});

test('the state round-trips through Secret data; an empty or partial Secret decodes to nothing', async () => {
  const s = { ...(await fresh()), previousCaPem: 'PREV', caRotatedAt: T0 };
  assert.deepEqual(decodeState(encodeState(s)), s);
  assert.equal(decodeState(undefined), undefined);
  assert.equal(decodeState({}), undefined);
  const partial = encodeState(s);
  delete partial['tls.key'];
  assert.equal(decodeState(partial), undefined);
});

test('the plan over a certificate lifetime: keep, renew the leaf at 2/3, rotate the CA at 2/3 keeping the old one, switch leaves after propagation, drop the old CA at its expiry', async () => {
  let s = await fresh();
  const step = async (now: number): Promise<ReturnType<typeof plan>> => {
    const p = plan(s, now, cfg);
    s = await applyPlan(s, p, now, cfg);
    return p;
  };
  // Within the first 2/3 of the leaf's day: nothing to do; next check at the leaf's renewal point.
  let p = await step(T0 + 1 * H);
  assert.deepEqual([p.ca, p.serving, p.dropPrevious], ['keep', 'keep', false]);
  assert.ok(Math.abs(p.nextCheckAt - (T0 + 16 * H)) < 2 * 60_000, `next check near 16 h, got ${(p.nextCheckAt - T0) / H} h`);
  const firstLeaf = s.serving.certPem;
  p = await step(T0 + 17 * H);
  assert.deepEqual([p.ca, p.serving], ['keep', 'issue']);
  assert.notEqual(s.serving.certPem, firstLeaf);

  // CA renewal point (20 of 30 days): rotate; the old CA stays in the bundle; the leaf is not switched yet.
  const oldCa = s.ca.certPem;
  const oldLeaf = s.serving.certPem;
  const tRot = T0 + 20 * 24 * H + 1_000;
  // Keep the leaf fresh so only the CA is due.
  s = await applyPlan(s, { ca: 'keep', serving: 'issue', dropPrevious: false, reasons: [], nextCheckAt: 0 }, tRot - 2 * H, cfg);
  const leafBeforeRotation = s.serving.certPem;
  p = await step(tRot);
  assert.deepEqual([p.ca, p.serving], ['rotate', 'keep']);
  assert.notEqual(s.ca.certPem, oldCa);
  assert.equal(s.previousCaPem, oldCa);
  assert.equal(s.caRotatedAt, tRot);
  assert.equal(s.serving.certPem, leafBeforeRotation, 'the served leaf stays until the new bundle has propagated');
  assert.equal(p.nextCheckAt, tRot + cfg.propagationMs);
  assert.deepEqual(caBundle(s), `${s.ca.certPem}${oldCa}`);
  assert.notEqual(oldLeaf, leafBeforeRotation);

  p = await step(tRot + cfg.propagationMs - 1);
  assert.equal(p.serving, 'keep');
  assert.equal(plan(s, tRot + cfg.propagationMs, cfg, { caPublished: false }).serving, 'keep', 'not while the webhook configuration lacks the new CA');
  p = await step(tRot + cfg.propagationMs);
  assert.equal(p.serving, 'issue');
  assert.equal(issuedBy(s.serving.certPem, s.ca.certPem), true, 'now served from the new CA');
  assert.equal(s.previousCaPem, oldCa, 'the old CA is still trusted');

  const oldCaExpiry = validity(oldCa)?.notAfter ?? 0;
  p = await step(oldCaExpiry - 1_000);
  assert.equal(p.dropPrevious, false);
  p = await step(oldCaExpiry);
  assert.equal(p.dropPrevious, true);
  assert.equal(s.previousCaPem, undefined);
  assert.equal(caBundle(s), s.ca.certPem);
});

test('urgent cases issue at once: expired leaf, changed hosts, a leaf from an unknown CA', async () => {
  const s = await fresh();
  assert.equal(plan(s, T0 + 25 * H, cfg).serving, 'issue');
  assert.ok(plan(s, T0 + 25 * H, cfg).reasons.includes('serving certificate expired'));
  assert.equal(plan(s, T0 + H, { ...cfg, hosts: [...cfg.hosts].reverse() }).serving, 'keep', 'the same hosts in another order (another replica\'s flags) are not a change');
  const moved = plan(s, T0 + H, { ...cfg, hosts: ['other.svc'] });
  assert.deepEqual([moved.ca, moved.serving, moved.reasons], ['keep', 'issue', ['hosts changed']]);
  const stranger = await fresh();
  const mixed = { ...s, serving: stranger.serving };
  assert.equal(plan(mixed, T0 + H, cfg).serving, 'issue');
});

test('a leaf whose issuing CA has expired is urgent, even while the new bundle propagates', async () => {
  let s = await fresh();
  const caEnd = validity(s.ca.certPem)?.notAfter ?? 0;
  // Rotated just now (not yet propagated), the leaf still from the old CA, which expires this instant.
  s = await applyPlan(s, { ca: 'rotate', serving: 'keep', dropPrevious: false, reasons: [], nextCheckAt: 0 }, caEnd - 10, cfg);
  const p = plan(s, caEnd, cfg, { caPublished: false });
  assert.equal(p.serving, 'issue');
  assert.ok(p.reasons.includes('issuing CA expired'), p.reasons.join(', '));
});

test('a state whose CA cannot be parsed, or whose CA key is not its own, is replaced; a damaged leaf alone is reissued under the same CA', async () => {
  const s = await fresh();
  const other = await fresh();
  for (const ca of [{ certPem: 'garbage', keyPem: s.ca.keyPem }, { certPem: s.ca.certPem, keyPem: other.ca.keyPem }]) {
    const p = plan({ ...s, ca }, T0, cfg);
    assert.deepEqual([p.ca, p.serving], ['new', 'issue']);
  }
  const p = plan({ ...s, serving: { certPem: s.serving.certPem, keyPem: other.serving.keyPem } }, T0, cfg);
  assert.deepEqual([p.ca, p.serving, p.reasons], ['keep', 'issue', ['serving certificate unusable']]);
});

test('usableServing: only a parseable certificate with its own private key is served', async () => {
  const s = await fresh();
  const other = await fresh();
  assert.equal(usableServing(s), true);
  assert.equal(usableServing({ ...s, serving: { certPem: 'garbage', keyPem: s.serving.keyPem } }), false);
  assert.equal(usableServing({ ...s, serving: { certPem: s.serving.certPem, keyPem: 'garbage' } }), false);
  assert.equal(usableServing({ ...s, serving: { certPem: s.serving.certPem, keyPem: other.serving.keyPem } }), false, 'key of another certificate');
});
