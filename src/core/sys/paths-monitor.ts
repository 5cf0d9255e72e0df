/**
 * `sys/monitor?log_level=&log_format=`: streams the server's log lines as they are
 * written (chunked, until the client goes), as `vault monitor` expects. Lines are the
 * logger's, already redacted, so no secret reaches a monitor.
 */
import { badRequest } from '../../sdk/errors.js';
import { field, type Fields } from '../../sdk/framework/fields.js';
import { definePath, type PathDef } from '../../sdk/framework/path.js';
import type { InternalResponse } from '../internal-response.js';
import { parseLevelName, type LoggerControl } from '../loggers/control.js';
import { MonitorStream } from '../loggers/monitor-stream.js';

export function monitorPaths(control: LoggerControl): PathDef<Fields>[] {
  return [
    definePath({
      pattern: 'monitor',
      fields: {
        log_level: field.string({ description: 'Lowest level streamed (default info).' }),
        log_format: field.string({ description: 'standard (default) or json.' }),
      },
      synopsis: 'Stream the server\'s log lines.',
      operations: {
        read: async (_req, d): Promise<InternalResponse> => {
          const level = d.get('log_level').trim() === '' ? 'info' : parseLevelName(d.get('log_level'));
          if (level === undefined) throw badRequest('unknown log level');
          const format = (d.get('log_format') || 'standard').toLowerCase();
          if (format !== 'standard' && format !== 'json') throw badRequest('unknown log format');
          return { stream: { contentType: 'text/plain; charset=utf-8', body: new MonitorStream(control, level, format) } };
        },
      },
    }),
  ];
}
