// A node:test reporter that writes one JSON document when the run ends: the totals and
// the failures (scripts/test-summary.mjs). scripts/run-tests.mjs reads it and prints the
// summary last; the usual TAP/spec reporter still prints everything as it happens.
import { createSummary } from './test-summary.mjs';

export default async function* summaryReporter(source) {
  const summary = createSummary();
  for await (const event of source) summary.add(event);
  yield `${JSON.stringify(summary.result())}\n`;
}
