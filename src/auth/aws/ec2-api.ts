/**
 * The two AWS calls Vault's ec2 login makes for API binds, over the query API (POST form,
 * SigV4-signed), with config/client's keys or the server's AWS_* environment:
 * - EC2 DescribeInstances (Version 2016-11-15) for the instance, service `ec2` in the identity
 *   document's region, at `endpoint` or https://ec2.<region>.amazonaws.com;
 * - IAM GetInstanceProfile (Version 2010-05-08) for its profile's role, service `iam` in
 *   us-east-1 (IAM is global), at `iam_endpoint` or https://iam.amazonaws.com.
 * Only the fields the role binds need are read. Failures are Ec2ApiError with the service's
 * code and message (never the keys).
 */
import { signRequest, type AwsCredentials } from '../../lib/aws-sigv4.js';
import { awsRequest, xmlTag } from './aws-http.js';
import type { ClientConfig } from './path-config.js';

export interface Ec2Instance {
  state: string;
  vpcId: string;
  subnetId: string;
  instanceProfileArn: string;
}

export class Ec2ApiError extends Error {}

function credentials(c: ClientConfig | null, env: NodeJS.ProcessEnv): AwsCredentials {
  if (c?.accessKey && c.secretKey) return { accessKeyId: c.accessKey, secretAccessKey: c.secretKey };
  const id = env['AWS_ACCESS_KEY_ID'];
  const secret = env['AWS_SECRET_ACCESS_KEY'];
  if (!id || !secret) throw new Ec2ApiError('no AWS credentials for the EC2 API: set access_key and secret_key in config/client');
  return { accessKeyId: id, secretAccessKey: secret, ...(env['AWS_SESSION_TOKEN'] ? { sessionToken: env['AWS_SESSION_TOKEN'] } : {}) };
}

/** The first `<name>…</name>` text inside `xml`, or ''. */
const tag = (xml: string, name: string): string => xmlTag(xml, name) ?? '';

/** Reads the one instance out of a DescribeInstancesResponse; instance-level fields come before its network interfaces. */
export function parseDescribeInstances(xml: string): Ec2Instance | null {
  const set = /<instancesSet>\s*<item>([\s\S]*)<\/item>\s*<\/instancesSet>/.exec(xml)?.[1];
  if (!set) return null;
  const own = set.split('<networkInterfaceSet>')[0] ?? '';
  const state = /<instanceState>([\s\S]*?)<\/instanceState>/.exec(own)?.[1] ?? '';
  const profile = /<iamInstanceProfile>([\s\S]*?)<\/iamInstanceProfile>/.exec(own)?.[1] ?? '';
  return { state: tag(state, 'name'), vpcId: tag(own, 'vpcId'), subnetId: tag(own, 'subnetId'), instanceProfileArn: tag(profile, 'arn') };
}

/** One signed query-API call; the 200 body, or Ec2ApiError with the service's code and message. */
async function query(c: ClientConfig | null, base: string, region: string, service: string, params: Record<string, string>, o: { timeoutMs: number; env?: NodeJS.ProcessEnv }): Promise<string> {
  const creds = credentials(c, o.env ?? process.env);
  const url = new URL(base.replace(/\/+$/, '') + '/');
  const body = new URLSearchParams(params).toString();
  const headers = signRequest({
    method: 'POST', url, headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8' }, body,
    region, service, credentials: creds, now: Date.now(),
  });
  let res: { status: number; body: string };
  try {
    res = await awsRequest(url, 'POST', { ...headers, 'Content-Length': String(Buffer.byteLength(body)) }, body, { timeoutMs: o.timeoutMs, host: url.host });
  } catch (e) {
    throw new Ec2ApiError(`error making upstream request: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (res.status !== 200) {
    const code = tag(res.body, 'Code');
    throw new Ec2ApiError(code ? `${code}: ${tag(res.body, 'Message')}` : `${service} answered HTTP ${res.status}`);
  }
  return res.body;
}

export async function describeInstance(c: ClientConfig | null, region: string, instanceId: string, o: { timeoutMs: number; env?: NodeJS.ProcessEnv }): Promise<Ec2Instance> {
  const xml = await query(c, c?.endpoint || `https://ec2.${region}.amazonaws.com`, region, 'ec2', { Action: 'DescribeInstances', Version: '2016-11-15', 'InstanceId.1': instanceId }, o);
  const inst = parseDescribeInstances(xml);
  if (!inst) throw new Ec2ApiError('no reservations found in instance description');
  return inst;
}

/** The role ARNs of a GetInstanceProfileResponse. */
export function parseInstanceProfileRoles(xml: string): string[] {
  const roles = /<Roles>([\s\S]*?)<\/Roles>/.exec(xml)?.[1] ?? '';
  return [...roles.matchAll(/<member>([\s\S]*?)<\/member>/g)].map((m) => tag(m[1] ?? '', 'Arn')).filter((a) => a !== '');
}

/** The role of the instance profile named by `profileArn` (its last path segment); an instance profile holds one role. */
export async function instanceProfileRole(c: ClientConfig | null, profileArn: string, o: { timeoutMs: number; env?: NodeJS.ProcessEnv }): Promise<string> {
  const name = profileArn.split('/').pop() ?? '';
  const xml = await query(c, c?.iamEndpoint || 'https://iam.amazonaws.com', 'us-east-1', 'iam', { Action: 'GetInstanceProfile', Version: '2010-05-08', InstanceProfileName: name }, o);
  const roles = parseInstanceProfileRoles(xml);
  if (roles.length !== 1) throw new Ec2ApiError(`instance profile "${name}" has ${roles.length} roles; expected 1`);
  return roles[0]!;
}
