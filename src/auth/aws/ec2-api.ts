/**
 * EC2's DescribeInstances for one instance, as Vault's ec2 login asks it: the query API
 * (POST form, Version 2016-11-15), SigV4-signed for service `ec2` in the identity document's
 * region, at config/client's `endpoint` or https://ec2.<region>.amazonaws.com, with
 * config/client's keys or the server's AWS_* environment. Only the fields the role binds
 * need are read. Failures are Ec2ApiError with EC2's code and message (never the keys).
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { signRequest, type AwsCredentials } from '../../lib/aws-sigv4.js';
import type { ClientConfig } from './path-config.js';

export interface Ec2Instance {
  state: string;
  vpcId: string;
  subnetId: string;
  instanceProfileArn: string;
}

export class Ec2ApiError extends Error {}

const MAX_BODY = 1 << 20;

function credentials(c: ClientConfig | null, env: NodeJS.ProcessEnv): AwsCredentials {
  if (c?.accessKey && c.secretKey) return { accessKeyId: c.accessKey, secretAccessKey: c.secretKey };
  const id = env['AWS_ACCESS_KEY_ID'];
  const secret = env['AWS_SECRET_ACCESS_KEY'];
  if (!id || !secret) throw new Ec2ApiError('no AWS credentials for the EC2 API: set access_key and secret_key in config/client');
  return { accessKeyId: id, secretAccessKey: secret, ...(env['AWS_SESSION_TOKEN'] ? { sessionToken: env['AWS_SESSION_TOKEN'] } : {}) };
}

function post(url: URL, headers: Record<string, string>, body: string, timeoutMs: number): Promise<{ status: number; body: string }> {
  const lib = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(url, { method: 'POST', headers, minVersion: 'TLSv1.2' } as https.RequestOptions, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY) req.destroy(new Error('response too large'));
        else chunks.push(c);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer from ${url.host} within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** The first `<name>…</name>` text inside `xml`. */
const tag = (xml: string, name: string): string => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1] ?? '';

/** Reads the one instance out of a DescribeInstancesResponse; instance-level fields come before its network interfaces. */
export function parseDescribeInstances(xml: string): Ec2Instance | null {
  const set = /<instancesSet>\s*<item>([\s\S]*)<\/item>\s*<\/instancesSet>/.exec(xml)?.[1];
  if (!set) return null;
  const own = set.split('<networkInterfaceSet>')[0] ?? '';
  const state = /<instanceState>([\s\S]*?)<\/instanceState>/.exec(own)?.[1] ?? '';
  const profile = /<iamInstanceProfile>([\s\S]*?)<\/iamInstanceProfile>/.exec(own)?.[1] ?? '';
  return { state: tag(state, 'name'), vpcId: tag(own, 'vpcId'), subnetId: tag(own, 'subnetId'), instanceProfileArn: tag(profile, 'arn') };
}

export async function describeInstance(c: ClientConfig | null, region: string, instanceId: string, o: { timeoutMs: number; env?: NodeJS.ProcessEnv }): Promise<Ec2Instance> {
  const creds = credentials(c, o.env ?? process.env);
  const base = c?.endpoint || `https://ec2.${region}.amazonaws.com`;
  const url = new URL(base.replace(/\/+$/, '') + '/');
  const body = new URLSearchParams({ Action: 'DescribeInstances', Version: '2016-11-15', 'InstanceId.1': instanceId }).toString();
  const headers = signRequest({
    method: 'POST', url, headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8' }, body,
    region, service: 'ec2', credentials: creds, now: Date.now(),
  });
  let res: { status: number; body: string };
  try {
    res = await post(url, { ...headers, 'Content-Length': String(Buffer.byteLength(body)) }, body, o.timeoutMs);
  } catch (e) {
    throw new Ec2ApiError(`error making upstream request: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (res.status !== 200) {
    const code = tag(res.body, 'Code');
    throw new Ec2ApiError(code ? `${code}: ${tag(res.body, 'Message')}` : `EC2 answered HTTP ${res.status}`);
  }
  const inst = parseDescribeInstances(res.body);
  if (!inst) throw new Ec2ApiError('no reservations found in instance description');
  return inst;
}
