import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgument } from './errors.js';
import { parseObjects, parseFileMode } from './objects.js';
import { parseMountRequest, type ProviderDefaults } from './params.js';

const DEFAULTS: ProviderDefaults = { vaultAddr: 'https://ward.example:8200', vaultMount: 'kubernetes', vaultNamespace: '' };
const POD = {
  'csi.storage.k8s.io/pod.name': 'web-0',
  'csi.storage.k8s.io/pod.namespace': 'app',
  'csi.storage.k8s.io/pod.uid': 'uid-1',
  'csi.storage.k8s.io/serviceAccount.name': 'web',
};
const OBJECTS = `- objectName: db-password\n  secretPath: secret/data/db\n  secretKey: password\n`;

function req(attrs: Record<string, string>, o: { secrets?: string; permission?: string } = {}) {
  return parseMountRequest({ attributes: JSON.stringify(attrs), secrets: o.secrets ?? '{}', permission: o.permission ?? '420' }, DEFAULTS);
}

test('a vault-csi-provider SecretProviderClass parses with its defaults', () => {
  const p = req({ ...POD, roleName: 'web', objects: OBJECTS });
  assert.equal(p.roleName, 'web');
  assert.equal(p.address, 'https://ward.example:8200');
  assert.equal(p.authMount, 'kubernetes');
  assert.equal(p.audience, '');
  assert.equal(p.permission, 0o644);
  assert.deepEqual(p.pod, { name: 'web-0', namespace: 'app', uid: 'uid-1', serviceAccount: 'web' });
  assert.deepEqual(p.objects, [
    { objectName: 'db-password', secretPath: 'secret/data/db', query: {}, secretKey: 'password', method: 'GET', secretArgs: undefined, encoding: 'utf-8', filePermission: undefined, expand: 'file' },
  ]);
  assert.deepEqual(p.tls, { tlsSkipVerify: false });
});

test('parameters override the provider flags', () => {
  const p = req({
    ...POD,
    roleName: 'web',
    objects: OBJECTS,
    vaultAddress: 'https://other:8200',
    vaultNamespace: 'team',
    vaultAuthMountPath: 'k8s-east',
    audience: 'vault',
    vaultCACertPath: '/ca.pem',
    vaultCADirectory: '/cas',
    vaultTLSServerName: 'ward.internal',
    vaultTLSClientCertPath: '/c.pem',
    vaultTLSClientKeyPath: '/k.pem',
    vaultSkipTLSVerify: 'true',
  });
  assert.equal(p.address, 'https://other:8200');
  assert.equal(p.namespace, 'team');
  assert.equal(p.authMount, 'k8s-east');
  assert.equal(p.audience, 'vault');
  assert.deepEqual(p.tls, { caCert: '/ca.pem', caPath: '/cas', tlsServerName: 'ward.internal', clientCert: '/c.pem', clientKey: '/k.pem', tlsSkipVerify: true });
  assert.equal(req({ ...POD, roleName: 'r', objects: OBJECTS, vaultKubernetesMountPath: 'auth/k2/' }).authMount, 'k2');
});

test('service-account tokens come from the attributes, or from the CSI secrets', () => {
  const tokens = JSON.stringify({ vault: { token: 'jwt-a', expirationTimestamp: '2030-01-01T00:00:00Z' } });
  assert.deepEqual(req({ ...POD, roleName: 'r', objects: OBJECTS, 'csi.storage.k8s.io/serviceAccount.tokens': tokens }).saTokens, { vault: 'jwt-a' });
  const viaSecrets = req({ ...POD, roleName: 'r', objects: OBJECTS }, { secrets: JSON.stringify({ 'csi.storage.k8s.io/serviceAccount.tokens': tokens }) });
  assert.deepEqual(viaSecrets.saTokens, { vault: 'jwt-a' });
});

test('object fields: method, args, encodings, query, permissions, expand', () => {
  const objs = parseObjects(`
- objectName: cert
  secretPath: /v1/pki/issue/web?x=1
  method: put
  secretArgs: {common_name: web.example, ttl: 1h, exclude_cn_from_sans: true}
  filePermission: 0600
- objectName: bin
  secretPath: secret/data/blob
  secretKey: b
  encoding: BASE64
  filePermission: 0o640
- objectName: all
  secretPath: secret/data/app
  expand: keys
  filePermission: 420
`);
  assert.deepEqual(
    objs.map((o) => [o.objectName, o.secretPath, o.query, o.method, o.secretArgs, o.encoding, o.filePermission, o.expand]),
    [
      ['cert', 'pki/issue/web', { x: '1' }, 'PUT', { common_name: 'web.example', ttl: '1h', exclude_cn_from_sans: true }, 'utf-8', 0o600, 'file'],
      ['bin', 'secret/data/blob', {}, 'GET', undefined, 'base64', 0o640, 'file'],
      ['all', 'secret/data/app', {}, 'GET', undefined, 'utf-8', 0o644, 'keys'],
    ],
  );
});

