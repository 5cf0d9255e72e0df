/**
 * The fake cluster's identity state: namespaces, service accounts, pods, the signing key,
 * and the token authenticator. Tokens are checked the way the API server's service-account
 * authenticator does (issuer, signature, lifetime, audiences, then the live objects they are
 * bound to), with the same error strings on the TokenReview status.
 */
import { randomUUID } from 'node:crypto';
import { SignJWT, compactVerify, decodeJwt, exportJWK, exportSPKI, generateKeyPair, type CryptoKey, type JWTPayload } from 'jose';

export interface IssueTokenOptions {
  namespace: string;
  name: string;
  /** Service-account UID; defaults to the existing one, or a fresh UUID. Giving a new one recreates the SA. */
  uid?: string;
  /** `aud`; default: the API server's own audiences. */
  audiences?: string[];
  /** Lifetime in seconds (default 3600); negative issues an already-expired token. */
  expiresIn?: number;
  /** Pod the token is bound to (default: a fresh pod); null for an unbound token. */
  pod?: { name: string; uid: string } | null;
  /** Secret the token is bound to (TokenRequest boundObjectRef kind Secret); it must exist for the token to stay valid. */
  secret?: { name: string; uid: string };
}

export interface UserInfo {
  username: string;
  uid: string;
  groups: string[];
  extra: Record<string, string[]>;
}

/** Outcome of authenticating a token: `user` when valid, `error` when rejected, neither when not recognised. */
export interface AuthResult {
  user?: UserInfo;
  audiences: string[];
  error?: string;
}

export type Alg = 'ES256' | 'RS256';

export const saUsername = (ns: string, name: string): string => `system:serviceaccount:${ns}:${name}`;

/** The live objects tokens are bound to, kept in the fake's object store. */
export interface BoundObjects {
  ensureNamespace(name: string): void;
  /** The service account's uid, creating it (or recreating it with `uid`) as needed. */
  ensureServiceAccount(namespace: string, name: string, uid?: string): string;
  serviceAccountUid(namespace: string, name: string): string | undefined;
  /** Creates the pod with this uid unless it exists with it. */
  ensurePod(namespace: string, name: string, uid: string): void;
  podUid(namespace: string, name: string): string | undefined;
  secretUid?(namespace: string, name: string): string | undefined;
}

export class Cluster {
  /** Every token issued, by jti, for bookkeeping and assertions. */
  readonly issued = new Map<string, { namespace: string; name: string }>();

  private constructor(
    readonly issuer: string,
    readonly apiAudiences: string[],
    readonly alg: Alg,
    private readonly privateKey: CryptoKey,
    private readonly publicKey: CryptoKey,
    readonly kid: string,
    readonly publicKeyPem: string,
    readonly objects: BoundObjects,
  ) {}

  static async create(issuer: string, apiAudiences: string[], alg: Alg, objects: BoundObjects): Promise<Cluster> {
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
    return new Cluster(issuer, apiAudiences, alg, privateKey, publicKey, randomUUID(), await exportSPKI(publicKey), objects);
  }

  /** The public signing key as the API server's `/openid/v1/jwks` publishes it. */
  async jwks(): Promise<{ keys: unknown[] }> {
    return { keys: [{ ...(await exportJWK(this.publicKey)), use: 'sig', kid: this.kid, alg: this.alg }] };
  }

  async issueToken(o: IssueTokenOptions): Promise<string> {
    this.objects.ensureNamespace(o.namespace);
    const uid = this.objects.ensureServiceAccount(o.namespace, o.name, o.uid);
    const pod = o.pod === undefined ? { name: `${o.name}-${randomUUID().slice(0, 5)}`, uid: randomUUID() } : o.pod;
    if (pod) this.objects.ensurePod(o.namespace, pod.name, pod.uid);
    const jti = randomUUID();
    this.issued.set(jti, { namespace: o.namespace, name: o.name });
    return signServiceAccountToken(this.privateKey, this.alg, this.kid, {
      issuer: this.issuer,
      audiences: o.audiences ?? this.apiAudiences,
      expiresIn: o.expiresIn ?? 3600,
      namespace: o.namespace,
      name: o.name,
      uid,
      pod,
      ...(o.secret ? { secret: o.secret } : {}),
      jti,
    });
  }

