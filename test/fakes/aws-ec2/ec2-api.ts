/**
 * A local EC2 + IAM query API: EC2 DescribeInstances for a few instances and IAM
 * GetInstanceProfile for their profiles, for the aws ec2 login's binds that need them
 * (bound_vpc_id, bound_subnet_id, bound_iam_instance_profile_arn; bound_iam_role_arn).
 * It checks what AWS checks: a POST form with a known Action, a Version and its parameter
 * (InstanceId.1 / InstanceProfileName); a SigV4 header signature for the action's service
 * (`ec2`, or `iam` scoped to us-east-1) by a known access key, recomputed
 * over the request as received (else AuthFailure / SignatureDoesNotMatch, 401/403), a signing
 * time within 15 minutes (RequestExpired); an unknown instance is
 * InvalidInstanceID.NotFound, an unknown profile NoSuchEntity (404). Answers are the
 * services' XML shapes.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseAmzDate, parseAuthorization, signRequest, type AwsCredentials } from '../../../src/lib/aws-sigv4.js';

export interface FakeInstance {
  instanceId: string;
  state: 'pending' | 'running' | 'stopping' | 'stopped' | 'terminated';
  vpcId: string;
  subnetId: string;
  /** Absent: no instance profile. */
  instanceProfileArn?: string;
}

export interface FakeEc2Api {
  url: string;
  /** `region Action parameter` of each accepted call. */
  calls: string[];
  close(): Promise<void>;
}

const STATE_CODES = { pending: 0, running: 16, stopping: 64, stopped: 80, terminated: 48 } as const;

/** profiles: instance-profile name → the ARNs of its roles. */
export async function startFakeEc2Api(credentials: AwsCredentials, instances: FakeInstance[], profiles: Record<string, string[]> = {}): Promise<FakeEc2Api> {
  const calls: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const xml = (status: number, text: string) => res.writeHead(status, { 'Content-Type': 'text/xml;charset=UTF-8' }).end(text);
      const error = (status: number, code: string, message: string) =>
        xml(status, `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${code}</Code><Message>${message}</Message></Error></Errors><RequestID>${randomUUID()}</RequestID></Response>`);
      const auth = parseAuthorization(String(req.headers['authorization'] ?? ''));
      const xAmzDate = String(req.headers['x-amz-date'] ?? '');
      if (!auth || !xAmzDate) return error(401, 'AuthFailure', 'AWS was not able to validate the provided access credentials');
      if (auth.accessKeyId !== credentials.accessKeyId) return error(401, 'AuthFailure', 'AWS was not able to validate the provided access credentials');
      const form = new URLSearchParams(body);
      const action = form.get('Action') ?? '';
      const service = action === 'GetInstanceProfile' ? 'iam' : 'ec2';
      if (auth.service !== service) return error(403, 'SignatureDoesNotMatch', `Credential should be scoped to correct service: '${service}'.`);
      if (service === 'iam' && auth.region !== 'us-east-1') return error(403, 'SignatureDoesNotMatch', "Credential should be scoped to a valid region, not '" + auth.region + "'.");
      const signedAt = parseAmzDate(xAmzDate);
      if (!Number.isFinite(signedAt) || Math.abs(Date.now() - signedAt) > 15 * 60_000) return error(400, 'RequestExpired', 'Request has expired.');
      const headers: Record<string, string> = {};
      for (const h of auth.signedHeaders) if (h !== 'x-amz-date' && h !== 'x-amz-security-token') headers[h] = String(req.headers[h] ?? '');
      const expected = signRequest({
        method: req.method ?? '', url: new URL(req.url ?? '/', `http://${req.headers['host'] ?? ''}`), headers, body,
        region: auth.region, service, credentials, now: signedAt,
      })['Authorization'];
      if (expected !== req.headers['authorization']) {
        return error(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.');
      }
      if (req.method !== 'POST') return error(400, 'InvalidAction', 'The action is not valid for this web service.');
      if (!form.get('Version')) return error(400, 'MissingParameter', 'The request must contain the parameter Version');
      if (action === 'GetInstanceProfile') {
        const name = form.get('InstanceProfileName') ?? '';
        const roles = profiles[name];
        if (!roles) return xml(404, `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>NoSuchEntity</Code><Message>Instance Profile ${name} cannot be found.</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`);
        calls.push(`${auth.region} GetInstanceProfile ${name}`);
        const members = roles.map((arn) => `<member><Path>/</Path><Arn>${arn}</Arn><RoleName>${arn.split('/').pop() ?? ''}</RoleName><RoleId>AROA${randomUUID().slice(0, 8).toUpperCase()}</RoleId></member>`).join('');
        return xml(200, `<GetInstanceProfileResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GetInstanceProfileResult><InstanceProfile><InstanceProfileId>AIPA1</InstanceProfileId><Roles>${members}</Roles><InstanceProfileName>${name}</InstanceProfileName><Path>/</Path><Arn>arn:aws:iam::123456789012:instance-profile/${name}</Arn></InstanceProfile></GetInstanceProfileResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></GetInstanceProfileResponse>`);
      }
      if (action !== 'DescribeInstances') return error(400, 'InvalidAction', `The action ${form.get('Action') ?? ''} is not valid for this web service.`);
      const id = form.get('InstanceId.1') ?? '';
      const inst = instances.find((i) => i.instanceId === id);
      if (!inst) return error(400, 'InvalidInstanceID.NotFound', `The instance ID '${id}' does not exist`);
      calls.push(`${auth.region} DescribeInstances ${id}`);
      const profile = inst.instanceProfileArn ? `<iamInstanceProfile><arn>${inst.instanceProfileArn}</arn><id>AIPA${id.slice(2, 12).toUpperCase()}</id></iamInstanceProfile>` : '';
      xml(200, `<?xml version="1.0" encoding="UTF-8"?>
<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>${randomUUID()}</requestId><reservationSet><item><reservationId>r-0a1b</reservationId><ownerId>123456789012</ownerId><groupSet/><instancesSet><item><instanceId>${id}</instanceId><imageId>ami-0abc</imageId><instanceState><code>${STATE_CODES[inst.state]}</code><name>${inst.state}</name></instanceState><subnetId>${inst.subnetId}</subnetId><vpcId>${inst.vpcId}</vpcId>${profile}<networkInterfaceSet><item><networkInterfaceId>eni-1</networkInterfaceId><subnetId>${inst.subnetId}</subnetId><vpcId>${inst.vpcId}</vpcId></item></networkInterfaceSet></item></instancesSet></item></reservationSet></DescribeInstancesResponse>`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
