import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createSyslogDevice } from './syslog-device.js';
import { rejectsWard } from '../../../test/helpers/errors.js';
import { skipUnless } from '../../../test/helpers/requirement.js';
import { LOGGER, PYTHON3, startDgramReceiver } from '../../../test/helpers/unix-dgram.js';
import { waitFor } from '../../../test/helpers/wait.js';

const dir = mkdtempSync(join(tmpdir(), 'ward-syslog-audit-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const sock = (): string => join(dir, `log${n++}.sock`);

/** `<PRI>Mmm dd hh:mm:ss TAG[PID]: MSG`: the local form Go's log/syslog (and so Vault) sends to /dev/log. */
const LOCAL_FORM = /^<(\d+)>([A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d) ([^[]+)\[(\d+)\]: (.*)$/s;

describe('syslog audit device', { skip: skipUnless(PYTHON3, LOGGER) }, () => {
  it('sends one message per record with Vault\'s default PRI <38> (auth.info), tag "vault" and our pid', async () => {
    const rx = await startDgramReceiver(sock());
    try {
      const dev = await createSyslogDevice({}, { socketPath: rx.path });
      await dev.write('{"a":1}');
      await Promise.all([dev.write('{"b":2}'), dev.write('{"c":3}')]);
      await waitFor('three messages', () => rx.messages.length === 3);
      const parsed = rx.messages.map((m) => LOCAL_FORM.exec(m));
      assert.ok(parsed.every(Boolean), JSON.stringify(rx.messages));
      assert.deepEqual(parsed.map((p) => p![1]), ['38', '38', '38']);
      assert.deepEqual(parsed.map((p) => p![3]), ['vault', 'vault', 'vault']);
      assert.deepEqual(parsed.map((p) => p![4]), [String(process.pid), String(process.pid), String(process.pid)]);
      assert.deepEqual(parsed.map((p) => p![5]), ['{"a":1}', '{"b":2}', '{"c":3}']);
      await dev.close();
    } finally {
      await rx.close();
    }
  });

  it('uses the configured facility, tag and prefix, and keeps a large record whole', async () => {
    const rx = await startDgramReceiver(sock());
    try {
      const dev = await createSyslogDevice({ facility: 'LOCAL3', tag: 'ward-audit', prefix: 'AUDIT ' }, { socketPath: rx.path });
      const big = `{"v":"${'x'.repeat(100_000)}"}`;
      await dev.write(big);
      await waitFor('the message', () => rx.messages.length === 1);
      const m = LOCAL_FORM.exec(rx.messages[0]!);
      assert.ok(m);
      assert.equal(m[1], String(19 * 8 + 6));
      assert.equal(m[3], 'ward-audit');
      assert.equal(m[5], `AUDIT ${big}`);
      await dev.close();
    } finally {
      await rx.close();
    }
  });

  it('a write fails when the syslog socket is gone, and works again once it is back', async () => {
    const path = sock();
    const receivers = [await startDgramReceiver(path)];
    try {
      const dev = await createSyslogDevice({}, { socketPath: path });
      await receivers[0]!.close();
      rmSync(path, { force: true });
      await assert.rejects(dev.write('{"lost":1}'), /error writing to syslog: .*/);
      const rx = await startDgramReceiver(path);
      receivers.push(rx);
      await dev.write('{"back":1}');
      await waitFor('the message after recovery', () => rx.messages.length === 1);
      assert.match(rx.messages[0]!, /\{"back":1\}$/);
      await dev.close();
    } finally {
      for (const r of receivers) await r.close();
    }
  });

  it('refuses to enable without a syslog socket, as Vault', async () => {
    await rejectsWard(createSyslogDevice({}, { socketPath: join(dir, 'absent.sock') }), 400, /^error creating syslogger: Unix syslog delivery error$/);
    await rejectsWard(createSyslogDevice({ facility: 'bogus' }, { socketPath: join(dir, 'absent.sock') }), 400, /invalid syslog facility: BOGUS/);
  });
});
