/**
 * `sys/in-flight-req`: the requests this node is serving now. As in Vault the body is the
 * map itself (request id → start_time, client_remote_address, request_path,
 * request_method, client_id), not the usual `data` envelope.
 */
import type { Fields } from '../../sdk/framework/fields.js';
import { definePath, type PathDef } from '../../sdk/framework/path.js';
import type { HttpInFlight } from '../inflight/http-requests.js';

export function inFlightPaths(tracker: HttpInFlight): PathDef<Fields>[] {
  return [
    definePath({
      pattern: 'in-flight-req',
      fields: {},
      synopsis: 'Requests this node is serving right now.',
      operations: { read: async () => ({ raw: { status: 200, contentType: 'application/json', body: JSON.stringify(tracker.list()) } }) },
    }),
  ];
}
