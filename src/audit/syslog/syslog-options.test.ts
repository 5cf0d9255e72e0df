import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSyslogOptions } from './syslog-options.js';
import { rejectsWard } from '../../../test/helpers/errors.js';

describe('syslog audit device options', () => {
  const ok: [Record<string, string>, ReturnType<typeof parseSyslogOptions>][] = [
    // Vault's defaults: facility AUTH (4), severity INFO (6), tag "vault".
    [{}, { facility: 'auth', priority: 4 * 8 + 6, tag: 'vault', prefix: '' }],
    [{ facility: 'local0', tag: 'ward-audit', prefix: 'A ' }, { facility: 'local0', priority: 16 * 8 + 6, tag: 'ward-audit', prefix: 'A ' }],
    [{ facility: ' ', tag: '  ' }, { facility: 'auth', priority: 38, tag: 'vault', prefix: '' }],
    [{ facility: 'AUTHPRIV' }, { facility: 'authpriv', priority: 10 * 8 + 6, tag: 'vault', prefix: '' }],
    [{ facility: 'Local7', format: 'json' }, { facility: 'local7', priority: 23 * 8 + 6, tag: 'vault', prefix: '' }],
    [{ format: 'JSONx' }, { facility: 'auth', priority: 38, tag: 'vault', prefix: '' }],
    [{ facility: 'daemon' }, { facility: 'daemon', priority: 3 * 8 + 6, tag: 'vault', prefix: '' }],
  ];
  for (const [options, want] of ok) {
    it(`accepts ${JSON.stringify(options)}`, () => assert.deepEqual(parseSyslogOptions(options), want));
  }

  const bad: [Record<string, string>, RegExp][] = [
    [{ facility: 'nope' }, /^error creating syslogger: invalid syslog facility: NOPE$/],
    [{ facility: 'local8' }, /invalid syslog facility: LOCAL8/],
    [{ format: 'xml' }, /^unsupported "format": invalid configuration$/],
    [{ tag: 'a\nb' }, /tag must not contain control characters/],
  ];
  for (const [options, text] of bad) {
    it(`refuses ${JSON.stringify(options)} with 400`, async () => void (await rejectsWard(Promise.resolve().then(() => parseSyslogOptions(options)), 400, text)));
  }
});
