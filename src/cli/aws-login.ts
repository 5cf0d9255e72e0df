/**
 * `ward login -method=aws` as `vault login -method=aws` takes it: credentials from
 * aws_access_key_id / aws_secret_access_key / aws_security_token or the AWS_* environment,
 * `region` (default us-east-1) and `header_value`; the signed GetCallerIdentity becomes the
 * iam_* login fields. The secret key only feeds the signature and is never sent or printed.
 */
import type { JsonObject } from '../api/index.js';
import { iamLoginData } from '../lib/aws-iam-login.js';
import { UsageError } from './flags.js';

const take = (data: JsonObject, key: string): string | undefined => {
  const v = data[key];
  delete data[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
};

export function awsLoginBody(data: JsonObject, env: NodeJS.ProcessEnv, now = Date.now()): JsonObject {
  const accessKeyId = take(data, 'aws_access_key_id') ?? env['AWS_ACCESS_KEY_ID'];
  const secretAccessKey = take(data, 'aws_secret_access_key') ?? env['AWS_SECRET_ACCESS_KEY'];
  const sessionToken = take(data, 'aws_security_token') ?? env['AWS_SESSION_TOKEN'];
  const region = take(data, 'region') ?? 'us-east-1';
  const headerValue = take(data, 'header_value');
  const stsUrl = take(data, 'sts_endpoint');
  if (!accessKeyId || !secretAccessKey) throw new UsageError('no AWS credentials: set aws_access_key_id= and aws_secret_access_key= or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY');
  const login = iamLoginData({
    credentials: { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) },
    region,
    ...(stsUrl ? { stsUrl } : {}),
    ...(headerValue ? { serverIdHeaderValue: headerValue } : {}),
    now,
  });
  return { ...data, ...login };
}
