/**
 * The chart's auto seals live: `bin/ward server` run as the chart's pod runs it (chart-pod.ts)
 * with the rendered seal stanza, in mode ha-postgresql against a real PostgreSQL (so a restart
 * finds its data). With the static seal (the key from the Secret file the chart mounts) and
 * with the transit seal (another chart pod as the transit server, reached over TLS with the CA
 * from the Secret the chart mounts and the token from the Secret it passes as VAULT_TOKEN):
 * init returns recovery shares and leaves the pod unsealed, the listener serves TLS 1.2+ only,
 * and a restart of the server container comes back unsealed with no unseal call. Neither the
 * key nor the token appears in any output.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startFakeKubeApiServer, type FakeKubeApiServer } from '../../fakes/kube-apiserver/index.js';
import { freePort } from '../../helpers/net.js';
import { startPostgres, type TestPostgres } from '../../helpers/postgres.js';
import { GO, POSTGRES, ROOT, SETPRIV, skipUnless } from '../../helpers/requirement.js';
import { makeCa, type Issued, type TestCa } from '../../helpers/test-ca.js';
import { waitFor } from '../../helpers/wait.js';
import { render } from './chart.js';
import { applyServerRbac, startChartPod, type ChartPod, type PodOptions } from './chart-pod.js';
import { assertTls12Plus } from './tls-check.js';

// any: Vault's JSON bodies are read field by field
type Json = any;

describe("the chart's auto seals, run as the pod runs", { skip: skipUnless(GO, ROOT, SETPRIV, POSTGRES), timeout: 180_000 }, () => {
  const cleanups: (() => unknown)[] = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });
  let env: { k: FakeKubeApiServer; pg: TestPostgres; ca: TestCa; leaf: Issued } | undefined;
  const setup = async () => {
    if (env) return env;
    const [pg, ca, k] = await Promise.all([startPostgres(), makeCa('chart-seal'), startFakeKubeApiServer()]);
    cleanups.push(() => pg.stop(), () => k.close());
    await applyServerRbac(k, render('ha-postgresql').docs);
    // The pods' own loopback IPs, for the transit server reached by address.
    env = { k, pg, ca, leaf: await ca.server('ward', ['127.0.0.4', '127.0.0.5']) };
    return env;
  };
  const ok = async (p: ChartPod, method: string, path: string, body?: unknown, token?: string): Promise<Json> => {
    const r = await p.call(method, path, body, token);
    assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${JSON.stringify(r.json)}\n${p.output()}`);
    return r.json;
  };

  /** Starts `podName` with the rendered seal, inits it, checks TLS, restarts it: it comes back unsealed by itself. */
  async function autoUnsealRoundTrip(o: { set: string[]; podName: string; podIP: string; type: string; pod: Pick<PodOptions, 'files' | 'secrets'>; secret: string }): Promise<void> {
    const { k, pg, ca, leaf } = await setup();
    const r = render('ha-postgresql', { set: ['tls.source=secret', 'tls.secretName=ward-tls', ...o.set] });
    const start = (restart = false): Promise<ChartPod> => startChartPod({ docs: r.docs, k, podName: o.podName, podIP: o.podIP, ca, leaf, restart, ...o.pod, secrets: { 'ward-postgresql': { connection_url: pg.url }, ...o.pod.secrets }, cleanups });
    let p = await start();
    const pods = [p];
    const st = (await p.call('GET', '/v1/sys/seal-status')).json;
    assert.deepEqual([st.type, st.initialized, st.sealed, st.recovery_seal], [o.type, false, true, true], p.output());
    const init = await ok(p, 'PUT', '/v1/sys/init', { recovery_shares: 1, recovery_threshold: 1 });
    assert.equal(init.recovery_keys_base64.length, 1);
    assert.deepEqual(init.keys, []);
    await waitFor('unsealed after init', async () => (await p.call('GET', '/v1/sys/seal-status')).json.sealed === false, { timeoutMs: 30_000, context: p.output });
    await assertTls12Plus(p.ip, p.port, ca, leaf, cleanups);

    await p.ward.kill('SIGTERM');
    p = await start(true);
    pods.push(p);
    await waitFor('unsealed by itself after the restart', async () => (await p.call('GET', '/v1/sys/seal-status')).json.sealed === false, { timeoutMs: 30_000, context: p.output });
    await waitFor('ready', async () => (await p.probe('readinessProbe')) === 200, { timeoutMs: 30_000, context: p.output });
    await assertTls12Plus(p.ip, p.port, ca, leaf, cleanups);
    for (const x of pods) assert.ok(!x.output().includes(o.secret), 'the seal secret appeared in the output');
  }

  it('static: init gives recovery shares, TLS 1.2+ only, a restart comes back unsealed', async () => {
    const key = randomBytes(32).toString('hex');
    await autoUnsealRoundTrip({
      set: ['server.seal.type=static', 'server.seal.static.keySecret.name=ward-seal-key', 'server.seal.static.keyId=test-1'],
      podName: 'ward-0', podIP: '127.0.0.4', type: 'static', secret: key,
      pod: { files: { '/ward/seal': { key } } },
    });
  });

  it('transit: another chart pod is the transit server; init, TLS 1.2+ only, a restart comes back unsealed', async () => {
    const { k, ca, leaf } = await setup();
    // The transit server: a standalone chart pod, Shamir-sealed, with a transit key and a token limited to it.
    const port = await freePort();
    const unsealer = await startChartPod({ docs: render('standalone').docs, k, podName: 'unsealer-0', podIP: '127.0.0.5', port, ca, leaf, cleanups });
    const init = await ok(unsealer, 'PUT', '/v1/sys/init', { secret_shares: 1, secret_threshold: 1 });
    await ok(unsealer, 'PUT', '/v1/sys/unseal', { key: init.keys[0] });
    await waitFor('the transit server active', async () => (await unsealer.get('/v1/sys/health')) === 200, { timeoutMs: 30_000, context: unsealer.output });
    await ok(unsealer, 'POST', '/v1/sys/mounts/transit', { type: 'transit' }, init.root_token);
    await ok(unsealer, 'POST', '/v1/transit/keys/ward-unseal', undefined, init.root_token);
    await ok(unsealer, 'PUT', '/v1/sys/policies/acl/unseal', { policy: 'path "transit/encrypt/ward-unseal" { capabilities = ["update"] }\npath "transit/decrypt/ward-unseal" { capabilities = ["update"] }\n' }, init.root_token);
    const token: string = (await ok(unsealer, 'POST', '/v1/auth/token/create', { policies: ['unseal'], no_parent: true }, init.root_token)).auth.client_token;

    await autoUnsealRoundTrip({
      set: ['server.seal.type=transit', `server.seal.transit.address=https://127.0.0.5:${port}`, 'server.seal.transit.keyName=ward-unseal',
        'server.seal.transit.tokenSecret.name=ward-unseal-token', 'server.seal.transit.caSecret=unsealer-ca',
        'server.postgresql.table=ward_transit', 'server.postgresql.haTable=ward_transit_locks'],
      podName: 'ward-1', podIP: '127.0.0.4', type: 'transit', secret: token,
      pod: { files: { '/ward/seal-tls': { 'ca.crt': ca.certPem } }, secrets: { 'ward-unseal-token': { token } } },
    });
  });
});
