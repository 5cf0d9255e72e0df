import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatLine } from './format.js';

describe('monitor line formats', () => {
  const ts = '2026-01-02T03:04:05.678Z';
  it('writes hclog\'s standard text form', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ '@timestamp': ts, '@level': 'info', '@message': 'core: vault is unsealed', '@module': 'core' }, `${ts} [INFO]  core: vault is unsealed\n`],
      [{ '@timestamp': ts, '@level': 'debug', '@message': 'tick', '@module': 'watchdog', lag_ms: 12 }, `${ts} [DEBUG] watchdog: tick: lag_ms=12\n`],
      [{ '@timestamp': ts, '@level': 'error', '@message': 'request failed', path: 'a b', ok: true, nested: { x: 1 } }, `${ts} [ERROR] request failed: path="a b" ok=true nested="{\\"x\\":1}"\n`],
      [{ '@timestamp': ts, '@level': 'warn', '@message': 'w', client_token: '[redacted]', empty: '' }, `${ts} [WARN]  w: client_token=[redacted] empty=""\n`],
      [{ '@timestamp': ts, '@level': 'trace', '@message': 't' }, `${ts} [TRACE] t\n`],
    ];
    for (const [line, want] of cases) assert.equal(formatLine(line, 'standard'), want);
  });

  it('writes the JSON line as the server does', () => {
    const line = { '@timestamp': ts, '@level': 'info', '@message': 'm', k: 'v' };
    assert.equal(formatLine(line, 'json'), `${JSON.stringify(line)}\n`);
  });
});
