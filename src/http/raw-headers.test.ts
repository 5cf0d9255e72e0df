import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rawResponseHeaders } from './raw-headers.js';

test('rawResponseHeaders: Content-Type, Cache-Control no-store unless the backend set one, and only the headers Vault lets a backend set', () => {
  const cases: [string, Record<string, string> | undefined, string[]][] = [
    ['no headers', undefined, ['Content-Type', 'text/plain', 'Cache-Control', 'no-store']],
    ['cache-control replaces no-store', { 'Cache-Control': 'max-age=3600' }, ['Content-Type', 'text/plain', 'Cache-Control', 'max-age=3600']],
    ['any case', { 'cache-control': 'no-store', pragma: 'no-cache', 'www-authenticate': 'Basic' }, ['Content-Type', 'text/plain', 'Cache-Control', 'no-store', 'Pragma', 'no-cache', 'WWW-Authenticate', 'Basic']],
    ['owned by the HTTP layer: dropped', { 'Content-Length': '1', Connection: 'close', 'Transfer-Encoding': 'chunked', 'Set-Cookie': 'a=b', 'Content-Type': 'text/html' }, ['Content-Type', 'text/plain', 'Cache-Control', 'no-store']],
    ['anything else: dropped', { 'X-Vault-Index': 'x', Location: 'https://evil.example' }, ['Content-Type', 'text/plain', 'Cache-Control', 'no-store']],
    ['a value that would split the response: dropped', { Pragma: 'no-cache\r\nSet-Cookie: a=b', 'WWW-Authenticate': 'Bearer\n' }, ['Content-Type', 'text/plain', 'Cache-Control', 'no-store']],
  ];
  for (const [name, headers, want] of cases) assert.deepEqual(rawResponseHeaders('text/plain', headers), want, name);
});
