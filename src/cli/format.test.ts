import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cell, columns, humanDuration, render, type Rendering } from './format.js';
import { toYaml } from './yaml.js';

function capture(isTTY = false): { w: { write(s: string): void; isTTY: boolean }; text: () => string } {
  let s = '';
  return { w: { write: (x: string) => void (s += x), isTTY }, text: () => s };
}

const r: Rendering = {
  json: { data: { password: 'p@ss', n: 3 } },
  sections: [{ kind: 'kv', rows: [{ key: 'lease_duration', value: 2764800, duration: true }, { key: 'password', value: 'p@ss' }, { key: 'list', value: ['a', 'b'] }, { key: 'empty', value: '' }] }],
};

test('table output aligns Key/Value columns like vault', () => {
  const out = capture();
  const err = capture();
  assert.equal(render(out.w, err.w, r, 'table'), 0);
  assert.equal(out.text(), ['Key               Value', '---               -----', 'lease_duration    768h', 'password          p@ss', 'list              [a b]', 'empty             n/a', ''].join('\n'));
});

test('-field prints the raw value, with a newline only on a terminal', () => {
  const out = capture();
  assert.equal(render(out.w, capture().w, r, 'table', 'password'), 0);
  assert.equal(out.text(), 'p@ss');
  const tty = capture(true);
  render(tty.w, capture().w, r, 'json', 'password');
  assert.equal(tty.text(), 'p@ss\n');
  const err = capture();
  assert.equal(render(capture().w, err.w, r, 'table', 'nope'), 1);
  assert.match(err.text(), /Field "nope" not present/);
});

test('json and yaml print the same data', () => {
  const j = capture();
  render(j.w, capture().w, r, 'json');
  assert.deepEqual(JSON.parse(j.text()), r.json);
  const y = capture();
  render(y.w, capture().w, r, 'yaml');
  assert.equal(y.text(), 'data:\n  password: p@ss\n  "n": 3\n');
});

test('yaml quotes ambiguous scalars', () => {
  assert.equal(toYaml({ a: 'true', b: '1', c: '', d: 'x: y', e: null, f: [], g: {} }), 'a: "true"\nb: "1"\nc: ""\nd: "x: y"\ne: null\nf: []\ng: {}\n');
});

test('durations and cells', () => {
  assert.equal(humanDuration(0), '0s');
  assert.equal(humanDuration(90), '1m30s');
  assert.equal(humanDuration(3600), '1h');
  assert.equal(humanDuration(3601), '1h0m1s');
  assert.equal(humanDuration(1800), '30m');
  assert.equal(humanDuration(2764800), '768h');
  assert.equal(cell({ b: 1, a: ['x'] }), 'map[a:[x] b:1]');
  assert.equal(cell(null), '<nil>');
  assert.equal(columns(['Path', 'Type'], [['secret/', 'kv']]), 'Path       Type\n----       ----\nsecret/    kv');
});
