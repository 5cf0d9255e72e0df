// A node:test reporter that writes one JSON line per skipped or todo test:
// {"file": ..., "name": "suite > test", "skip": reason} (or "todo": reason).
// scripts/run-tests.mjs reads it to list what did not run and to fail a CI run that
// skipped anything; the usual TAP/spec reporter still prints everything else.

/** Names of the tests currently open at each nesting level, per file. */
const open = new Map();

function pathOf(file, nesting, name) {
  const stack = open.get(file) ?? [];
  return [...stack.slice(0, nesting), name].join(' > ');
}

export default async function* skipReporter(source) {
  for await (const event of source) {
    const d = event.data;
    if (event.type === 'test:start') {
      const stack = open.get(d.file) ?? [];
      stack.length = d.nesting;
      stack[d.nesting] = d.name;
      open.set(d.file, stack);
    } else if (event.type === 'test:pass' || event.type === 'test:fail') {
      const reason = (v) => (typeof v === 'string' && v !== '' ? v : '(no reason given)');
      const entry = { file: d.file ?? '(unknown file)', name: pathOf(d.file, d.nesting, d.name) };
      if (d.skip !== undefined && d.skip !== false) yield `${JSON.stringify({ ...entry, skip: reason(d.skip) })}\n`;
      else if (d.todo !== undefined && d.todo !== false) yield `${JSON.stringify({ ...entry, todo: reason(d.todo) })}\n`;
    }
  }
}
