import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, parseConfig } from './config.js';

const withListener = (body: string): string => `storage "inmem" {}\nlistener "tcp" {\n${body}\n}\n`;

function fails(body: string, pattern: RegExp): void {
  assert.throws(
    () => parseConfig(withListener(body), 'l.hcl'),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError, String(e));
      assert.match(e.message, pattern);
      return true;
    },
  );
}

describe('listener "tcp" options (issue 14)', () => {
  it("reads Vault's timeout, size and JSON limit options", () => {
    const c = parseConfig(
      withListener(
        [
          '  tls_disable = true',
          '  http_read_header_timeout = "5s"',
          '  http_read_timeout = "1m30s"',
          '  http_write_timeout = 20',
          '  http_idle_timeout = "250ms"',
          '  max_request_duration = "2m"',
          '  max_json_depth = 100',
          '  max_json_string_value_length = 4096',
          '  max_json_object_entry_count = 50',
          '  max_json_array_element_count = "60"',
        ].join('\n'),
      ),
      'l.hcl',
    );
    assert.deepEqual(c.listeners[0], {
      address: '127.0.0.1:8200',
      tlsDisable: true,
      httpReadHeaderTimeoutMs: 5000,
      httpReadTimeoutMs: 90_000,
      httpWriteTimeoutMs: 20_000,
      httpIdleTimeoutMs: 250,
      maxRequestDurationMs: 120_000,
      maxJsonDepth: 100,
      maxJsonStringValueLength: 4096,
      maxJsonObjectEntryCount: 50,
      maxJsonArrayElementCount: 60,
    });
  });

  it('treats 0 as "none" for timeouts and as the default for limits and max_request_duration', () => {
    const c = parseConfig(withListener('  tls_disable = true\n  http_read_timeout = "0"\n  max_json_depth = 0\n  max_request_duration = 0'), 'l.hcl');
    assert.deepEqual(c.listeners[0], { address: '127.0.0.1:8200', tlsDisable: true, httpReadTimeoutMs: 0 });
  });

  it('reads the TLS options', () => {
    const c = parseConfig(
      withListener(
        [
          '  tls_cert_file = "c.pem"',
          '  tls_key_file = "k.pem"',
          '  tls_cipher_suites = "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305,TLS_AES_128_GCM_SHA256"',
          '  tls_prefer_server_cipher_suites = true',
          '  tls_require_and_verify_client_cert = "true"',
          '  tls_client_ca_file = "ca.pem"',
        ].join('\n'),
      ),
      'l.hcl',
    );
    assert.deepEqual(c.listeners[0], {
      address: '127.0.0.1:8200',
      tlsDisable: false,
      tlsCertFile: 'c.pem',
      tlsKeyFile: 'k.pem',
      tlsCipherSuites: ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305', 'TLS_AES_128_GCM_SHA256'],
      tlsPreferServerCipherSuites: true,
      tlsRequireAndVerifyClientCert: true,
      tlsClientCaFile: 'ca.pem',
    });
  });

  it('refuses bad values with the file and line', () => {
    fails('  tls_disable = true\n  http_read_timeout = "soon"', /^l\.hcl:4: http_read_timeout must be a non-negative duration/);
    fails('  tls_disable = true\n  http_idle_timeout = -5', /^l\.hcl:4: http_idle_timeout must be a non-negative duration/);
    fails('  tls_disable = true\n  max_request_duration = "1000h"', /^l\.hcl:4: max_request_duration is too long/);
    fails('  tls_disable = true\n  max_json_depth = -1', /^l\.hcl:4: max_json_depth must not be negative/);
    fails('  tls_disable = true\n  max_json_array_element_count = "many"', /^l\.hcl:4: max_json_array_element_count must be an integer/);
  });

  it('refuses unknown, weak and non-forward-secret cipher suites', () => {
    const tls = '  tls_cert_file = "c"\n  tls_key_file = "k"\n';
    fails(`${tls}  tls_cipher_suites = "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_RSA_WITH_AES_128_GCM_SHA256"`, /^l\.hcl:5: tls_cipher_suites: cipher suite TLS_RSA_WITH_AES_128_GCM_SHA256 does not provide forward secrecy/);
    fails(`${tls}  tls_cipher_suites = "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA"`, /^l\.hcl:5: tls_cipher_suites: cipher suite TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA is insecure/);
    fails(`${tls}  tls_cipher_suites = "TLS_ECDHE_RSA_WITH_AES_128_CCM_8"`, /^l\.hcl:5: tls_cipher_suites: unsupported cipher suite "TLS_ECDHE_RSA_WITH_AES_128_CCM_8"/);
  });

  it('refuses disabling and requiring client certificates together', () => {
    fails('  tls_cert_file = "c"\n  tls_key_file = "k"\n  tls_require_and_verify_client_cert = true\n  tls_disable_client_certs = true', /^l\.hcl:6: tls_disable_client_certs and tls_require_and_verify_client_cert are mutually exclusive/);
  });
});
