/**
 * Builds the core's view of a request (HttpRequestInput): the HTTP method as an
 * operation, the body or query as data, the token, wrap TTL, headers and connection.
 */
import type { IncomingMessage } from 'node:http';
import type { HttpRequestInput } from '../core/api-types.js';
import type { Operation } from '../sdk/logical.js';
import { badRequest, unsupportedOperation } from '../sdk/errors.js';
import { bodyData, clientToken, parseGoBool, EMPTY_QUERY as EMPTY, queryData, wrapTtl, type WardHeaders } from './request.js';
import type { InFlightHttpRequest } from '../core/inflight/http-requests.js';
import type { Context } from './handler-context.js';
import { forwardedConnection, localConnection } from './client-connection.js';
import { withoutTokenHeaders } from './credential-headers.js';

export function methodToOperation(method: string, query: URLSearchParams): Operation {
  switch (method) {
    case 'GET': {
      const list = query.get('list');
      if (list === null) return 'read';
      const b = parseGoBool(list);
      if (b === undefined) throw badRequest('invalid value for list parameter');
      return b ? 'list' : 'read';
    }
    case 'LIST':
      return 'list';
    case 'POST':
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return 'delete';
    default:
      throw unsupportedOperation();
  }
}

function wantsHelp(query: URLSearchParams): boolean {
  const v = query.get('help');
  return v !== null && v !== '' && parseGoBool(v) !== false;
}

/** One buffer as the body stream a backend reads. */
export async function* oneChunk(b: Buffer): AsyncIterable<Buffer> {
  yield b;
}

/** The core's view of a request; `raw` is the body read for POST/PUT/PATCH (null: data from the query). */
export function inputFor(ctx: Pick<Context, 'json' | 'forwarded'>, req: IncomingMessage, h: WardHeaders, operation: Operation, path: string, query: URLSearchParams, raw: Buffer | null, tracked: InFlightHttpRequest | null): HttpRequestInput {
  const data = raw !== null ? bodyData(h, raw, ctx.json) : query === EMPTY ? {} : queryData(query);
  let reqPath = path;
  if (operation === 'list' && !reqPath.endsWith('/')) reqPath += '/';
  if (query !== EMPTY && wantsHelp(query)) operation = 'help';
  const { token } = clientToken(h);
  return {
    operation,
    path: reqPath,
    data,
    clientToken: token,
    wrapTtl: wrapTtl(h),
    headers: token === '' && h.authorization === undefined ? req.rawHeaders : withoutTokenHeaders(req.rawHeaders),
    connection: ctx.forwarded ? forwardedConnection(req) : localConnection(req),
    // Always present (undefined without a tracker): one object shape for every request.
    inFlight: tracked ?? undefined,
  };
}
