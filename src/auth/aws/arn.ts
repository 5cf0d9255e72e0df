/**
 * IAM principal ARNs as the aws auth method reads them (Vault's parseIamArn): the ARN
 * GetCallerIdentity returns is reduced to a canonical IAM ARN, so an assumed-role session
 * `arn:aws:sts::<acct>:assumed-role/<name>/<session>` binds as `arn:aws:iam::<acct>:role/<name>`.
 */
import { globMatch } from '../../lib/glob.js';

export interface IamEntity {
  partition: string;
  accountNumber: string;
  /** user, role or assumed-role as written in the ARN. */
  type: string;
  path: string;
  friendlyName: string;
  sessionInfo: string;
}

/** Throws Vault's error text for an ARN it cannot read. */
export function parseIamArn(arn: string): IamEntity {
  const parts = arn.split(':');
  if (parts.length !== 6) throw new Error(`unrecognized arn: contains ${parts.length} colon-separated parts, expected 6`);
  if (parts[0] !== 'arn') throw new Error('unrecognized arn: does not begin with "arn:"');
  const [, partition = '', service = '', , account = '', resource = ''] = parts;
  if (service !== 'iam' && service !== 'sts') throw new Error(`unrecognized service: ${service}, not one of iam or sts`);
  const pieces = resource.split('/');
  if (pieces.length < 2) throw new Error(`unrecognized arn: "${resource}" contains fewer than 2 slash-separated parts`);
  const type = pieces[0] ?? '';
  const e: IamEntity = { partition, accountNumber: account, type, path: '', friendlyName: '', sessionInfo: '' };
  switch (type) {
    case 'assumed-role':
      if (pieces.length < 3) throw new Error('unrecognized arn: "assumed-role" has fewer than 3 slash-separated parts');
      e.friendlyName = pieces[1] ?? '';
      e.sessionInfo = pieces.slice(2).join('/');
      break;
    case 'user':
    case 'role':
    case 'instance-profile':
      e.path = pieces.slice(1, -1).join('/');
      e.friendlyName = pieces[pieces.length - 1] ?? '';
      break;
    default:
      throw new Error(`unrecognized principal type: "${type}"`);
  }
  return e;
}

/** `arn:<partition>:iam::<acct>:<role|user>/<name>`, without the path (STS never reveals it for roles). */
export function canonicalArn(e: IamEntity): string {
  const type = e.type === 'assumed-role' ? 'role' : e.type;
  return `arn:${e.partition}:iam::${e.accountNumber}:${type}/${e.friendlyName}`;
}

/**
 * Whether any bound ARN (exact or with `*` globs) matches. Vault resolves the principal's
 * full ARN (with its path) through IAM for wildcard binds; Ward has no IAM access, so a
 * glob is tried against the ARN STS returned and the canonical ARN, which carry the path
 * for users but not for roles.
 */
export function principalBound(bound: readonly string[], clientArn: string, e: IamEntity): boolean {
  const candidates = [canonicalArn(e), clientArn];
  return bound.some((b) => candidates.some((c) => (b.includes('*') ? globMatch(b, c) : b === c)));
}
