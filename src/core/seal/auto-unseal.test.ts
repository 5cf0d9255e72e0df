import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Logger } from '../../sdk/logical.js';
import { SealError } from './auto-seal.js';
import { AutoUnsealLoop } from './auto-unseal.js';
import type { AutoUnsealOutcome } from './seal-status.js';

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const log = (level: string) => (msg: string, fields?: Record<string, unknown>) => lines.push(`${level} ${msg} ${JSON.stringify(fields ?? {})}`);
  return { lines, debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

const FAST = { initialMs: 1, maxMs: 4, uninitializedMs: 1 };

async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('AutoUnsealLoop', () => {
  test('retries through seal and storage errors, naming each cause, until unsealed', async () => {
    const log = recordingLogger();
    const script: (AutoUnsealOutcome | Error)[] = ['not-initialized', new SealError('cannot reach http://t', true), new SealError('key not found', false), new Error('storage down'), 'unsealed'];
    let calls = 0;
    const loop = new AutoUnsealLoop(log, async () => {
      const next = script[calls++]!;
      if (next instanceof Error) throw next;
      return next;
    }, FAST);
    loop.start();
    await until(() => calls === script.length);
    await loop.stop();
    const errors = log.lines.filter((l) => l.startsWith('error'));
    assert.equal(errors.length, 3);
    assert.match(errors[0]!, /the seal is unreachable.*cannot reach http:\/\/t/);
    assert.match(errors[1]!, /the seal refused.*key not found/);
    assert.match(errors[2]!, /failed to unseal; retrying.*storage down/);
    assert.doesNotMatch(errors[2]!, /the seal/);
    assert.ok(log.lines.some((l) => /unsealed after retrying/.test(l)));
  });

  test('stops at once for Shamir, and with a warning for a pending migration', async () => {
    for (const outcome of ['manual', 'migration'] as const) {
      const log = recordingLogger();
      let calls = 0;
      const loop = new AutoUnsealLoop(log, async () => {
        calls++;
        return outcome;
      }, FAST);
      loop.start();
      await loop.stop();
      await new Promise((r) => setTimeout(r, 20));
      assert.equal(calls, 1);
      assert.equal(log.lines.some((l) => /seal migration pending/.test(l)), outcome === 'migration');
    }
  });

  test('stop() ends a loop that is waiting to retry', async () => {
    let calls = 0;
    const loop = new AutoUnsealLoop(recordingLogger(), async () => {
      calls++;
      throw new SealError('down', true);
    }, { initialMs: 60_000, maxMs: 60_000, uninitializedMs: 60_000 });
    loop.start();
    await until(() => calls === 1);
    await loop.stop(); // would hang for a minute if the pause were not interrupted
    assert.equal(calls, 1);
  });
});
