import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mountScript, q } from './mount-script.js';

test('sh quoting survives quotes', () => {
  assert.equal(q(`it's`), `'it'\\''s'`);
});

test('the script mounts parents before children, honours readOnly, subPath files and the read-only root', () => {
  const s = mountScript({
    root: '/tmp/p/root',
    binds: [{ path: '/usr', readOnly: true }, { path: '/tmp', readOnly: false }, { path: '/etc', readOnly: false, overlay: true }],
    links: [{ path: '/bin', target: 'usr/bin' }],
    volumes: [
      { source: '/tmp/p/v/secrets', target: '/vault/secrets', readOnly: true, file: false },
      { source: '/tmp/p/v/home', target: '/vault', readOnly: false, file: false },
      { source: '/tmp/p/v/cfg/app.conf', target: '/etc/app/app.conf', readOnly: false, file: true },
    ],
    files: [],
    workingDir: '/work dir',
    readOnlyRoot: true,
    user: { uid: 100, gid: 1000 },
  });
  const lines = s.split('\n');
  const at = (l: string) => {
    const i = lines.indexOf(l);
    assert.notEqual(i, -1, `missing line: ${l}\n${s}`);
    return i;
  };
  assert.ok(at(`mount --bind '/tmp/p/v/home' "$R"'/vault'`) < at(`mount --bind '/tmp/p/v/secrets' "$R"'/vault/secrets'`));
  at(`mount -o remount,bind,ro "$R"'/vault/secrets'`);
  assert.equal(lines.includes(`mount -o remount,bind,ro "$R"'/vault'`), false);
  at(`mount -o remount,bind,ro "$R"'/usr'`);
  assert.equal(lines.includes(`mount -o remount,bind,ro "$R"'/tmp'`), false);
  at(`touch "$R"'/etc/app/app.conf'`);
  at(`ln -s 'usr/bin' "$R"'/bin'`);
  assert.ok(at('mount -o remount,ro "$R"') > at(`mkdir -p "$R"'/work dir'`));
  at(`mount -t overlay ward-pod-layer -o lowerdir='/etc',upperdir="$R"'/.ward/layers/u2',workdir="$R"'/.ward/layers/w2' "$R"'/etc'`);
  assert.ok(at(`mount -o remount,ro "$R"'/etc'`) > at('mount -o remount,ro "$R"'));
  assert.ok(at('echo "$hostpid" >&3') > at('mount -o remount,ro "$R"'), 'the PID is reported once the filesystem is complete');
  assert.match(s, /exec \/usr\/sbin\/chroot "\$R" \/usr\/bin\/setpriv --reuid=100 --regid=1000 --clear-groups \/bin\/sh -c 'cd "\$0" && exec "\$@"' '\/work dir' "\$@"\n$/);
});
