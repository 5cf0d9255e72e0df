/**
 * A small admission webhook server for tests: HTTPS with its own throwaway CA (so the
 * configuration's caBundle is the only thing that trusts it), answering each AdmissionReview
 * with what the test's handler returns, and keeping the reviews it received.
 */
import { randomUUID } from 'node:crypto';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { makeCa } from '../../helpers/test-ca.js';
import { readBody, type Json } from './http-util.js';

export interface TestWebhook {
  /** `https://127.0.0.1:<port>` */
  url: string;
  /** The CA certificate, base64 of its PEM, as `clientConfig.caBundle` wants it. */
  caBundle: string;
  reviews: Json[];
  close(): Promise<void>;
}

/** The `response` of an answer to `review`: `uid` filled in, `allowed: true` unless the handler says otherwise. */
export type WebhookHandler = (request: Json) => Json | Promise<Json>;

/** A JSONPatch answer: `{allowed: true, patchType: 'JSONPatch', patch: base64(ops)}`. */
export const patchResponse = (ops: unknown[], extra: Json = {}): Json => ({
  allowed: true,
  patchType: 'JSONPatch',
  patch: Buffer.from(JSON.stringify(ops)).toString('base64'),
  ...extra,
});

/** Starts a webhook; `dnsNames` are added to its certificate (e.g. `svc.ns.svc` for clientConfig.service). */
export async function startTestWebhook(handler: WebhookHandler, o: { dnsNames?: string[] } = {}): Promise<TestWebhook> {
  const ca = await makeCa(`test-webhook-ca-${randomUUID().slice(0, 8)}`, 'ec');
  const cert = await ca.server('test-webhook', o.dnsNames ?? []);
  const reviews: Json[] = [];
  const server = https.createServer({ cert: cert.certPem, key: cert.keyPem, minVersion: 'TLSv1.2' }, (req, res) => {
    void (async () => {
      const review = JSON.parse(await readBody(req)) as Json;
      reviews.push(review);
      const request = (review['request'] ?? {}) as Json;
      const response = { allowed: true, ...(await handler(request)) };
      const text = JSON.stringify({ apiVersion: review['apiVersion'], kind: review['kind'], response: { uid: request['uid'], ...response } });
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(text);
    })().catch(() => {
      res.writeHead(500);
      res.end('test webhook failed');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    caBundle: Buffer.from(ca.certPem).toString('base64'),
    reviews,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
