import { test } from 'node:test';
import assert from 'node:assert/strict';
import { containerArgv, defaultIsWardImage } from './argv.js';

const vars = new Map([['WHO', 'world'], ['ROLE', 'app']]);
const ward = { node: '/usr/bin/node', wardBin: '/repo/bin/ward' };

test('the Ward or Vault image is recognised by its repository basename', () => {
  const cases: Array<[string, boolean]> = [
    ['ward', true], ['ward:1.2', true], ['hashicorp/vault:1.15.2', true], ['registry.local:5000/sec/ward@sha256:abc', true],
    ['vault-k8s', false], ['busybox', false], ['ward.io/busybox:ward', false], ['hashicorp/vault-csi-provider:1.4', false],
  ];
  for (const [image, want] of cases) assert.equal(defaultIsWardImage(image), want, image);
});

test('command replaces the entrypoint, args replace cmd, $(VAR) expanded, Ward binaries mapped', () => {
  const cases: Array<[string, { command?: string[]; args?: string[] }, boolean, string[]]> = [
    ['busybox sh -c', { command: ['sh', '-c', 'echo $(WHO) $$(WHO)'] }, false, ['sh', '-c', 'echo world $(WHO)']],
    ['busybox args only', { args: ['sh', '-c', 'true'] }, false, ['sh', '-c', 'true']],
    ['ward entrypoint + args', { args: ['version'] }, true, ['/usr/bin/node', '/repo/bin/ward', 'version']],
    ['ward default cmd', {}, true, ['/usr/bin/node', '/repo/bin/ward', 'server', '-dev']],
    ['vault as argv0', { command: ['vault'], args: ['agent', '-config=/x'] }, true, ['/usr/bin/node', '/repo/bin/ward', 'agent', '-config=/x']],
    ['/bin/ward as argv0', { command: ['/bin/ward', 'version'] }, true, ['/usr/bin/node', '/repo/bin/ward', 'version']],
    ['/usr/local/bin/ward', { command: ['/usr/local/bin/ward'], args: ['login', '-method=kubernetes', 'role=$(ROLE)'] }, true, ['/usr/bin/node', '/repo/bin/ward', 'login', '-method=kubernetes', 'role=app']],
    ['shell in ward image', { command: ['/bin/sh', '-ec'], args: ['vault agent'] }, true, ['/bin/sh', '-ec', 'vault agent']],
    ['vault in another image is not mapped', { command: ['vault', 'version'] }, false, ['vault', 'version']],
  ];
  for (const [what, c, isWard, want] of cases) assert.deepEqual(containerArgv({ name: 'c', ...c }, isWard, vars, ward), want, what);
});

test('a container with no command in an image whose entrypoint is unknown is refused by name', () => {
  assert.throws(() => containerArgv({ name: 'app' }, false, vars, ward), /container "app": no command or args/);
});
