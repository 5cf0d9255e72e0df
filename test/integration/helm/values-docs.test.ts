/**
 * Every value in the chart's values.yaml is documented: a comment directly above it (shared
 * by a run of sibling values right below it), or, for the first values of a block, above
 * the block. And values.schema.json closes every object it describes (additionalProperties
 * false), except the Kubernetes objects passed through as they are (affinity, tolerations...).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHART } from './chart.js';

const indent = (l: string): number => l.length - l.trimStart().length;
const isComment = (l: string): boolean => l.trimStart().startsWith('#');
const isKey = (l: string): boolean => /^\s*[\w./-]+:(\s|$)/.test(l) && !isComment(l);
const isLeaf = (l: string): boolean => isKey(l) && !/:\s*$/.test(l);

/** Keys of `text` without documentation, as `line: key`. */
export function undocumented(text: string): string[] {
  const lines = text.split('\n');
  const memo = new Map<number, boolean>();
  const documented = (i: number): boolean => {
    const known = memo.get(i);
    if (known !== undefined) return known;
    const own = indent(lines[i] ?? '');
    const leaf = isLeaf(lines[i] ?? '');
    let ok = false;
    for (let j = i - 1; j >= 0; j--) {
      const l = lines[j] ?? '';
      if (isComment(l) && indent(l) === own) {
        ok = true;
        break;
      }
      if (leaf && isLeaf(l) && indent(l) === own) continue; // a sibling value sharing the comment above it
      if (isKey(l) && indent(l) < own) {
        ok = documented(j); // the first values of a documented block
        break;
      }
      break;
    }
    memo.set(i, ok);
    return ok;
  };
  return lines.flatMap((l, i) => (isKey(l) && !documented(i) ? [`${i + 1}: ${l.trim()}`] : []));
}

type Schema = { type?: unknown; properties?: Record<string, Schema>; additionalProperties?: unknown; items?: Schema };

function openObjects(s: Schema, path: string): string[] {
  const out: string[] = [];
  if (s.properties) {
    if (s.additionalProperties !== false) out.push(path || '/');
    for (const [k, v] of Object.entries(s.properties)) out.push(...openObjects(v, `${path}/${k}`));
  }
  return out;
}

describe("the chart's values documentation and schema", () => {
  it('documents every value in values.yaml', () => {
    assert.deepEqual(undocumented(readFileSync(join(CHART, 'values.yaml'), 'utf8')), []);
  });

  it('finds an undocumented value (the check can fail)', () => {
    assert.deepEqual(undocumented('# -- a\na: 1\nb:\n  c: 2\n'), ['3: b:', '4: c: 2']);
  });

  it('closes every object the schema describes', () => {
    const schema = JSON.parse(readFileSync(join(CHART, 'values.schema.json'), 'utf8')) as Schema;
    assert.deepEqual(openObjects(schema, ''), []);
  });
});
