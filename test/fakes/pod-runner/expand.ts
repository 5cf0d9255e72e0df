/**
 * Kubernetes' `$(VAR)` expansion for env values, command and args (the kubelet's
 * third_party/forked/golang/expansion): `$(NAME)` becomes the variable's value when it is
 * defined and stays as written when not, `$$` is an escaped `$`, and anything else after a
 * `$` (including an unclosed `$(`) is kept literally. Values are not expanded again.
 */
export function expandVars(input: string, vars: ReadonlyMap<string, string>): string {
  let out = '';
  let i = 0;
  while (i < input.length) {
    const c = input[i];
    if (c !== '$' || i + 1 >= input.length) {
      out += c;
      i++;
      continue;
    }
    const next = input[i + 1];
    if (next === '$') {
      out += '$';
      i += 2;
    } else if (next === '(') {
      const close = input.indexOf(')', i + 2);
      if (close === -1) {
        out += '$(';
        i += 2;
      } else {
        const name = input.slice(i + 2, close);
        // An empty name is not a reference the kubelet can resolve; it stays as written.
        out += name !== '' && vars.has(name) ? (vars.get(name) as string) : `$(${name})`;
        i = close + 1;
      }
    } else {
      out += '$' + next;
      i += 2;
    }
  }
  return out;
}
