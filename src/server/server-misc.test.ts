import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createLogger, redactFields } from './logger.js';
import { waitFor } from '../../test/helpers/wait.js';

describe('logger', () => {
  it('writes JSON lines with levels and redacts secret-looking fields at any depth', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'info', sink: { write: (l: string) => lines.push(l) }, now: () => new Date(0) });
    log.debug('hidden');
    log.info('login', { user: 'bob', client_token: 'hvs.abc', nested: { password: 'p', ok: 1, list: [{ secret_id: 's' }] }, unseal_key: 'k' });
    log.child('core', { request_id: 'r' }).error('boom', { err: new Error('bad') });
    assert.equal(lines.length, 2);
    const first = JSON.parse(lines[0] ?? '') as Record<string, unknown>;
    assert.equal(first['@level'], 'info');
    assert.equal(first['@message'], 'login');
    assert.equal(first['@timestamp'], '1970-01-01T00:00:00.000Z');
    assert.equal(first['user'], 'bob');
    assert.equal(first['client_token'], '[redacted]');
    assert.equal(first['unseal_key'], '[redacted]');
    assert.deepEqual(first['nested'], { password: '[redacted]', ok: 1, list: [{ secret_id: '[redacted]' }] });
    assert.doesNotMatch(lines.join(''), /hvs\.abc|"p"|"s"/);
    const second = JSON.parse(lines[1] ?? '') as Record<string, unknown>;
    assert.equal(second['@module'], 'core');
    assert.equal(second['request_id'], 'r');
    assert.deepEqual(second['err'], { error: 'bad', name: 'Error' });
  });

  it('shortens long strings, so one request quoting a megabyte cannot write a megabyte line', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'info', sink: { write: (l: string) => lines.push(l) } });
    const huge = 'g*'.repeat(500_000);
    log.error('request failed', { error: `Invalid regular expression: /${huge}/: too large`, path: 'auth/token/create/r', err: new Error(huge) });
    assert.equal(lines.length, 1);
    assert.ok((lines[0] ?? '').length < 10_000, `line of ${(lines[0] ?? '').length} characters`);
    const line = JSON.parse(lines[0] ?? '') as Record<string, unknown>;
    assert.match(String(line['error']), /^Invalid regular expression: \/g\*g\*.*… \[1000041 characters\]$/);
    assert.equal(line['path'], 'auth/token/create/r');
  });

  it('accepts a level name and never throws on odd input', () => {
    const lines: string[] = [];
    const log = createLogger('warn');
    assert.equal(log.level, 'warn');
    const a: Record<string, unknown> = {};
    a['self'] = a;
    const l2 = createLogger({ sink: { write: (l: string) => lines.push(l) } });
    l2.info('cyclic', { a, n: 10n });
    assert.equal(lines.length, 1);
    assert.deepEqual(redactFields({ Authorization: 'Bearer x', path: 'p' }), { Authorization: '[redacted]', path: 'p' });
  });
});

describe('signals', () => {
  const script = `
    import { installSignalHandlers } from ${JSON.stringify(fileURLToPath(new URL('./signals.js', import.meta.url)))};
    const logger = { debug() {}, info() {}, warn() {}, error(m) { process.stdout.write(m + '\\n'); } };
    const hang = process.argv.includes('hang');
    const grace = process.argv.find((a) => a.startsWith('grace='));
    installSignalHandlers({
      logger,
      ...(grace ? { graceMs: Number(grace.slice(6)) } : {}),
      onShutdown: async () => { process.stdout.write('shutdown\\n'); if (hang) await new Promise(() => {}); },
      onReload: async () => { process.stdout.write('reload\\n'); },
    });
    setInterval(() => {}, 1000);
    process.stdout.write('ready\\n');
  `;

  function run(args: string[], steps: (child: ReturnType<typeof spawn>, out: () => string) => Promise<void>): Promise<{ code: number | null; out: string }> {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script, '--', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    return new Promise((resolve, reject) => {
      child.on('exit', (code) => resolve({ code, out }));
      child.on('error', reject);
      waitFor('the child to be ready', () => out.includes('ready'), { intervalMs: 10 })
        .then(() => steps(child, () => out))
        .catch(reject);
    });
  }
  const until = (what: string, f: () => boolean): Promise<boolean> => waitFor(what, f, { intervalMs: 10 });

  it('SIGHUP reloads, SIGTERM shuts down cleanly with exit 0', async () => {
    const r = await run([], async (child, out) => {
      child.kill('SIGHUP');
      await until('the reload', () => out().includes('reload'));
      child.kill('SIGTERM');
    });
    assert.equal(r.code, 0);
    assert.match(r.out, /reload[\s\S]*shutdown/);
  });

  it('a second signal forces exit during a stuck shutdown', async () => {
    const r = await run(['hang'], async (child, out) => {
      child.kill('SIGINT');
      await until('the shutdown to start', () => out().includes('shutdown'));
      child.kill('SIGTERM');
    });
    assert.equal(r.code, 130);
  });

  it('a shutdown stuck past its grace period exits 1 with a log line', async () => {
    const r = await run(['hang', 'grace=300'], async (child) => {
      child.kill('SIGTERM');
    });
    assert.equal(r.code, 1);
    assert.match(r.out, /shutdown[\s\S]*shutdown did not complete within 0.3s; exiting/);
  });
});
