/**
 * One request to an AWS query API (STS, EC2, IAM) and the text reading of its XML answer,
 * shared by the iam login's STS replay and the ec2 login's API binds: TLS 1.2 or later,
 * the answer capped at 1 MiB, a deadline, and the error naming the host that did not
 * answer (never a credential).
 */
import * as http from 'node:http';
import * as https from 'node:https';

const MAX_BODY = 1 << 20;

export interface AwsAnswer {
  status: number;
  body: string;
}

/** `host` names the service in the timeout error (the configured endpoint, not a replayed Host header). */
export function awsRequest(url: URL, method: string, headers: Record<string, string>, body: string | Buffer, o: { timeoutMs: number; host: string }): Promise<AwsAnswer> {
  const lib = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(url, { method, headers, minVersion: 'TLSv1.2' } as https.RequestOptions, (res) => {
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
    req.setTimeout(o.timeoutMs, () => req.destroy(new Error(`no answer from ${o.host} within ${o.timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** The text of the first `<name>…</name>` in `xml`, undefined when there is none. */
export const xmlTag = (xml: string, name: string): string | undefined => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];
