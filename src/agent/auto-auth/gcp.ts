/**
 * gcp auto-auth. `type = "gce"`: the GCE metadata server's identity token for the
 * instance's service account (`service_account`, default `default`), with audience
 * `http://vault/<role>` and the full format (instance claims), fetched at every login.
 * `type = "iam"`: a JWT `{sub: <service account>, aud: http://vault/<role>, exp}` signed by
 * the IAM Credentials API `signJwt` (gcp-iam.ts). Both log in at `auth/<mount>/login`.
 *
 * The metadata server is `metadata.google.internal`, or `GCE_METADATA_HOST` when set (the
 * variable Google's client libraries honour; the tests point it at a local fake).
 */
import type { WardClient } from '../../api/index.js';
import type { Stanza } from '../config-read.js';
import { fromAuth, type AuthMethod, type AuthResult } from './method.js';
import { gceMetadataBase, metadataText } from './metadata-http.js';
import { iamSignedJwt } from './gcp-iam.js';

export interface GcpParams {
  type: 'gcp';
  kind: 'gce' | 'iam';
  role: string;
  /** The service account: an email, or `default` on GCE. Empty: from the credentials (iam). */
  serviceAccount: string;
  /** iam: the contents of a service-account key file (JSON). */
  credentials?: string;
  project?: string;
  /** iam: lifetime of the signed JWT, in minutes. */
  jwtExpMinutes: number;
}

/** `method "gcp" { config = { type role credentials service_account project jwt_exp } }`. */
export function parseGcpParams(x: Stanza): GcpParams {
  x.checkKeys(['type', 'role', 'credentials', 'service_account', 'project', 'jwt_exp']);
  const kind = x.need('type');
  if (kind !== 'gce' && kind !== 'iam') throw x.error(`type must be "gce" or "iam", not "${kind}"`, 'type');
  const p: GcpParams = { type: 'gcp', kind, role: x.need('role'), serviceAccount: x.str('service_account') ?? '', jwtExpMinutes: 15 };
  const exp = x.int('jwt_exp');
  if (exp !== undefined) {
    // The server refuses a JWT that lives longer than an hour.
    if (exp < 1 || exp > 60) throw x.error('jwt_exp must be a number of minutes between 1 and 60', 'jwt_exp');
    p.jwtExpMinutes = exp;
  }
  const credentials = x.str('credentials');
  if (credentials) p.credentials = credentials;
  const project = x.str('project');
  if (project) p.project = project;
  if (kind === 'gce' && p.serviceAccount === '') p.serviceAccount = 'default';
  return p;
}

export class GcpMethod implements AuthMethod {
  readonly name = 'gcp';
  constructor(
    private readonly mount: string,
    private readonly p: GcpParams,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  async authenticate(client: WardClient): Promise<AuthResult> {
    const jwt = this.p.kind === 'gce' ? await this.identityToken() : await iamSignedJwt(this.p, this.env);
    const res = await client.login(this.mount, { role: this.p.role, jwt });
    return fromAuth(res.body, `auth/${this.mount}/login`);
  }

  private async identityToken(): Promise<string> {
    const q = new URLSearchParams({ audience: `http://vault/${this.p.role}`, format: 'full' });
    const url = `${gceMetadataBase(this.env)}/computeMetadata/v1/instance/service-accounts/${encodeURIComponent(this.p.serviceAccount)}/identity?${q}`;
    const jwt = (await metadataText(url, { 'Metadata-Flavor': 'Google' }, 'GCE metadata identity token')).trim();
    if (jwt.split('.').length !== 3) throw new Error('GCE metadata identity token: the answer is not a JWT');
    return jwt;
  }
}
