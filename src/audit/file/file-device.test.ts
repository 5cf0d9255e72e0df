import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createFileDevice } from './file-device.js';
import { DEV_FULL, skipUnless } from '../../../test/helpers/requirement.js';
import { rejectsWard } from '../../../test/helpers/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'ward-file-audit-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fresh = (): string => join(dir, `a${n++}`, 'audit.log');

describe('file audit device', () => {
  it('creates the file (and its directory) with mode 0600 on creation', async () => {
    const path = fresh();
    const dev = await createFileDevice({ file_path: path });
    assert.ok(existsSync(path));
    assert.equal(statSync(path).mode & 0o777, 0o600);
    await dev.close();
  });

  it('applies mode, and "0000" leaves it alone', async () => {
    const path = fresh();
    await (await createFileDevice({ file_path: path, mode: '0640' })).close();
    assert.equal(statSync(path).mode & 0o777, 0o640);
    await (await createFileDevice({ file_path: path, mode: '0000' })).close();
    assert.equal(statSync(path).mode & 0o777, 0o640);
  });

  it('takes format json or jsonx, in any case (the broker renders the record)', async () => {
    for (const format of ['json', 'jsonx', ' JSONX ']) await (await createFileDevice({ file_path: fresh(), format })).close();
  });

  it('rejects bad options with 400', async () => {
    await rejectsWard(createFileDevice({}), 400, /^"file_path" is required: invalid configuration$/);
    await rejectsWard(createFileDevice({ file_path: " " }), 400, /^file path is required: invalid configuration$/);
    await rejectsWard(createFileDevice({ file_path: fresh(), mode: '0755' }), 400, /executable/);
    await rejectsWard(createFileDevice({ file_path: fresh(), mode: 'rw' }), 400, /invalid file mode/);
    await rejectsWard(createFileDevice({ file_path: fresh(), format: 'xml' }), 400, /^unsupported "format": invalid configuration$/);
    await rejectsWard(createFileDevice({ file_path: dir }), 400, /unable to open audit file: EISDIR/);
  });

  it('writes lines with prefix and newline, in order', async () => {
    const path = fresh();
    const dev = await createFileDevice({ file_path: path, prefix: 'AUDIT ' });
    await dev.write('{"a":1}');
    await Promise.all([dev.write('{"b":2}'), dev.write('{"c":3}')]);
    await dev.close();
    assert.equal(readFileSync(path, 'utf8'), 'AUDIT {"a":1}\nAUDIT {"b":2}\nAUDIT {"c":3}\n');
  });

  it('batches 1000 writes from one turn into one fs write', async () => {
    const path = fresh();
    const dev = await createFileDevice({ file_path: path });
    const writes: Promise<void>[] = [];
    for (let i = 0; i < 1000; i++) writes.push(dev.write(`{"i":${i}}`));
    await Promise.all(writes);
    assert.equal(dev.stats.writes, 1);
    assert.equal(dev.stats.lines, 1000);
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    assert.equal(lines.length, 1000);
    assert.equal(lines[999], '{"i":999}');
    await dev.close();
  });

  it('lines written during an in-flight write go out together next', async () => {
    const dev = await createFileDevice({ file_path: fresh() });
    const first = dev.write('1');
    await new Promise((r) => setImmediate(r)); // first batch is now in flight
    const rest = [dev.write('2'), dev.write('3'), dev.write('4')];
    await Promise.all([first, ...rest]);
    assert.equal(dev.stats.writes, 2);
    await dev.close();
  });

  it('close() flushes pending lines; writes after close reject', async () => {
    const path = fresh();
    const dev = await createFileDevice({ file_path: path });
    const w = dev.write('last');
    await dev.close();
    await w;
    assert.equal(readFileSync(path, 'utf8'), 'last\n');
    await assert.rejects(dev.write('late'), /closed/);
  });

  it('reopen() follows a rotated file', async () => {
    const path = fresh();
    const dev = await createFileDevice({ file_path: path });
    await dev.write('old');
    renameSync(path, `${path}.1`);
    await dev.write('still old fd');
    await dev.reopen();
    await dev.write('new');
    await dev.close();
    assert.equal(readFileSync(`${path}.1`, 'utf8'), 'old\nstill old fd\n');
    assert.equal(readFileSync(path, 'utf8'), 'new\n');
  });

  it('rejects writes once the file cannot be reopened, and recovers when it can', async () => {
    const path = fresh();
    const parent = join(path, '..');
    const dev = await createFileDevice({ file_path: path });
    rmSync(parent, { recursive: true });
    await assert.rejects(dev.reopen(), /ENOENT/);
    await assert.rejects(dev.write('x'), /ENOENT/);
    await assert.rejects(dev.write('y'), /ENOENT/);
    await (await createFileDevice({ file_path: path })).close(); // recreates the directory
    await dev.write('back');
    await dev.close();
    assert.equal(readFileSync(path, 'utf8'), 'back\n');
  });

  it('rejects writes the OS refuses (/dev/full) without crashing', { skip: skipUnless(DEV_FULL) }, async () => {
    const dev = await createFileDevice({ file_path: '/dev/full' });
    await assert.rejects(Promise.all([dev.write('a'), dev.write('b')]), /ENOSPC/);
    await assert.rejects(dev.write('c'), /ENOSPC/);
    await dev.close();
  });

  it('discard accepts and drops lines', async () => {
    const dev = await createFileDevice({ file_path: 'discard' });
    await dev.write('nothing');
    assert.equal(dev.stats.writes, 0);
    await dev.close();
  });
});

describe('file audit device: special paths', () => {
  it('"stdout" and "discard" are recognised in any case, as Vault', async () => {
    const dev = await createFileDevice({ file_path: 'DISCARD' });
    await dev.write('nothing');
    assert.equal(dev.stats.writes, 0);
    await dev.close();
  });
});
