/**
 * The agent stops on SIGTERM and SIGINT whatever it is doing (finding 10 of issue 14):
 * retrying a template the policy denies, waiting on a server that never answers,
 * retrying a login, in exit_after_auth mode and long-running. Vault Agent exits 0 when a
 * signal stops it, and so does Ward's. Each test waits for the exit with a generous
 * deadline: the bug was an agent that kept going until its retries ran out (minutes).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { api, startTestServer, type TestServer } from '../helpers/server.js';
import { put, startAgent, tempDir, tryRead, waitFor, type AgentProcess } from './agent-harness.js';

/** Longer than any graceful stop should take, far shorter than the retries the bug waited for. */
const EXIT_DEADLINE_MS = 20_000;

/** Resolves with the exit code, or fails the test (killing the agent) when it is still running at the deadline. */
async function exitCode(agent: AgentProcess): Promise<number> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), EXIT_DEADLINE_MS)));
  const r = await Promise.race([agent.exited, late]);
  clearTimeout(timer);
  if (r === 'late') {
    agent.child.kill('SIGKILL');
    assert.fail(`the agent ignored the signal: still running ${EXIT_DEADLINE_MS} ms later\nagent log:\n${agent.log()}`);
  }
  return r.code;
}

/** A token whose only policy reads secret/allowed/*: every other secret is denied. */
async function narrowToken(server: TestServer): Promise<string> {
  await api(server, 'PUT', 'sys/policies/acl/narrow', { token: server.rootToken, body: { policy: 'path "secret/data/allowed/*" { capabilities = ["read"] }' } });
  const t = await api(server, 'POST', 'auth/token/create', { token: server.rootToken, body: { policies: ['narrow'], ttl: '1h' } });
  assert.equal(t.status, 200, JSON.stringify(t.body));
  return t.body.auth.client_token as string;
}

/** Agent config: token_file auto-auth with default-ish backoff, one template (plus `templateExtra` lines). */
function config(dir: string, o: { exitAfterAuth: boolean; template: string; out: string; templateExtra?: string }): string {
  return put(dir, 'agent.hcl', `
exit_after_auth = ${o.exitAfterAuth}
auto_auth {
  method {
    type = "token_file"
    min_backoff = "1s"
    max_backoff = "5m"
    config { token_file_path = "${join(dir, 'token')}" }
  }
}
template {
  contents    = ${JSON.stringify(o.template)}
  destination = "${o.out}"
  ${o.templateExtra ?? ''}
}
`);
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`exit_after_auth: ${signal} while retrying a denied template → exits 0 without rendering`, { timeout: 60_000 }, async (t) => {
    const server = await startTestServer();
    t.after(() => server.close());
    await api(server, 'PUT', 'secret/data/forbidden', { token: server.rootToken, body: { data: { v: 'x' } } });
    const dir = tempDir();
    put(dir, 'token', await narrowToken(server));
    const out = join(dir, 'out.txt');
    const agent = startAgent(server, config(dir, { exitAfterAuth: true, template: '{{ with secret "secret/forbidden" }}{{ .Data.data.v }}{{ end }}', out }));
    t.after(() => agent.child.kill('SIGKILL'));
    await waitFor('a template retry', () => /template .*permission denied.*retry 2/.test(agent.log()), 20_000, agent);
    agent.child.kill(signal);
    assert.equal(await exitCode(agent), 0, agent.log());
    assert.match(agent.log(), /shutting down/);
    assert.equal(tryRead(out), undefined, 'nothing rendered');
  });
}

test('long-running: SIGTERM while retrying a denied template → exits 0', { timeout: 60_000 }, async (t) => {
  const server = await startTestServer();
  t.after(() => server.close());
  const dir = tempDir();
  put(dir, 'token', await narrowToken(server));
  const agent = startAgent(server, config(dir, { exitAfterAuth: false, template: '{{ with secret "secret/forbidden" }}{{ .Data.data.v }}{{ end }}', out: join(dir, 'out.txt') }));
  t.after(() => agent.child.kill('SIGKILL'));
  await waitFor('a template retry', () => /template .*retry 2/.test(agent.log()), 20_000, agent);
  agent.child.kill('SIGTERM');
  assert.equal(await exitCode(agent), 0, agent.log());
});

for (const exitAfterAuth of [true, false]) {
  test(`${exitAfterAuth ? 'exit_after_auth' : 'long-running'}: SIGTERM while retrying a failing login → exits 0`, { timeout: 60_000 }, async (t) => {
    const server = await startTestServer();
    t.after(() => server.close());
    const dir = tempDir();
    put(dir, 'token', 'hvs.not-a-real-token');
    const agent = startAgent(server, config(dir, { exitAfterAuth, template: 'static', out: join(dir, 'out.txt') }));
    t.after(() => agent.child.kill('SIGKILL'));
    await waitFor('a second login failure', () => (agent.log().match(/authentication failed/g) ?? []).length >= 2, 20_000, agent);
    agent.child.kill('SIGTERM');
    assert.equal(await exitCode(agent), 0, agent.log());
  });
}

