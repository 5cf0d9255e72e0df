/**
 * sys/loggers and sys/monitor over a real socket, with the server's own logger: levels
 * read, changed and reverted at run time (Vault's texts for bad input), and log lines
 * streamed to a monitor as they are written, redacted, until the client goes away.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';
import { createLogger, type ServerLogger } from '../../../src/server/logger.js';
import { waitFor } from '../../helpers/wait.js';

/** Reads a streamed body chunk by chunk into `text`, until aborted. */
function reader(res: Response): { text: () => string; done: Promise<void> } {
  let text = '';
  const dec = new TextDecoder();
  const done = (async () => {
    try {
      for await (const chunk of res.body as AsyncIterable<Uint8Array>) text += dec.decode(chunk, { stream: true });
    } catch {
      // Aborted by the test.
    }
  })();
  return { text: () => text, done };
}

describe('sys/loggers and sys/monitor', () => {
  let s: TestServer;
  let base: ServerLogger;
  const written: string[] = [];
  before(async () => {
    base = createLogger({ level: 'info', sink: { write: (l: string) => written.push(l) } });
    base.child('watchdog');
    s = await startTestServer({ logger: base.child('core'), loggerControl: base.control() });
  });
  after(async () => {
    await s.close();
  });

  it('reads every named logger\'s level', async () => {
    const r = await api(s, 'GET', 'sys/loggers', { token: s.rootToken });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.data, { core: 'info', watchdog: 'info' });
    const one = await api(s, 'GET', 'sys/loggers/core', { token: s.rootToken });
    assert.deepEqual(one.body.data, { core: 'info' });
  });

  it('sets one logger and reverts it; an unknown logger is a 400', async () => {
    assert.equal((await api(s, 'POST', 'sys/loggers/core', { token: s.rootToken, body: { level: 'DEBUG' } })).status, 204);
    assert.deepEqual((await api(s, 'GET', 'sys/loggers', { token: s.rootToken })).body.data, { core: 'debug', watchdog: 'info' });
    const n = written.length;
    base.child('core').debug('now visible');
    assert.equal(written.length, n + 1);
    assert.equal((await api(s, 'DELETE', 'sys/loggers/core', { token: s.rootToken })).status, 204);
    assert.deepEqual((await api(s, 'GET', 'sys/loggers/core', { token: s.rootToken })).body.data, { core: 'info' });
    const bad = await api(s, 'POST', 'sys/loggers/nope', { token: s.rootToken, body: { level: 'debug' } });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body, { errors: ['logger "nope" not found'] });
  });

  it('sets and reverts every logger; bad levels get Vault\'s 400 texts', async () => {
    assert.equal((await api(s, 'POST', 'sys/loggers', { token: s.rootToken, body: { level: 'warn' } })).status, 204);
    assert.deepEqual((await api(s, 'GET', 'sys/loggers', { token: s.rootToken })).body.data, { core: 'warn', watchdog: 'warn' });
    assert.equal((await api(s, 'DELETE', 'sys/loggers', { token: s.rootToken })).status, 204);
    assert.deepEqual((await api(s, 'GET', 'sys/loggers', { token: s.rootToken })).body.data, { core: 'info', watchdog: 'info' });
    const cases: [unknown, string][] = [
      [{}, 'level is required'],
      [{ level: '' }, 'level is empty'],
      [{ level: 'loud' }, 'invalid level provided: unknown log level: loud'],
    ];
    for (const [body, msg] of cases) {
      const r = await api(s, 'POST', 'sys/loggers', { token: s.rootToken, body });
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.deepEqual(r.body, { errors: [msg] });
    }
  });

  it('streams log lines at the monitor\'s level, in the standard format, redacted', async () => {
    const ctl = new AbortController();
    const res = await fetch(`${s.url}/v1/sys/monitor?log_level=debug`, { headers: { 'X-Vault-Token': s.rootToken }, signal: ctl.signal });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    const r = reader(res);
    // The server writes info and above; the monitor still gets this debug line.
    base.child('core').debug('a debug line', { client_token: 'hvs.not-for-monitors', mount: 'secret/' });
    await waitFor('the debug line', () => r.text().includes('a debug line'), { timeoutMs: 5000 });
    assert.match(r.text(), /^\d{4}-\d\d-\d\dT[\d:.]+Z \[DEBUG\] core: a debug line: client_token=\[redacted\] mount=secret\/\n/m);
    assert.ok(!r.text().includes('hvs.not-for-monitors'));
    ctl.abort();
    await r.done;
  });

  it('streams JSON lines with log_format=json and stops tapping once the client goes', async () => {
    const ctl = new AbortController();
    const res = await fetch(`${s.url}/v1/sys/monitor?log_format=json&log_level=warn`, { headers: { 'X-Vault-Token': s.rootToken }, signal: ctl.signal });
    assert.equal(res.status, 200);
    const r = reader(res);
    base.child('core').info('below the monitor level');
    base.child('core').warn('a warning');
    await waitFor('the warning', () => r.text().includes('a warning'), { timeoutMs: 5000 });
    const lines = r.text().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(lines.map((l) => [l['@level'], l['@message'], l['@module']]), [['warn', 'a warning', 'core']]);
    assert.equal(base.control().taps(), 1);
    // While it streams, the monitor's request is in flight, as in Vault.
    const listed = async (): Promise<string[]> =>
      Object.values((await (await fetch(`${s.url}/v1/sys/in-flight-req`, { headers: { 'X-Vault-Token': s.rootToken } })).json()) as Record<string, { request_path: string }>).map((e) => e.request_path);
    assert.deepEqual((await listed()).sort(), ['/v1/sys/in-flight-req', '/v1/sys/monitor']);
    ctl.abort();
    await r.done;
    await waitFor('the monitor to leave the in-flight list', async () => !(await listed()).includes('/v1/sys/monitor'), { timeoutMs: 5000 });
    // The server notices the closed connection and stops feeding the monitor.
    await waitFor('the monitor to stop', () => base.control().taps() === 0, { timeoutMs: 5000 });
  });

  it('refuses an unknown level or format with Vault\'s 400', async () => {
    const lvl = await api(s, 'GET', 'sys/monitor?log_level=loud', { token: s.rootToken });
    assert.equal(lvl.status, 400);
    assert.deepEqual(lvl.body, { errors: ['unknown log level'] });
    const fmt = await api(s, 'GET', 'sys/monitor?log_format=xml', { token: s.rootToken });
    assert.equal(fmt.status, 400);
    assert.deepEqual(fmt.body, { errors: ['unknown log format'] });
    assert.equal((await api(s, 'GET', 'sys/monitor')).status, 403);
  });
});
