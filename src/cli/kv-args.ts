import { readFileSync } from 'node:fs';
import type { JsonObject, JsonValue } from '../api/index.js';
import { UsageError } from './flags.js';
import { readAll, type Input } from './prompt.js';

function parseJsonObject(text: string, from: string): JsonObject {
  let v: JsonValue;
  try {
    v = JSON.parse(text) as JsonValue;
  } catch (e) {
    throw new UsageError(`failed to parse JSON from ${from}: ${(e as Error).message}`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new UsageError(`JSON from ${from} must be an object`);
  return v;
}

function readFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${path}: ${(e as Error).message}`);
  }
}

/**
 * Builds request data from CLI arguments the way vault does: `key=value`, `key=@file`
 * (file contents), `key=-` or `key=@-` (stdin), `@file.json` / `-` (a whole JSON object). Repeating
 * a key collects its values into a list. Stdin is read at most once.
 */
export async function parseKvArgs(args: readonly string[], stdin: Input): Promise<JsonObject> {
  const out: JsonObject = {};
  let stdinText: string | undefined;
  const fromStdin = async (): Promise<string> => {
    if (stdinText === undefined) stdinText = await readAll(stdin);
    return stdinText;
  };
  const put = (k: string, v: JsonValue): void => {
    const prev = out[k];
    if (prev === undefined) out[k] = v;
    else out[k] = Array.isArray(prev) ? [...prev, v] : [prev, v];
  };
  for (const arg of args) {
    if (arg === '-') {
      Object.assign(out, parseJsonObject(await fromStdin(), 'stdin'));
      continue;
    }
    if (arg.startsWith('@')) {
      Object.assign(out, parseJsonObject(readFile(arg.slice(1)), arg.slice(1)));
      continue;
    }
    const eq = arg.indexOf('=');
    if (eq <= 0) throw new UsageError(`invalid key/value pair "${arg}": format must be key=value`);
    const key = arg.slice(0, eq);
    let value = arg.slice(eq + 1);
    if (value === '-' || value === '@-') value = (await fromStdin()).replace(/\r?\n$/, '');
    else if (value.startsWith('@')) value = readFile(value.slice(1));
    else if (value.startsWith('\\@')) value = value.slice(1);
    put(key, value);
  }
  return out;
}
