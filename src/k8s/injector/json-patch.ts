/**
 * RFC 6902 JSON Patch: parsing and validating a patch (agent-json-patch annotations),
 * applying one (to the generated containers, and in tests to prove a webhook patch
 * applies to the pod), and RFC 6901 pointer escaping for the patches the injector emits.
 */

export type JsonPatchOp =
  | { op: 'add' | 'replace' | 'test'; path: string; value: unknown }
  | { op: 'remove'; path: string }
  | { op: 'move' | 'copy'; from: string; path: string };

/** RFC 6901 escaping of one reference token: `~` → `~0`, `/` → `~1`. */
export const escapePointer = (token: string): string => token.replace(/~/g, '~0').replace(/\//g, '~1');

function tokens(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new Error(`path ${JSON.stringify(pointer)} must start with "/"`);
  return pointer.slice(1).split('/').map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses and checks a patch document; throws with a message naming the bad operation. */
export function parseJsonPatch(text: string): JsonPatchOp[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new Error(e instanceof Error ? e.message : String(e));
  }
  if (!Array.isArray(doc)) throw new Error('a JSON patch is an array of operations');
  return doc.map((op: unknown, i) => {
    if (!isObj(op)) throw new Error(`operation ${i} is not an object`);
    const path = op['path'];
    if (typeof path !== 'string') throw new Error(`operation ${i} has no "path"`);
    tokens(path);
    switch (op['op']) {
      case 'add':
      case 'replace':
      case 'test':
        if (!('value' in op)) throw new Error(`operation ${i} (${op['op']}) has no "value"`);
        return { op: op['op'], path, value: op['value'] };
      case 'remove':
        return { op: 'remove', path };
      case 'move':
      case 'copy': {
        const from = op['from'];
        if (typeof from !== 'string') throw new Error(`operation ${i} (${op['op']}) has no "from"`);
        tokens(from);
        return { op: op['op'], from, path };
      }
      default:
        throw new Error(`operation ${i} has unknown op ${JSON.stringify(op['op'])}`);
    }
  });
}

function parentOf(doc: unknown, pointer: string): { parent: unknown; key: string } {
  const t = tokens(pointer);
  const key = t.pop();
  if (key === undefined) throw new Error('the whole document cannot be the target');
  let cur = doc;
  for (const k of t) {
    if (Array.isArray(cur)) cur = cur[indexIn(cur, k, false)];
    else if (isObj(cur) && k in cur) cur = cur[k];
    else throw new Error(`path ${pointer} does not exist`);
  }
  return { parent: cur, key };
}

function indexIn(arr: unknown[], k: string, forAdd: boolean): number {
  if (forAdd && k === '-') return arr.length;
  if (!/^(0|[1-9]\d*)$/.test(k)) throw new Error(`invalid array index ${JSON.stringify(k)}`);
  const i = Number(k);
  if (i > arr.length || (!forAdd && i === arr.length)) throw new Error(`array index ${i} out of range`);
  return i;
}

function get(doc: unknown, pointer: string): unknown {
  if (pointer === '') return doc;
  const { parent, key } = parentOf(doc, pointer);
  if (Array.isArray(parent)) return parent[indexIn(parent, key, false)];
  if (isObj(parent) && key in parent) return parent[key];
  throw new Error(`path ${pointer} does not exist`);
}

function add(doc: unknown, pointer: string, value: unknown): void {
  const { parent, key } = parentOf(doc, pointer);
  if (Array.isArray(parent)) parent.splice(indexIn(parent, key, true), 0, value);
  else if (isObj(parent)) parent[key] = value;
  else throw new Error(`path ${pointer} does not exist`);
}

function remove(doc: unknown, pointer: string): unknown {
  const { parent, key } = parentOf(doc, pointer);
  if (Array.isArray(parent)) return parent.splice(indexIn(parent, key, false), 1)[0];
  if (isObj(parent) && key in parent) {
    const v = parent[key];
    delete parent[key];
    return v;
  }
  throw new Error(`path ${pointer} does not exist`);
}

/** Applies `ops` to a deep copy of `doc` and returns it; throws on the first failing operation. */
export function applyJsonPatch<T>(doc: T, ops: readonly JsonPatchOp[]): T {
  const out = structuredClone(doc);
  for (const op of ops) {
    switch (op.op) {
      case 'add':
        add(out, op.path, structuredClone(op.value));
        break;
      case 'remove':
        remove(out, op.path);
        break;
      case 'replace':
        get(out, op.path);
        remove(out, op.path);
        add(out, op.path, structuredClone(op.value));
        break;
      case 'move':
        add(out, op.path, remove(out, op.from));
        break;
      case 'copy':
        add(out, op.path, structuredClone(get(out, op.from)));
        break;
      case 'test':
        if (JSON.stringify(get(out, op.path)) !== JSON.stringify(op.value)) throw new Error(`test failed at ${op.path}`);
        break;
    }
  }
  return out;
}