test('file modes read as Go reads them', () => {
  const table: [string, number | undefined][] = [['0600', 0o600], ['0o755', 0o755], ['384', 384], ['0', 0], ['0777', 0o777], ['0800', undefined], ['1000', undefined], ['-1', undefined], ['rw', undefined], ['0o1000', undefined]];
  for (const [text, want] of table) assert.equal(parseFileMode(text), want, text);
});

// Bad input: every row must be refused with InvalidArgument naming the parameter or object.
const BAD: [string, Record<string, string>, RegExp, { secrets?: string; permission?: string }?][] = [
  ['missing roleName', { ...POD, objects: OBJECTS }, /roleName/],
  ['missing objects', { ...POD, roleName: 'r' }, /objects/],
  ['malformed YAML', { ...POD, roleName: 'r', objects: '- objectName: [a\n' }, /"objects".*YAML/],
  ['objects not a list', { ...POD, roleName: 'r', objects: 'objectName: a' }, /YAML list/],
  ['duplicate objectName', { ...POD, roleName: 'r', objects: `${OBJECTS}${OBJECTS}` }, /object "db-password": duplicate objectName/],
  ['unknown encoding', { ...POD, roleName: 'r', objects: '- objectName: a\n  secretPath: s/a\n  encoding: rot13' }, /object "a": unknown encoding "rot13"/],
  ['missing objectName', { ...POD, roleName: 'r', objects: '- secretPath: s/a' }, /entry 0 has no objectName/],
  ['missing secretPath', { ...POD, roleName: 'r', objects: '- objectName: a' }, /object "a": missing secretPath/],
  ['path traversal', { ...POD, roleName: 'r', objects: '- objectName: ../../etc/passwd\n  secretPath: s/a' }, /object "\.\.\/\.\.\/etc\/passwd": objectName has an empty, "\." or "\.\." path element/],
  ['absolute objectName', { ...POD, roleName: 'r', objects: '- objectName: /etc/x\n  secretPath: s/a' }, /objectName is an absolute path/],
  ['dot-dot in secretPath', { ...POD, roleName: 'r', objects: '- objectName: a\n  secretPath: secret/data/../../sys/seal' }, /object "a": secretPath has a "\." or "\.\." element/],
  ['bad permission', { ...POD, roleName: 'r', objects: '- objectName: a\n  secretPath: s/a\n  filePermission: 0999' }, /object "a": bad filePermission "0999"/],
  ['too wide permission', { ...POD, roleName: 'r', objects: '- objectName: a\n  secretPath: s/a\n  filePermission: 4755' }, /object "a": bad filePermission/],
  ['bad method', { ...POD, roleName: 'r', objects: '- objectName: a\n  secretPath: s/a\n  method: DELETE' }, /object "a": unsupported method "DELETE"/],
  ['secretArgs not a map', { ...POD, roleName: 'r', objects: '- objectName: a\n  secretPath: s/a\n  secretArgs: [1]' }, /object "a": secretArgs must be a mapping/],
  ['file and dir clash', { ...POD, roleName: 'r', objects: '- objectName: a\n  secretPath: s/a\n- objectName: a/b\n  secretPath: s/b' }, /object "a\/b".*"a"/],
  ['both mount paths', { ...POD, roleName: 'r', objects: OBJECTS, vaultKubernetesMountPath: 'a', vaultAuthMountPath: 'b' }, /vaultKubernetesMountPath.*vaultAuthMountPath/],
  ['bad skip verify', { ...POD, roleName: 'r', objects: OBJECTS, vaultSkipTLSVerify: 'maybe' }, /vaultSkipTLSVerify/],
  ['client cert without key', { ...POD, roleName: 'r', objects: OBJECTS, vaultTLSClientCertPath: '/c.pem' }, /vaultTLSClientKeyPath/],
  ['bad address', { ...POD, roleName: 'r', objects: OBJECTS, vaultAddress: 'ftp://x' }, /vaultAddress/],
  ['malformed tokens', { ...POD, roleName: 'r', objects: OBJECTS, 'csi.storage.k8s.io/serviceAccount.tokens': '{nope' }, /serviceAccount\.tokens/],
  ['bad request permission', { ...POD, roleName: 'r', objects: OBJECTS }, /permission/, { permission: '"rw"' }],
  ['expand with secretKey', { ...POD, roleName: 'r', objects: '- objectName: a\n  secretPath: s/a\n  secretKey: k\n  expand: keys' }, /object "a": secretKey cannot be combined/],
  ['unknown expand', { ...POD, roleName: 'r', objects: '- objectName: a\n  secretPath: s/a\n  expand: all' }, /object "a": unknown expand "all"/],
];

for (const [name, attrs, message, o] of BAD) {
  test(`refused: ${name}`, () => {
    assert.throws(() => req(attrs, o), (e: unknown) => e instanceof InvalidArgument && message.test(e.message));
  });
}

test('refused: attributes that are not a JSON object of strings', () => {
  assert.throws(() => parseMountRequest({ attributes: '[1]', secrets: '{}', permission: '420' }, DEFAULTS), /attributes/);
  assert.throws(() => parseMountRequest({ attributes: 'nope', secrets: '{}', permission: '420' }, DEFAULTS), /attributes/);
});
