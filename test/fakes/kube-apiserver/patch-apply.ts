/**
 * Two of the patch languages the API server applies to plain JSON objects: RFC 6902 JSON
 * patch (add, remove, replace, test, copy, move; all or nothing) and RFC 7386 merge patch.
 * Strategic merge patch, with its list merge keys, is strategic-merge.ts.
 */
type Value = unknown;
type Obj = Record<string, Value>;

const isObj = (v: Value): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Why a JSON patch could not be applied (the API server answers 422 with it). */
export class PatchApplyError extends Error {}

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw new PatchApplyError(`invalid JSON pointer: ${JSON.stringify(path)}`);
  return path.slice(1).split('/').map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** The container holding the last token of `path`, and that token. */
function parentOf(doc: Value, path: string, op: string): { parent: Obj | Value[]; key: string } {
  const tokens = pointer(path);
  const key = tokens.pop();
  if (key === undefined) throw new PatchApplyError(`${op} operation does not apply: doc is missing path: ${JSON.stringify(path)}`);
  let cur: Value = doc;
  for (const t of tokens) {
    cur = Array.isArray(cur) ? cur[Number(t)] : isObj(cur) ? cur[t] : undefined;
    if (cur === undefined) throw new PatchApplyError(`${op} operation does not apply: doc is missing path: ${JSON.stringify(path)}`);
  }
  if (!isObj(cur) && !Array.isArray(cur)) throw new PatchApplyError(`${op} operation does not apply: doc is missing path: ${JSON.stringify(path)}`);
  return { parent: cur, key };
}

/** The value at `path`, for copy, move and test. */
function valueAt(doc: Value, path: string, op: string): Value {
  let cur: Value = doc;
  for (const t of pointer(path)) {
    cur = Array.isArray(cur) ? cur[Number(t)] : isObj(cur) ? cur[t] : undefined;
    if (cur === undefined) throw new PatchApplyError(`${op} operation does not apply: doc is missing from path: ${path}: missing value`);
  }
  return cur;
}

/** Applies an RFC 6902 patch to a copy of `doc`; all or nothing. */
export function applyJsonPatch<T>(doc: T, ops: unknown): T {
  if (!Array.isArray(ops)) throw new PatchApplyError('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  const out = structuredClone(doc) as Value;
  for (const raw of ops) {
    if (!isObj(raw) || typeof raw['op'] !== 'string' || typeof raw['path'] !== 'string') throw new PatchApplyError('invalid JSON patch operation');
    let { op } = raw as { op: string };
    const path = raw['path'] as string;
    let value: unknown = raw['value'];
    if (op === 'copy' || op === 'move') {
      // copy = add of the value at `from`; move = remove it there, then add.
      if (typeof raw['from'] !== 'string') throw new PatchApplyError(`${op} operation is missing "from"`);
      const moved = structuredClone(valueAt(out, raw['from'], op));
      if (op === 'move') {
        const src = parentOf(out, raw['from'], op);
        if (Array.isArray(src.parent)) src.parent.splice(Number(src.key), 1);
        else delete src.parent[src.key];
      }
      value = moved;
      op = 'add';
    }
    const { parent, key } = parentOf(out, path, op);
    const missing = (): PatchApplyError => new PatchApplyError(`${op} operation does not apply: doc is missing key: ${path}: missing value`);
    if (Array.isArray(parent)) {
      const i = key === '-' ? parent.length : Number(key);
      if (!Number.isInteger(i) || i < 0 || i > parent.length) throw missing();
      if (op === 'add') parent.splice(i, 0, value);
      else if (op === 'remove' || op === 'replace') {
        if (i >= parent.length) throw missing();
        if (op === 'remove') parent.splice(i, 1);
        else parent[i] = value;
      } else if (op === 'test') {
        if (JSON.stringify(parent[i]) !== JSON.stringify(value)) throw new PatchApplyError(`testing value ${path} failed: test failed`);
      } else throw new PatchApplyError(`Unexpected kind: ${op}`);
      continue;
    }
    if (op === 'add') parent[key] = value;
    else if (op === 'remove' || op === 'replace') {
      if (!Object.hasOwn(parent, key)) throw missing();
      if (op === 'remove') delete parent[key];
      else parent[key] = value;
    } else if (op === 'test') {
      if (JSON.stringify(parent[key]) !== JSON.stringify(value)) throw new PatchApplyError(`testing value ${path} failed: test failed`);
    } else throw new PatchApplyError(`Unexpected kind: ${op}`);
  }
  return out as T;
}

/** RFC 7386: objects merge recursively, `null` deletes, anything else replaces. */
export function applyMergePatch<T>(doc: T, patch: unknown): T {
  if (!isObj(patch)) return patch as T;
  const out: Obj = isObj(doc) ? { ...doc } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = applyMergePatch(out[k], v);
  }
  return out as T;
}
