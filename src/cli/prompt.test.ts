import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { promptHidden, type Input } from './prompt.js';

test('on a TTY the answer is read in raw mode and never echoed; backspace edits', async () => {
  const input = new PassThrough() as PassThrough & Input;
  const modes: boolean[] = [];
  input.isTTY = true;
  input.setRawMode = (m: boolean) => modes.push(m);
  let shown = '';
  const p = promptHidden(input, { write: (s: string) => (shown += s) }, 'Unseal Key (will be hidden): ');
  input.write('secrx');
  input.write('\u007ft\r');
  assert.equal(await p, 'secrt');
  assert.equal(shown, 'Unseal Key (will be hidden): \n');
  assert.deepEqual(modes, [true, false]);
});

test('Ctrl-C rejects and restores the terminal', async () => {
  const input = new PassThrough() as PassThrough & Input;
  const modes: boolean[] = [];
  input.isTTY = true;
  input.setRawMode = (m: boolean) => modes.push(m);
  const p = promptHidden(input, { write: () => undefined }, '? ');
  input.write('ab\u0003');
  await assert.rejects(p, /interrupted/);
  assert.deepEqual(modes, [true, false]);
});

test('without a TTY one line is read from the stream', async () => {
  const input = new PassThrough() as PassThrough & Input;
  const p = promptHidden(input, { write: () => undefined }, '? ');
  input.end('line one\nline two\n');
  assert.equal(await p, 'line one');
});