  /** What the API server's token authenticator would say about `token` for `audiences` (empty = its own). */
  async authenticate(token: string, requested: readonly string[]): Promise<AuthResult> {
    const wanted = requested.length > 0 ? [...requested] : this.apiAudiences;
    let claims: JWTPayload;
    try {
      claims = decodeJwt(token);
    } catch {
      return { audiences: [] }; // not a JWT: no authenticator recognises it
    }
    if (claims.iss !== this.issuer) return { audiences: [] };
    const fail = (why: string): AuthResult => ({ audiences: [], error: `[invalid bearer token, ${why}]` });
    try {
      await compactVerify(token, this.publicKey);
    } catch {
      return fail('go-jose/go-jose: error in cryptographic primitive');
    }
    const now = Math.floor(Date.now() / 1000);
    if (typeof claims.exp === 'number' && claims.exp < now) return fail('service account token has expired');
    if (typeof claims.nbf === 'number' && claims.nbf > now) return fail('service account token is not valid yet');
    const tokenAuds = typeof claims.aud === 'string' ? [claims.aud] : (claims.aud ?? []);
    const granted = wanted.filter((a) => tokenAuds.includes(a));
    if (granted.length === 0) {
      return fail(`token audiences ${JSON.stringify(tokenAuds)} is invalid for the target audiences ${JSON.stringify(wanted)}`);
    }
    const k8s = (claims['kubernetes.io'] ?? {}) as { namespace?: string; serviceaccount?: { name?: string; uid?: string }; pod?: { name?: string; uid?: string }; secret?: { name?: string; uid?: string } };
    const ns = k8s.namespace ?? '';
    const sa = k8s.serviceaccount ?? {};
    if (this.objects.serviceAccountUid(ns, sa.name ?? '') !== sa.uid) return fail('service account token has been invalidated');
    if (k8s.pod && this.objects.podUid(ns, k8s.pod.name ?? '') !== k8s.pod.uid) return fail('service account token has been invalidated');
    if (k8s.secret && this.objects.secretUid?.(ns, k8s.secret.name ?? '') !== k8s.secret.uid) return fail('service account token has been invalidated');
    const extra: Record<string, string[]> = { 'authentication.kubernetes.io/credential-id': [`JTI=${String(claims.jti ?? '')}`] };
    if (k8s.pod) {
      extra['authentication.kubernetes.io/pod-name'] = [k8s.pod.name ?? ''];
      extra['authentication.kubernetes.io/pod-uid'] = [k8s.pod.uid ?? ''];
    }
    return {
      audiences: granted,
      user: {
        username: saUsername(ns, sa.name ?? ''),
        uid: sa.uid ?? '',
        groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated'],
        extra,
      },
    };
  }
}

export interface SignOptions {
  issuer: string;
  audiences: string[];
  expiresIn: number;
  namespace: string;
  name: string;
  uid: string;
  pod: { name: string; uid: string } | null;
  secret?: { name: string; uid: string };
  jti?: string;
}

/** A projected service-account token with the claims the API server puts in one. */
export function signServiceAccountToken(key: CryptoKey, alg: Alg, kid: string, o: SignOptions): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const k8s: Record<string, unknown> = { namespace: o.namespace, serviceaccount: { name: o.name, uid: o.uid } };
  if (o.pod) k8s['pod'] = { name: o.pod.name, uid: o.pod.uid };
  if (o.secret) k8s['secret'] = { name: o.secret.name, uid: o.secret.uid };
  return new SignJWT({ 'kubernetes.io': k8s })
    .setProtectedHeader({ alg, kid })
    .setIssuer(o.issuer)
    .setSubject(saUsername(o.namespace, o.name))
    .setAudience(o.audiences)
    .setIssuedAt(now + Math.min(0, o.expiresIn) - 1)
    .setNotBefore(now + Math.min(0, o.expiresIn) - 1)
    .setExpirationTime(now + o.expiresIn)
    .setJti(o.jti ?? randomUUID())
    .sign(key);
}
