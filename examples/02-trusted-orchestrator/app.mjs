#!/usr/bin/env node
// The application side of pattern 2. It starts with two things and no Ward token:
//   ROLE_ID                 the AppRole role ID, baked into its configuration (not secret alone)
//   WRAPPED_SECRET_ID_FILE  a file holding the wrapping token the pipeline handed over
//   APP_ROLE, SECRET_PATH   optional: the role (default app) and KV path (default secret/app/db)
// It checks where the wrapping token was made, unwraps it (single use), logs in and reads.
// Exit codes: 0 started, 1 refused (possible interception), 2 any other failure.
// Run `npm run build` first: this imports the compiled client.
import { readFileSync, rmSync } from 'node:fs';
import { ApiError, WardClient } from '../../dist/src/api/index.js';

const role = process.env.APP_ROLE ?? 'app';
const secretPath = process.env.SECRET_PATH ?? 'secret/app/db';
const expectedPath = `auth/approle/role/${role}/secret-id`;
const refuse = (why) => {
  console.error(`app: refusing to start: ${why}`);
  process.exit(1);
};
const invalid = (e) => e instanceof ApiError && e.status === 400;

const roleId = process.env.ROLE_ID;
const file = process.env.WRAPPED_SECRET_ID_FILE;
if (!roleId || !file) {
  console.error('app: set ROLE_ID and WRAPPED_SECRET_ID_FILE');
  process.exit(2);
}
const wrappingToken = readFileSync(file, 'utf8').trim();
rmSync(file, { force: true }); // single use either way; never leave it on disk

// Only VAULT_ADDR (and TLS settings) come from the environment; never an ambient token.
const ward = WardClient.fromEnv({ ...process.env, VAULT_TOKEN: '', WARD_TOKEN: '' });
try {
  // 1. Lookup does not consume the token. A 400 means used, expired or never issued.
  let info;
  try {
    info = (await ward.wrappingLookup(wrappingToken)).body?.data ?? {};
  } catch (e) {
    if (invalid(e)) refuse('the wrapping token is invalid, expired or was already unwrapped; someone may have intercepted it. Alert security and ask the pipeline for a new one.');
    throw e;
  }
  // 2. A token minted elsewhere (sys/wrapping/wrap, another role) could carry a secret ID chosen by an attacker.
  if (info.creation_path !== expectedPath) refuse(`the wrapping token was created at "${info.creation_path}", expected "${expectedPath}"; it did not come from the pipeline.`);
  // 3. Unwrap. Losing a race here also means someone else holds the token.
  let secretId;
  try {
    secretId = (await ward.unwrap(wrappingToken)).body?.data?.secret_id;
  } catch (e) {
    if (invalid(e)) refuse('the wrapping token was unwrapped by someone else between lookup and unwrap; alert security.');
    throw e;
  }
  // 4. Log in as the app and read its secret.
  const auth = (await ward.login('approle', { role_id: roleId, secret_id: secretId })).body?.auth;
  ward.token = auth.client_token;
  const { res } = await ward.kvGet(secretPath);
  const keys = Object.keys(res.body?.data?.data ?? {}).sort();
  console.log(`app: logged in with policies ${auth.policies.join(',')}; read ${secretPath} (keys: ${keys.join(', ')})`);
  ward.close();
} catch (e) {
  console.error(`app: ${e.message}`);
  process.exit(2);
}
