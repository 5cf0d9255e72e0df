#!/usr/bin/env node
// Injector admission latency: `ward k8s injector` as a real process with cert files, and
// a node HTTPS keep-alive client sending AdmissionReviews for a typical annotated pod
// (two secrets, a custom template, revoke-on-shutdown) from 50 concurrent workers.
// Reports p50/p90/p99/max and throughput; the goal is p99 <= 20 ms.
// Usage: npm run build && node bench/injector.mjs [--duration 10 --concurrency 50 --native]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, freePort, option } from './lib.mjs';
import { makeCa } from '../dist/test/helpers/test-ca.js';

const DURATION = Number(option('duration', 10));
const CONCURRENCY = Number(option('concurrency', 50));
const NATIVE = process.argv.includes('--native');

const dir = mkdtempSync(join(tmpdir(), 'bench-injector-'));
const ca = await makeCa('bench-ca', 'ec');
const cert = await ca.server('injector');
writeFileSync(join(dir, 'tls.crt'), cert.certPem);
writeFileSync(join(dir, 'tls.key'), cert.keyPem);
const port = await freePort();
const child = spawn(process.execPath, [join(ROOT, 'bin/ward'), 'k8s', 'injector', `-listen=127.0.0.1:${port}`, `-tls-cert-file=${join(dir, 'tls.crt')}`, `-tls-key-file=${join(dir, 'tls.key')}`, '-log-level=warn'], {
  stdio: ['ignore', 'ignore', 'inherit'],
  env: { ...process.env, AGENT_INJECT_VAULT_ADDR: 'https://ward.ward.svc:8200', AGENT_INJECT_NATIVE_SIDECARS: String(NATIVE), KUBERNETES_SERVICE_HOST: '' },
});

const A = 'vault.hashicorp.com/';
const pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    generateName: 'web-7c9d-',
    labels: { app: 'web', 'pod-template-hash': '7c9d' },
    annotations: {
      [`${A}agent-inject`]: 'true',
      [`${A}role`]: 'web',
      [`${A}agent-inject-secret-db`]: 'database/creds/web',
      [`${A}agent-inject-template-db`]: '{{ with secret "database/creds/web" }}postgres://{{ .Data.username }}:{{ .Data.password }}@db:5432/app{{ end }}',
      [`${A}agent-inject-secret-config`]: 'secret/data/web/config',
      [`${A}agent-revoke-on-shutdown`]: 'true',
    },
  },
  spec: {
    serviceAccountName: 'web',
    containers: [{ name: 'web', image: 'registry.example/web:1.4', command: ['/web'], ports: [{ containerPort: 8080 }], volumeMounts: [{ name: 'kube-api-access-x', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true }] }],
    volumes: [{ name: 'kube-api-access-x', projected: { sources: [{ serviceAccountToken: { path: 'token', expirationSeconds: 3607 } }] } }],
  },
};
const body = (uid) => JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid, kind: { group: '', version: 'v1', kind: 'Pod' }, resource: { group: '', version: 'v1', resource: 'pods' }, namespace: 'apps', operation: 'CREATE', object: pod } });

const agent = new Agent({ ca: ca.certPem, keepAlive: true, maxSockets: CONCURRENCY });
function review(uid) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/mutate', agent, headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => {
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        if (res.statusCode !== 200 || !JSON.parse(text).response?.patch) return reject(new Error(`bad answer ${res.statusCode}: ${text.slice(0, 200)}`));
        resolve(ms);
      });
    });
    req.on('error', reject);
    req.end(body(uid));
  });
}

// CPU time of the injector process (user + system, in ms) from /proc: independent of how
// busy the rest of the machine is, unlike the latencies on a shared host.
function cpuMs() {
  try {
    const f = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // clock ticks, USER_HZ = 100
  } catch {
    return NaN;
  }
}

async function run(seconds) {
  const lat = [];
  const end = Date.now() + seconds * 1000;
  let n = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (Date.now() < end) lat.push(await review(`uid-${n++}`));
  }));
  return lat.sort((a, b) => a - b);
}

try {
  for (let i = 0; i < 100; i++) {
    try {
      await review('probe');
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  await run(2); // warm-up: TLS sessions, JIT
  const cpu0 = cpuMs();
  const lat = await run(DURATION);
  const cpu = cpuMs() - cpu0;
  const q = (p) => lat[Math.min(lat.length - 1, Math.floor((p / 100) * lat.length))].toFixed(2);
  console.log(`Injector admission latency: ${CONCURRENCY} concurrent reviews, ${DURATION}s, native sidecars ${NATIVE ? 'on' : 'off'}`);
  console.log(`reviews ${lat.length}  (${(lat.length / DURATION).toFixed(0)}/s)`);
  console.log(`injector CPU per review ${(cpu / lat.length).toFixed(3)} ms (${(lat.length / (cpu / 1000)).toFixed(0)} reviews per CPU-second); load average ${readFileSync('/proc/loadavg', 'utf8').split(' ')[0]}`);
  console.log(`p50 ${q(50)} ms   p90 ${q(90)} ms   p99 ${q(99)} ms   max ${lat[lat.length - 1].toFixed(2)} ms   (goal p99 <= 20 ms)`);
} finally {
  agent.destroy();
  child.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
