import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HelpRequested, UsageError, parseFlags, type FlagSpec } from './flags.js';

const specs: FlagSpec[] = [
  { name: 'address', kind: 'string', usage: '' },
  { name: 'force', kind: 'bool', aliases: ['f'], usage: '' },
  { name: 'cas', kind: 'int', default: -1, usage: '' },
  { name: 'policy', kind: 'strings', usage: '' },
  { name: 'meta', kind: 'map', usage: '' },
];

test('all four value spellings parse the same', () => {
  for (const argv of [['-address=x'], ['-address', 'x'], ['--address=x'], ['--address', 'x']]) {
    const { flags, args } = parseFlags([...argv, 'pos'], specs);
    assert.equal(flags.str('address'), 'x', argv.join(' '));
    assert.deepEqual(args, ['pos']);
  }
});

test('booleans: bare is true, =false is false, and they never consume the next word', () => {
  assert.equal(parseFlags(['-force'], specs).flags.bool('force'), true);
  assert.equal(parseFlags(['-f=false'], specs).flags.bool('force'), false);
  assert.equal(parseFlags(['--force=true'], specs).flags.bool('force'), true);
  const { flags, args } = parseFlags(['-force', 'false'], specs);
  assert.equal(flags.bool('force'), true);
  assert.deepEqual(args, ['false']);
  assert.throws(() => parseFlags(['-force=maybe'], specs), UsageError);
});

test('flags stop at the first positional, at -- and at a lone -', () => {
  assert.deepEqual(parseFlags(['a', '-force'], specs).args, ['a', '-force']);
  assert.deepEqual(parseFlags(['-force', '--', '-address=x'], specs).args, ['-address=x']);
  assert.deepEqual(parseFlags(['-', '-force'], specs).args, ['-', '-force']);
});

test('ints, defaults, repeated strings and maps', () => {
  const { flags } = parseFlags(['-cas=0', '-policy=a', '-policy', 'b,c', '-meta=k=v', '-meta', 'x=y=z'], specs);
  assert.equal(flags.int('cas'), 0);
  assert.deepEqual(flags.list('policy'), ['a', 'b,c']);
  assert.deepEqual(flags.map('meta'), { k: 'v', x: 'y=z' });
  assert.equal(parseFlags([], specs).flags.int('cas'), -1);
  assert.equal(parseFlags([], specs).flags.has('cas'), false);
  assert.throws(() => parseFlags(['-cas=x'], specs), /not an integer/);
  assert.throws(() => parseFlags(['-meta=novalue'], specs), /key=value/);
});

test('unknown flags, missing values and help', () => {
  assert.throws(() => parseFlags(['-nope'], specs), /flag provided but not defined: -nope/);
  assert.throws(() => parseFlags(['-address'], specs), /flag needs an argument: -address/);
  assert.throws(() => parseFlags(['-h'], specs), HelpRequested);
  assert.throws(() => parseFlags(['--help'], specs), HelpRequested);
});
