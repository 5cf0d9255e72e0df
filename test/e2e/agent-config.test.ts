/** Bad agent configurations fail fast with the stanza and `file:line` named. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startAgent, put, tempDir } from './agent-harness.js';

const server = { url: 'http://127.0.0.1:1' };

async function fails(file: string, text: string): Promise<string> {
  const dir = tempDir();
  const cfg = put(dir, file, text);
  const { code, stderr } = await startAgent(server, cfg).exited;
  assert.equal(code, 1, stderr);
  return stderr;
}

test('an unknown stanza is named with file:line', async () => {
  const err = await fails('agent.hcl', 'auto_auth {\n  method "token_file" { config = { token_file_path = "/t" } }\n}\n\ntemplates {\n  destination = "/x"\n}\n');
  assert.match(err, /agent\.hcl:5: unknown stanza or key "templates"/);
});

test('a template without destination names the template stanza and its line', async () => {
  const err = await fails('agent.hcl', 'auto_auth {\n  method "token_file" { config = { token_file_path = "/t" } }\n}\ntemplate {\n  contents = "x"\n}\n');
  assert.match(err, /agent\.hcl:4: template: missing required field "destination"/);
});

test('an approle method without role_id_file_path names auto_auth.method "approle".config', async () => {
  const err = await fails('agent.hcl', 'auto_auth {\n  method "approle" {\n    config = {\n      secret_id_file_path = "/s"\n    }\n  }\n}\n');
  assert.match(err, /agent\.hcl:3: auto_auth\.method "approle"\.config: missing required field "role_id_file_path"/);
});

test('an unknown key inside a sink is located', async () => {
  const err = await fails('agent.hcl', 'auto_auth {\n  method "token_file" { config = { token_file_path = "/t" } }\n  sink "file" {\n    config = { path = "/s" }\n    colour = "blue"\n  }\n}\n');
  assert.match(err, /agent\.hcl:5: auto_auth\.sink "file": unknown key "colour"/);
});

test('HCL syntax errors and invalid JSON carry the line', async () => {
  assert.match(await fails('agent.hcl', 'auto_auth {\n  method "approle" {\n'), /agent\.hcl:\d+:\d+: /);
  assert.match(await fails('agent.json', '{\n  "auto_auth": {\n    "method": [\n  }\n}\n'), /agent\.json:4: invalid JSON/);
});

test('a template syntax error names the template stanza and the template line', async () => {
  const err = await fails('agent.hcl', 'auto_auth {\n  method "token_file" { config = { token_file_path = "/t" } }\n}\n\ntemplate {\n  destination = "/tmp/x"\n  contents = "a\\n{{ if .x }}b"\n}\n');
  assert.match(err, /agent\.hcl:5: template \(contents\): line 2: unexpected EOF: missing \{\{end\}\}/);
});

test('a missing -config is a usage error', async () => {
  const { code, stderr } = await startAgent(server, '').exited;
  assert.equal(code, 1);
  assert.match(stderr, /-config is required|cannot read config file/);
});
