/**
 * Name globs for role bounds and Kubernetes label selectors for
 * `bound_service_account_namespace_selector`.
 */
import { globMatch } from '../../lib/glob.js';

/** `*` matches any run of characters (prefix/suffix globs), as Vault's bound names. */
export const matchesAny = (patterns: readonly string[], value: string): boolean => patterns.some((p) => globMatch(p, value));

type Operator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';

/** metav1.LabelSelector in its JSON form. */
export interface LabelSelector {
  matchLabels: Record<string, string>;
  matchExpressions: { key: string; operator: Operator; values: string[] }[];
}

const OPERATORS: readonly string[] = ['In', 'NotIn', 'Exists', 'DoesNotExist'];

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses a selector written as JSON (`{"matchLabels":{…},"matchExpressions":[…]}`). Throws with a reason. */
export function parseLabelSelector(text: string): LabelSelector {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new Error('selector must be a JSON object (YAML is not supported)');
  }
  if (!isRecord(raw)) throw new Error('selector must be a JSON object');
  const sel: LabelSelector = { matchLabels: {}, matchExpressions: [] };
  for (const k of Object.keys(raw)) if (k !== 'matchLabels' && k !== 'matchExpressions') throw new Error(`unknown selector key "${k}"`);
  if (raw['matchLabels'] !== undefined) {
    const ml = raw['matchLabels'];
    if (!isRecord(ml)) throw new Error('matchLabels must be an object of strings');
    for (const [k, v] of Object.entries(ml)) {
      if (typeof v !== 'string') throw new Error(`matchLabels["${k}"] must be a string`);
      sel.matchLabels[k] = v;
    }
  }
  if (raw['matchExpressions'] !== undefined) {
    const me = raw['matchExpressions'];
    if (!Array.isArray(me)) throw new Error('matchExpressions must be a list');
    for (const e of me as unknown[]) {
      if (!isRecord(e) || typeof e['key'] !== 'string' || typeof e['operator'] !== 'string') throw new Error('each matchExpression needs key and operator');
      const op = e['operator'];
      if (!OPERATORS.includes(op)) throw new Error(`unknown operator "${op}"`);
      const values = e['values'] === undefined ? [] : e['values'];
      if (!Array.isArray(values) || values.some((v) => typeof v !== 'string')) throw new Error('matchExpression values must be strings');
      const vals = values as string[];
      if ((op === 'In' || op === 'NotIn') && vals.length === 0) throw new Error(`operator ${op} needs values`);
      if ((op === 'Exists' || op === 'DoesNotExist') && vals.length > 0) throw new Error(`operator ${op} takes no values`);
      sel.matchExpressions.push({ key: e['key'], operator: op as Operator, values: vals });
    }
  }
  return sel;
}

/** Kubernetes semantics: every requirement must hold; an empty selector matches everything. */
export function selectorMatches(sel: LabelSelector, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(sel.matchLabels)) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions) {
    const has = Object.hasOwn(labels, e.key);
    const val = labels[e.key];
    switch (e.operator) {
      case 'In':
        if (!has || !e.values.includes(val ?? '')) return false;
        break;
      case 'NotIn':
        if (has && e.values.includes(val ?? '')) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
    }
  }
  return true;
}
