import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as https from 'node:https';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { freePort } from '../../helpers/net.js';
import { REPO_ROOT } from '../../helpers/process.js';
import { waitFor } from '../../helpers/wait.js';

// What `npm run kube-fake -- --port N --kubeconfig PATH` runs once the build is done.
const MAIN = join(REPO_ROOT, 'dist', 'test', 'fakes', 'kube-apiserver', 'main.js');

describe('fake cluster: standalone (npm run kube-fake)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kube-fake-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('serves HTTPS on the port, writes a kubeconfig client-node loads, and stops on SIGTERM', async () => {
    const port = await freePort();
    const path = join(dir, 'kubeconfig');
    const child = spawn(process.execPath, [MAIN, '--port', String(port), '--kubeconfig', path], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await waitFor('kubeconfig written', () => existsSync(path) && /listening/.test(output), { context: () => output });
      assert.equal(statSync(path).mode & 0o077, 0);
      const kc = new KubeConfig();
      kc.loadFromFile(path);
      assert.equal(kc.getCurrentCluster()?.server, `https://127.0.0.1:${port}`);
      const core = kc.makeApiClient(CoreV1Api);
      await core.createNamespace({ body: { metadata: { name: 'standalone' } } });
      const names = (await core.listNamespace()).items.map((n) => n.metadata?.name);
      assert.ok(names.includes('standalone') && names.includes('default') && names.includes('kube-system'), String(names));
      assert.doesNotMatch(output, new RegExp(kc.getCurrentUser()?.token ?? 'no-token'));
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0);
  });

  it('--self-issuer: the service-account issuer is the server URL and its discovery document says so', async () => {
    const port = await freePort();
    const path = join(dir, 'kubeconfig-issuer');
    const child = spawn(process.execPath, [MAIN, '--port', String(port), '--kubeconfig', path, '--self-issuer'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await waitFor('kubeconfig written', () => existsSync(path) && /listening/.test(output), { context: () => output });
      const url = `https://127.0.0.1:${port}`;
      assert.match(output, new RegExp(`service-account issuer ${url};`));
      const kc = new KubeConfig();
      kc.loadFromFile(path);
      const ca = Buffer.from(kc.getCurrentCluster()?.caData ?? '', 'base64').toString();
      const doc = await new Promise<Record<string, unknown>>((resolve, reject) => {
        https.get(`${url}/.well-known/openid-configuration`, { ca }, (res) => {
          let text = '';
          res.setEncoding('utf8').on('data', (c: string) => (text += c)).on('end', () => resolve(JSON.parse(text) as Record<string, unknown>));
        }).on('error', reject);
      });
      assert.equal(doc['issuer'], url);
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0);
  });

  it('refuses bad arguments with a usage message and exit code 2', async () => {
    const child = spawn(process.execPath, [MAIN, '--port', 'nope'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 2);
    assert.match(err, /--port/);
  });
});
