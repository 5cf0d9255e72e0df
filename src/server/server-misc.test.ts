import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createLogger, redactFields } from './logger.js';
import { applyProcessHardening, coreLimit, RootRefusedError } from './hardening.js';
import { silentLogger } from '../sdk/logical.js';
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

describe('hardening', () => {
  const limitsZero = 'Max core file size        0                    0                    bytes\n';
  const limitsOpen = 'Max core file size        unlimited            unlimited            bytes\n';

  it('refuses root unless allowed; dev mode only warns', () => {
    const base = { disableMlock: true, logger: silentLogger, getuid: () => 0, readLimits: () => limitsZero };
    assert.throws(() => applyProcessHardening({ ...base, allowRoot: false, dev: false }), (e: unknown) => e instanceof RootRefusedError && /-allow-root/.test(e.message));
    assert.match(applyProcessHardening({ ...base, allowRoot: true, dev: false }).warnings.join('\n'), /running as root/);
    assert.match(applyProcessHardening({ ...base, allowRoot: false, dev: true }).warnings.join('\n'), /dev mode/);
  });

  it('is honest about mlock and core dumps', () => {
    let limits = limitsOpen;
    let calls = 0;
    const r = applyProcessHardening({
      disableMlock: false, allowRoot: false, dev: false, logger: silentLogger, getuid: () => 1000,
      readLimits: () => limits,
      prlimit: () => {
        calls++;
        limits = limitsZero;
      },
    });
    if (process.platform === 'linux') assert.equal(calls, 1);
    assert.ok(r.warnings.some((w) => /memory is NOT locked/.test(w)));
    assert.ok(!r.warnings.some((w) => /core dumps/.test(w)), 'core dumps verified off');

    const missing = applyProcessHardening({
      disableMlock: true, allowRoot: false, dev: false, logger: silentLogger, getuid: () => 1000,
      readLimits: () => limitsOpen,
      prlimit: () => {
        throw Object.assign(new Error('spawn prlimit ENOENT'), { code: 'ENOENT' });
      },
    });
    if (process.platform === 'linux') assert.match(missing.warnings.join('\n'), /prlimit tool .* not installed/);
    assert.ok(!missing.warnings.some((w) => /memory/.test(w)));
  });

  it('parses /proc limits', () => {
    assert.deepEqual(coreLimit(limitsZero), { soft: '0', hard: '0' });
    assert.equal(coreLimit('nothing'), undefined);
  });
});

describe('signals', () => {
  const script = `
    import { installSignalHandlers } from ${JSON.stringify(fileURLToPath(new URL('./signals.js', import.meta.url)))};
    const logger = { debug() {}, info() {}, warn() {}, error() {} };
    const hang = process.argv.includes('hang');
    installSignalHandlers({
      logger,
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
});
