import { badRequest } from '../../sdk/errors.js';
import { field, type Fields } from '../../sdk/framework/fields.js';
import { definePath, type PathDef } from '../../sdk/framework/path.js';
import type { InternalResponse } from '../internal-response.js';
import type { ResponseWrapper } from '../wrapping/wrapper.js';

/** `sys/wrapping/{wrap,unwrap,lookup,rewrap}`. */
export function wrappingPaths(wrapper: ResponseWrapper): PathDef<Fields>[] {
  return [
    definePath({
      pattern: 'wrapping/wrap',
      fields: {},
      takesArbitraryData: true,
      operations: {
        update: async (req) => {
          if (req.wrapTtl <= 0) throw badRequest('endpoint requires response wrapping to be used');
          return { data: { ...req.data } };
        },
      },
    }),
    definePath({
      pattern: 'wrapping/unwrap',
      fields: { token: field.string() },
      operations: {
        update: async (req, d): Promise<InternalResponse> => ({ verbatimBody: await wrapper.unwrap(req.clientToken, d.get('token')) }),
      },
    }),
    definePath({
      pattern: 'wrapping/lookup',
      fields: { token: field.string() },
      operations: {
        read: async (req) => ({ data: await wrapper.lookup(req.clientToken) }),
        update: async (req, d) => ({ data: await wrapper.lookup(d.get('token') || req.clientToken) }),
      },
    }),
    definePath({
      pattern: 'wrapping/rewrap',
      fields: { token: field.string() },
      operations: {
        update: async (req, d): Promise<InternalResponse> => {
          const info = await wrapper.rewrap(d.get('token') || req.clientToken);
          return { wrapInfo: { ...info } };
        },
      },
    }),
  ];
}