/**
 * A server that answers the token self-lookup (so auto-auth succeeds) and never answers
 * anything else: the template's first request hangs for as long as the client waits.
 */
async function hangingServer(t: { after(fn: () => unknown): void }): Promise<{ url: string; hung: () => number }> {
  let hung = 0;
  const held: ServerResponse[] = [];
  const srv = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.url === '/v1/auth/token/lookup-self') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ data: { ttl: 3600, renewable: false, policies: ['default'] } }));
      return;
    }
    hung++;
    held.push(res);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  t.after(() => {
    srv.closeAllConnections();
    srv.close();
  });
  return { url: `http://127.0.0.1:${(srv.address() as { port: number }).port}`, hung: () => hung };
}

for (const exitAfterAuth of [true, false]) {
  test(`${exitAfterAuth ? 'exit_after_auth' : 'long-running'}: SIGTERM while a template request hangs → exits 0`, { timeout: 60_000 }, async (t) => {
    const upstream = await hangingServer(t);
    const dir = tempDir();
    put(dir, 'token', 'hvs.any');
    const agent = startAgent(upstream, config(dir, { exitAfterAuth, template: '{{ with secret "secret/app" }}{{ .Data.data.v }}{{ end }}', out: join(dir, 'out.txt') }));
    t.after(() => agent.child.kill('SIGKILL'));
    await waitFor('the template request to the server', () => upstream.hung() > 0, 20_000, agent);
    agent.child.kill('SIGTERM');
    assert.equal(await exitCode(agent), 0, agent.log());
  });
}

/** Polls until process `pid` is gone (or fails at the deadline). */
async function gone(pid: number): Promise<void> {
  await waitFor(`process ${pid} to end`, () => {
    try {
      process.kill(pid, 0);
      return false;
    } catch {
      return true;
    }
  }, EXIT_DEADLINE_MS);
}

/**
 * A long-running agent whose template's command runs `setup`, records its pid and then runs
 * `tail` (for ever, unless killed). The pid file is the test's signal that the command is
 * ready, so whatever must hold when the agent is signalled (a trap) goes in `setup`.
 */
async function agentRunningCommand(t: { after(fn: () => unknown): void }, tail: string, setup = ''): Promise<{ agent: AgentProcess; pid: number }> {
  const server = await startTestServer();
  t.after(() => server.close());
  await api(server, 'PUT', 'secret/data/allowed/app', { token: server.rootToken, body: { data: { v: 'ok' } } });
  const dir = tempDir();
  put(dir, 'token', await narrowToken(server));
  const pidFile = join(dir, 'command.pid');
  // The command outlives the test unless killed: it records its pid (exec keeps it) for cleanup.
  const templateExtra = `command_timeout = "10m"\n  command = "${setup}echo $$ > ${pidFile}; ${tail}"`;
  const agent = startAgent(server, config(dir, { exitAfterAuth: false, template: '{{ with secret "secret/allowed/app" }}{{ .Data.data.v }}{{ end }}', out: join(dir, 'out.txt'), templateExtra }));
  t.after(() => agent.child.kill('SIGKILL'));
  const pid = Number(await waitFor('the template command to start', () => tryRead(pidFile)?.trim() || undefined, 20_000, agent));
  t.after(() => {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  });
  return { agent, pid };
}

test('long-running: SIGTERM while a template command runs → the command is stopped and the agent exits 0', { timeout: 60_000 }, async (t) => {
  const { agent, pid } = await agentRunningCommand(t, 'exec sleep 600');
  agent.child.kill('SIGTERM');
  assert.equal(await exitCode(agent), 0, agent.log());
  await gone(pid);
});

test('a command that ignores SIGTERM cannot hold the agent past its grace period (exit 1); a second signal forces exit 130', { timeout: 90_000 }, async (t) => {
  // The trap is set before the pid is written: written first, a SIGTERM sent as soon as the
  // test saw the pid could reach the shell before the trap and end it (exit 0, not 1).
  const first = await agentRunningCommand(t, 'exec sleep 600', "trap '' TERM; ");
  first.agent.child.kill('SIGTERM');
  assert.equal(await exitCode(first.agent), 1, first.agent.log());
  assert.match(first.agent.log(), /did not stop within \d+s of SIGTERM; exiting/);

  const second = await agentRunningCommand(t, 'exec sleep 600', "trap '' TERM; ");
  second.agent.child.kill('SIGTERM');
  await waitFor('the stop to begin', () => /shutting down/.test(second.agent.log()), 10_000, second.agent);
  second.agent.child.kill('SIGINT');
  assert.equal(await exitCode(second.agent), 130, second.agent.log());
});
