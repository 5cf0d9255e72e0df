/**
 * Label selectors (`=`, `==`, `!=`, `in`, `notin`, exists, `!` not-exists) and field
 * selectors (`=`, `==`, `!=` on metadata.name, metadata.namespace and the kind's own fields),
 * parsed into matchers; bad input throws ApiError 400 with the API server's wording.
 */
import type { ResourceType } from './registry.js';
import { badRequest } from './status.js';

type Labels = Record<string, string> | undefined;
export type Matcher<T> = (x: T) => boolean;

interface Requirement {
  key: string;
  op: 'exists' | '!exists' | '=' | '!=' | 'in' | 'notin';
  values: string[];
}

const KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function parseLabelRequirements(text: string): Requirement[] {
  const out: Requirement[] = [];
  let rest = text.trim();
  const fail = (why: string) => badRequest(`unable to parse requirement: ${why}`);
  while (rest.length > 0) {
    let m: RegExpExecArray | null;
    let req: Requirement;
    if ((m = /^!\s*([^\s,=!()]+)\s*/.exec(rest))) req = { key: m[1] ?? '', op: '!exists', values: [] };
    else if ((m = /^([^\s,=!()]+)\s+(in|notin)\s*\(([^)]*)\)\s*/.exec(rest))) {
      const values = (m[3] ?? '').split(',').map((v) => v.trim());
      req = { key: m[1] ?? '', op: m[2] as 'in' | 'notin', values: values.length === 1 && values[0] === '' ? [] : values };
      if (req.values.length === 0) throw fail(`values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty`);
    } else if ((m = /^([^\s,=!()]+)\s*(==|=|!=)\s*([^\s,=!()]*)\s*/.exec(rest))) {
      req = { key: m[1] ?? '', op: m[2] === '!=' ? '!=' : '=', values: [m[3] ?? ''] };
    } else if ((m = /^([^\s,=!()]+)\s*/.exec(rest)) && (rest.slice(m[0].length) === '' || rest[m[0].length] === ',')) {
      req = { key: m[1] ?? '', op: 'exists', values: [] };
    } else throw fail(`found '${rest[0] ?? ''}', expected: identifier, '!', or a valid requirement in ${JSON.stringify(text)}`);
    if (!KEY.test(req.key)) throw fail(`key: Invalid value: "${req.key}": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`);
    for (const v of req.values) if (v.length > 63 || !VALUE.test(v)) throw fail(`values[0][${req.key}]: Invalid value: "${v}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`);
    out.push(req);
    rest = rest.slice(m[0].length);
    if (rest.startsWith(',')) rest = rest.slice(1).trimStart();
    else if (rest.length > 0) throw fail(`found '${rest[0] ?? ''}', expected: ',' or 'end of string'`);
  }
  return out;
}

/** A matcher for `labelSelector`; an empty selector matches everything. */
export function labelSelector(text: string | null): Matcher<Labels> {
  if (!text) return () => true;
  const reqs = parseLabelRequirements(text);
  return (labels) => reqs.every((r) => {
    const has = labels !== undefined && Object.hasOwn(labels, r.key);
    const v = has ? labels[r.key] : undefined;
    switch (r.op) {
      case 'exists': return has;
      case '!exists': return !has;
      case '=': return has && v === r.values[0];
      case '!=': return !has || v !== r.values[0];
      case 'in': return has && r.values.includes(v ?? '');
      case 'notin': return !has || !r.values.includes(v ?? '');
    }
  });
}

/** A matcher for a metav1.LabelSelector object (matchLabels + matchExpressions), as webhooks and bindings use. */
export function labelSelectorObject(sel: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] } | undefined): Matcher<Labels> {
  if (!sel) return () => true;
  const reqs: Requirement[] = Object.entries(sel.matchLabels ?? {}).map(([key, v]) => ({ key, op: '=', values: [v] }));
  for (const e of sel.matchExpressions ?? []) {
    const op = ({ In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!exists' } as const)[e.operator as 'In'];
    if (!op) throw badRequest(`"${e.operator}" is not a valid label selector operator`);
    reqs.push({ key: e.key, op, values: e.values ?? [] });
  }
  const text = reqs.map((r) => (r.op === 'exists' ? r.key : r.op === '!exists' ? `!${r.key}` : r.op === 'in' || r.op === 'notin' ? `${r.key} ${r.op} (${r.values.join(',')})` : `${r.key}${r.op}${r.values[0] ?? ''}`)).join(',');
  return labelSelector(text);
}

type Obj = Record<string, unknown>;

/** A matcher for `fieldSelector` on objects of `t`; unsupported fields are 400 as the real server says. */
export function fieldSelector(text: string | null, t: ResourceType): Matcher<Obj> {
  if (!text) return () => true;
  const meta = (o: Obj) => (o['metadata'] ?? {}) as { name?: string; namespace?: string };
  const getters: Record<string, (o: Obj) => string> = {
    'metadata.name': (o) => meta(o).name ?? '',
    'metadata.namespace': (o) => meta(o).namespace ?? '',
    ...t.fields,
  };
  const tests = text.split(',').filter((s) => s.trim() !== '').map((term) => {
    const m = /^\s*([^!=\s]+)\s*(==|=|!=)\s*(.*?)\s*$/.exec(term);
    if (!m) throw badRequest(`invalid selector: '${text}'; can't understand '${term}'`);
    const [, field = '', op, value = ''] = m;
    const get = getters[field];
    if (!get) {
      throw badRequest(t.custom
        ? `"${field}" is not a known field selector: only "metadata.name", "metadata.namespace"`
        : `field label not supported: ${field}`);
    }
    return (o: Obj) => (op === '!=' ? get(o) !== value : get(o) === value);
  });
  return (o) => tests.every((f) => f(o));
}
