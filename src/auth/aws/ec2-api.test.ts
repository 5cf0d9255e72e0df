import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDescribeInstances, parseInstanceProfileRoles } from './ec2-api.js';

const wrap = (item: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r</requestId><reservationSet><item><reservationId>r-1</reservationId><instancesSet><item>${item}</item></instancesSet></item></reservationSet></DescribeInstancesResponse>`;

test('parseDescribeInstances reads the instance-level state, VPC, subnet and profile', () => {
  const table: [string, ReturnType<typeof parseDescribeInstances>][] = [
    [
      wrap('<instanceId>i-1</instanceId><instanceState><code>16</code><name>running</name></instanceState><subnetId>subnet-a</subnetId><vpcId>vpc-a</vpcId><iamInstanceProfile><arn>arn:aws:iam::1:instance-profile/p</arn><id>AIPA1</id></iamInstanceProfile>'),
      { state: 'running', vpcId: 'vpc-a', subnetId: 'subnet-a', instanceProfileArn: 'arn:aws:iam::1:instance-profile/p' },
    ],
    // No profile; a network interface in another subnet (a secondary ENI) does not count.
    [
      wrap('<instanceId>i-2</instanceId><instanceState>\n<code>80</code>\n<name>stopped</name>\n</instanceState><subnetId>subnet-a</subnetId><vpcId>vpc-a</vpcId><networkInterfaceSet><item><subnetId>subnet-b</subnetId><vpcId>vpc-b</vpcId></item></networkInterfaceSet>'),
      { state: 'stopped', vpcId: 'vpc-a', subnetId: 'subnet-a', instanceProfileArn: '' },
    ],
    // EC2-Classic style: no VPC fields at all.
    [wrap('<instanceId>i-3</instanceId><instanceState><code>16</code><name>running</name></instanceState>'), { state: 'running', vpcId: '', subnetId: '', instanceProfileArn: '' }],
    ['<DescribeInstancesResponse><requestId>r</requestId><reservationSet/></DescribeInstancesResponse>', null],
    ['not xml', null],
  ];
  for (const [xml, want] of table) assert.deepEqual(parseDescribeInstances(xml), want, xml.slice(-120));
});

test('parseInstanceProfileRoles lists the role ARNs, not the profile ARN', () => {
  const xml = (roles: string) => `<GetInstanceProfileResponse><GetInstanceProfileResult><InstanceProfile><Roles>${roles}</Roles><Arn>arn:aws:iam::1:instance-profile/p</Arn></InstanceProfile></GetInstanceProfileResult></GetInstanceProfileResponse>`;
  assert.deepEqual(parseInstanceProfileRoles(xml('<member><Path>/</Path><Arn>arn:aws:iam::1:role/a</Arn></member>')), ['arn:aws:iam::1:role/a']);
  assert.deepEqual(parseInstanceProfileRoles(xml('')), []);
  assert.deepEqual(parseInstanceProfileRoles(xml('<member><Arn>arn:aws:iam::1:role/a</Arn></member><member><Arn>arn:aws:iam::1:role/b</Arn></member>')), ['arn:aws:iam::1:role/a', 'arn:aws:iam::1:role/b']);
});
