#!/usr/bin/env node
// The device side of pattern 4 (client pull). BOOTSTRAP_DIR holds the bootstrap package:
//   enroll-role-id, enroll-secret-id   the enrollment AppRole credentials
//   device-id                          this device's name (goes into the secret ID's metadata)
// The device logs in as "enroll", pulls a wrapped secret ID of the "device" role, checks
// and unwraps it, then logs in as itself and reads its configuration.
// Exit codes: 0 enrolled, 1 refused (token not from the expected path), 2 other failure.
// Run `npm run build` first: this imports the compiled client.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WardClient } from '../../dist/src/api/index.js';

const dir = process.env.BOOTSTRAP_DIR ?? 'bootstrap';
const read = (name) => readFileSync(join(dir, name), 'utf8').trim();
const expectedPath = 'auth/approle/role/device/secret-id';
const ward = WardClient.fromEnv({ ...process.env, VAULT_TOKEN: '', WARD_TOKEN: '' });

try {
  const deviceId = read('device-id');
  // 1. Enrollment login: a short-lived token that can only do the next two calls.
  const enroll = (await ward.login('approle', { role_id: read('enroll-role-id'), secret_id: read('enroll-secret-id') })).body.auth;
  ward.token = enroll.client_token;
  const roleId = (await ward.read('auth/approle/role/device/role-id')).body.data.role_id;
  const wrapped = await ward.request('POST', expectedPath, { body: { metadata: JSON.stringify({ device_id: deviceId }) }, wrapTtl: '2m' });
  const wrappingToken = wrapped.body.wrap_info.token;
  await ward.tokenRevoke(); // the enrollment token has done its job
  ward.token = '';
  // 2. Check where the wrapping token was made, then unwrap it (single use).
  const info = (await ward.wrappingLookup(wrappingToken)).body.data;
  if (info.creation_path !== expectedPath) {
    console.error(`device: refusing: wrapping token created at "${info.creation_path}", expected "${expectedPath}"`);
    process.exit(1);
  }
  const secretId = (await ward.unwrap(wrappingToken)).body.data.secret_id;
  // 3. Log in as this device. A real device keeps role ID and secret ID (or the token) in
  //    its secure store from here on; the enrollment credentials are no longer needed.
  const auth = (await ward.login('approle', { role_id: roleId, secret_id: secretId })).body.auth;
  ward.token = auth.client_token;
  const { res } = await ward.kvGet('secret/fleet/config');
  const keys = Object.keys(res.body?.data?.data ?? {}).sort();
  console.log(`device ${auth.metadata.device_id}: logged in as role ${auth.metadata.role_name} with policies ${auth.policies.join(',')}; read secret/fleet/config (keys: ${keys.join(', ')})`);
  ward.close();
} catch (e) {
  console.error(`device: enrollment failed: ${e.message}`);
  process.exit(2);
}
