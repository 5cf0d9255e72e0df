/**
 * One HTTPS call from the API server to an admission webhook: where it goes (clientConfig.url,
 * or clientConfig.service resolved through the test's `serviceEndpoints` map since there is no
 * cluster network, while the certificate is still checked for `<service>.<namespace>.svc` as
 * the real API server does), trust from caBundle only, TLS 1.2+, the `?timeout=<n>s` query the
 * API server adds, and transport failures worded as Go's HTTP client words them.
 */
import * as https from 'node:https';
import type { Json } from './http-util.js';

export interface WebhookTarget {
  /** The URL as the API server names it in errors (`https://svc.ns.svc:443/path?timeout=10s`). */
  url: string;
  /** Where to connect. */
  host: string;
  port: number;
  path: string;
  /** The name the serving certificate must carry. */
  servername: string;
  caPem: string;
}

/** Why a webhook could not be called (the failure policy decides what happens next). */
export class CallError extends Error {}

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Resolves clientConfig into a target, or throws CallError (as an unresolvable service would fail the call). */
export function resolveTarget(clientConfig: unknown, timeoutSeconds: number, serviceEndpoints: Readonly<Record<string, string>>): WebhookTarget {
  const cc = isObj(clientConfig) ? clientConfig : {};
  const caPem = typeof cc['caBundle'] === 'string' ? Buffer.from(cc['caBundle'], 'base64').toString('utf8') : '';
  const timeout = `timeout=${timeoutSeconds}s`;
  if (typeof cc['url'] === 'string') {
    const u = new URL(cc['url']);
    u.search = u.search ? `${u.search}&${timeout}` : `?${timeout}`;
    const host = u.hostname.replace(/^\[|\]$/g, '');
    return { url: u.toString(), host, port: Number(u.port || 443), path: `${u.pathname}${u.search}`, servername: host, caPem };
  }
  const svc = isObj(cc['service']) ? cc['service'] : {};
  const name = String(svc['name'] ?? '');
  const ns = String(svc['namespace'] ?? '');
  const port = typeof svc['port'] === 'number' ? svc['port'] : 443;
  const path = typeof svc['path'] === 'string' ? svc['path'] : '/';
  const dnsName = `${name}.${ns}.svc`;
  const url = `https://${dnsName}:${port}${path}?${timeout}`;
  const endpoint = serviceEndpoints[`${ns}/${name}`];
  if (!endpoint) throw new CallError(`failed to call webhook: Post "${url}": no endpoints available for service "${name}"`);
  const e = new URL(endpoint);
  return { url, host: e.hostname.replace(/^\[|\]$/g, ''), port: Number(e.port || 443), path: `${path}?${timeout}`, servername: dnsName, caPem };
}

/** Node's TLS and socket errors in the words of Go's net/http and crypto/tls. */
function goWords(e: NodeJS.ErrnoException & { cert?: { subjectaltname?: string }; reason?: string }, t: WebhookTarget): string {
  switch (e.code) {
    case 'ECONNREFUSED':
      return `dial tcp ${t.host}:${t.port}: connect: connection refused`;
    case 'ECONNRESET':
      return 'EOF';
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'CERT_SIGNATURE_FAILURE': // an untrusted CA with the same name as a trusted one
      return 'tls: failed to verify certificate: x509: certificate signed by unknown authority';
    case 'CERT_HAS_EXPIRED':
    case 'CERT_NOT_YET_VALID':
      return 'tls: failed to verify certificate: x509: certificate has expired or is not yet valid';
    case 'ERR_TLS_CERT_ALTNAME_INVALID': {
      const names = (e.cert?.subjectaltname ?? '').split(', ').map((n) => n.replace(/^(DNS|IP Address):/, '')).filter(Boolean);
      return `tls: failed to verify certificate: x509: certificate is valid for ${names.join(', ')}, not ${t.servername}`;
    }
    default:
      return e.message;
  }
}

/** What client-go says about a non-2xx answer whose body is not a Status. */
function httpWords(code: number, body: string): string {
  if (code === 404) return 'the server could not find the requested resource';
  if (code >= 500) return `an error on the server (${JSON.stringify(body.trim().slice(0, 200))}) has prevented the request from succeeding`;
  return 'the server rejected our request for an unknown reason';
}

/** POSTs `review` and returns the decoded answer; throws CallError for anything that is not a 2xx JSON object. */
export function postReview(t: WebhookTarget, review: Json, timeoutSeconds: number): Promise<Json> {
  const body = JSON.stringify(review);
  return new Promise<Json>((resolve, reject) => {
    const fail = (why: string): void => reject(new CallError(`failed to call webhook: Post "${t.url}": ${why}`));
    const req = https.request(
      {
        host: t.host,
        port: t.port,
        path: t.path,
        method: 'POST',
        servername: t.servername,
        // caBundle only: an empty bundle trusts nothing (the webhook is never a public site).
        ca: t.caPem || [],
        minVersion: 'TLSv1.2',
        agent: false,
        headers: { 'Content-Type': 'application/json', Accept: 'application/json, */*', 'Content-Length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (e) => fail(goWords(e, t)));
        res.on('end', () => {
          clearTimeout(timer);
          const text = Buffer.concat(chunks).toString('utf8');
          const code = res.statusCode ?? 0;
          if (code < 200 || code > 299) return reject(new CallError(`failed to call webhook: ${httpWords(code, text)}`));
          try {
            const parsed: unknown = JSON.parse(text);
            if (!isObj(parsed)) throw new Error('not an object');
            resolve(parsed);
          } catch (e) {
            reject(new CallError(`received invalid webhook response: ${(e as Error).message}`));
          }
        });
      },
    );
    const timer = setTimeout(() => {
      fail('context deadline exceeded');
      req.destroy();
    }, timeoutSeconds * 1000);
    req.on('error', (e) => {
      clearTimeout(timer);
      fail(goWords(e, t));
    });
    req.end(body);
  });
}
