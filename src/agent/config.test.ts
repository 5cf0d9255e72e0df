import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AgentConfigError, parseAgentConfig } from './config.js';

const HCL = `
pid_file = "/tmp/pid"
vault {
  address = "https://ward.example:8200"
  ca_cert = "/ca.pem"
  retry { num_retries = 5 }
}
auto_auth {
  method "approle" {
    mount_path = "auth/apps"
    min_backoff = "2s"
    config = {
      role_id_file_path = "/r"
      secret_id_file_path = "/s"
      secret_id_response_wrapping_path = "auth/apps/role/web/secret-id"
    }
  }
  sink "file" {
    wrap_ttl = "5m"
    config = { path = "/sink" mode = 0600 }
  }
}
cache {}
api_proxy { use_auto_auth_token = "force" }
listener "tcp" {
  address = "127.0.0.1:8100"
  tls_disable = true
  require_request_header = true
}
template_config {
  exit_on_retry_failure = true
  static_secret_render_interval = "30s"
}
template {
  source = "/t.tpl"
  destination = "/out"
  perms = "0400"
  command = "kill -HUP 1"
  left_delimiter = "[["
  right_delimiter = "]]"
}
telemetry { disable_hostname = true }
`;

test('a full HCL configuration', () => {
  const c = parseAgentConfig(HCL, 'agent.hcl');
  assert.equal(c.vault.address, 'https://ward.example:8200');
  assert.equal(c.vault.numRetries, 5);
  const m = c.autoAuth?.method;
  assert.equal(m?.mountPath, 'apps');
  assert.equal(m?.minBackoffMs, 2000);
  assert.equal(m?.maxBackoffMs, 300_000);
  assert.deepEqual(m?.params, { type: 'approle', roleIdFilePath: '/r', secretIdFilePath: '/s', removeSecretIdFileAfterReading: true, secretIdResponseWrappingPath: 'auth/apps/role/web/secret-id' });
  assert.deepEqual(c.autoAuth?.sinks.map((s) => [s.path, s.mode, s.wrapTtl]), [['/sink', 0o600, '5m']]);
  assert.equal(c.cache, true);
  assert.equal(c.useAutoAuthToken, 'force');
  assert.deepEqual(c.listeners.map((l) => [l.type, l.address, l.requireRequestHeader]), [['tcp', '127.0.0.1:8100', true]]);
  assert.equal(c.exitOnRetryFailure, true);
  assert.equal(c.staticSecretRenderIntervalMs, 30_000);
  const t = c.templates[0];
  assert.equal(t?.perms, 0o400);
  assert.equal(t?.leftDelimiter, '[[');
  assert.equal(t?.command, 'kill -HUP 1');
  assert.equal(t?.where, 'agent.hcl:34');
  assert.equal(c.pidFile, '/tmp/pid');
});

test('the injector-style JSON form (sink array under auto_auth, string use_auto_auth_token)', () => {
  const c = parseAgentConfig(JSON.stringify({
    auto_auth: {
      method: { type: 'kubernetes', mount_path: 'auth/kubernetes', config: { role: 'app', token_path: '/var/run/token' } },
      sink: [{ type: 'file', config: { path: '/home/vault/.vault-token' } }],
    },
    exit_after_auth: true,
    cache: { use_auto_auth_token: 'true' },
    listener: [{ type: 'tcp', address: '127.0.0.1:8200', tls_disable: true }],
    template: [{ destination: '/vault/secrets/db', contents: '{{ with secret "secret/db" }}{{ end }}', left_delimiter: '{{', right_delimiter: '}}' }],
    template_config: { exit_on_retry_failure: true },
  }), 'config.json');
  assert.deepEqual(c.autoAuth?.method.params, { type: 'kubernetes', role: 'app', tokenPath: '/var/run/token' });
  assert.equal(c.autoAuth?.sinks[0]?.mode, 0o640, 'sink default mode');
  assert.equal(c.useAutoAuthToken, true);
  assert.equal(c.exitAfterAuth, true);
  assert.equal(c.staticSecretRenderIntervalMs, 300_000, 'default 5m');
  assert.equal(c.templates[0]?.createDestDirs, true);
});

test('defaults: kubernetes token path, approle removes the secret ID file, retries 12', () => {
  const c = parseAgentConfig('auto_auth {\n method "kubernetes" { config = { role = "r" } }\n}\n', 'a.hcl');
  assert.deepEqual(c.autoAuth?.method.params, { type: 'kubernetes', role: 'r', tokenPath: '/var/run/secrets/kubernetes.io/serviceaccount/token' });
  assert.equal(c.autoAuth?.method.mountPath, 'kubernetes');
  assert.equal(c.vault.numRetries, 12);
  assert.equal(parseAgentConfig('vault { retry { num_retries = -1 } }', 'a.hcl').vault.numRetries, 0);
});

const bad = (text: string, re: RegExp, file = 'agent.hcl'): void => {
  assert.throws(() => parseAgentConfig(text, file), (e: unknown) => e instanceof AgentConfigError && re.test(e.message), `expected ${re}`);
};

test('errors name the stanza and file:line', () => {
  bad('\n\nbogus = 1\n', /^agent\.hcl:3: unknown stanza or key "bogus"/);
  bad('auto_auth {\n  method "alicloud" { config = {} }\n}\n', /^agent\.hcl:2: auto_auth\.method "alicloud": unsupported method type "alicloud"/);
  bad('auto_auth {\n  sink "file" { config = { path = "/x" } }\n}\n', /^agent\.hcl:1: auto_auth: missing required stanza "method"/);
  bad('template {\n  source = "a"\n  contents = "b"\n  destination = "/x"\n}\n', /^agent\.hcl:3: template: source and contents are mutually exclusive/);
  bad('template {\n  contents = "b"\n  destination = "/x"\n  perms = "rw"\n}\n', /^agent\.hcl:4: template: perms must be an octal file mode/);
  bad('listener "tcp" {\n  address = "127.0.0.1:1"\n}\n', /^agent\.hcl:1: listener "tcp": .*tls_disable/);
  bad('api_proxy { use_auto_auth_token = true }\n', /use_auto_auth_token needs an auto_auth stanza/);
  bad('exec { command = ["x"] }\n', /^agent\.hcl:1: exec: process-supervisor mode/);
  bad('template_config { static_secret_render_interval = "soon" }\n', /^agent\.hcl:1: template_config: static_secret_render_interval must be a duration/);
  bad('{"template": [{"contents": "x"}]}', /^agent\.json:1: template: missing required field "destination"/, 'agent.json');
  bad('{\n"template": [\n', /^agent\.json:3: invalid JSON/, 'agent.json');
});

test('two templates writing the same destination are refused', () => {
  bad('template {\n contents = "a"\n destination = "/x"\n}\ntemplate {\n contents = "b"\n destination = "/x"\n}\n', /agent\.hcl:5: template: destination "\/x" is used by two templates/);
});
