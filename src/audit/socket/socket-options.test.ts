import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSocketOptions } from './socket-options.js';
import { rejectsWard } from '../../../test/helpers/errors.js';

describe('socket audit device options', () => {
  const ok: [Record<string, string>, ReturnType<typeof parseSocketOptions>][] = [
    [{ address: '127.0.0.1:9090' }, { target: { kind: 'tcp', host: '127.0.0.1', port: 9090 }, writeTimeoutMs: 2000, prefix: '' }],
    [{ address: ' [::1]:9 ', socket_type: 'tcp', write_timeout: '500ms', prefix: 'AUDIT ' }, { target: { kind: 'tcp', host: '::1', port: 9 }, writeTimeoutMs: 500, prefix: 'AUDIT ' }],
    [{ address: 'logs.example:514', socket_type: 'udp', write_timeout: '3' }, { target: { kind: 'udp', host: 'logs.example', port: 514 }, writeTimeoutMs: 3000, prefix: '' }],
    [{ address: '/run/audit.sock', socket_type: 'unix', format: 'json' }, { target: { kind: 'unix', path: '/run/audit.sock' }, writeTimeoutMs: 2000, prefix: '' }],
    [{ address: 'h:1', format: 'jsonx' }, { target: { kind: 'tcp', host: 'h', port: 1 }, writeTimeoutMs: 2000, prefix: '' }],
    [{ address: 'h:1', socket_type: '' }, { target: { kind: 'tcp', host: 'h', port: 1 }, writeTimeoutMs: 2000, prefix: '' }],
  ];
  for (const [options, want] of ok) {
    it(`accepts ${JSON.stringify(options)}`, () => assert.deepEqual(parseSocketOptions(options), want));
  }

  const bad: [Record<string, string>, RegExp][] = [
    [{}, /^"address" is required: invalid configuration$/],
    [{ address: '  ' }, /^"address" cannot be empty: invalid configuration$/],
    [{ address: 'h:1', write_timeout: 'soon' }, /^unable to parse max duration: invalid internal parameter: time: invalid duration "soon"$/],
    [{ address: 'h:1', write_timeout: '0s' }, /write_timeout must be positive/],
    [{ address: 'h:1', socket_type: 'sctp' }, /unsupported socket_type "sctp"/],
    [{ address: 'no-port', socket_type: 'tcp' }, /address "no-port": missing port/],
    [{ address: 'h:99999' }, /address "h:99999": invalid port/],
    [{ address: 'h:1', format: 'xml' }, /^unsupported "format": invalid configuration$/],
  ];
  for (const [options, text] of bad) {
    it(`refuses ${JSON.stringify(options)} with 400`, async () => void await rejectsWard(Promise.resolve().then(() => parseSocketOptions(options)), 400, text));
  }
});
