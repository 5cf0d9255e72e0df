import assert from 'node:assert/strict';
import { createHash, createHmac, pbkdf2Sync } from 'node:crypto';
import { describe, it } from 'node:test';
import { generatePassword, meetsDefaultPolicy, scramSha256Verifier } from './password.js';

describe('database password generation', () => {
  it('makes 20-character passwords with upper, lower, digit and dash', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const p = generatePassword();
      assert.equal(p.length, 20);
      assert.match(p, /^[A-Za-z0-9-]+$/);
      assert.ok(/[A-Z]/.test(p) && /[a-z]/.test(p) && /\d/.test(p) && p.includes('-'), p);
      seen.add(p);
    }
    assert.equal(seen.size, 200);
  });

  it('checks the policy', () => {
    assert.equal(meetsDefaultPolicy('aA1-'), true);
    assert.equal(meetsDefaultPolicy('aA1x'), false);
    assert.equal(meetsDefaultPolicy('aA1-!'), false);
  });

  it('builds a SCRAM-SHA-256 verifier in PostgreSQL’s stored format', async () => {
    const salt = Buffer.alloc(16, 7);
    const v = await scramSha256Verifier('secret', salt, 4096);
    const salted = pbkdf2Sync('secret', salt, 4096, 32, 'sha256');
    const stored = createHash('sha256').update(createHmac('sha256', salted).update('Client Key').digest()).digest('base64');
    const server = createHmac('sha256', salted).update('Server Key').digest('base64');
    assert.equal(v, `SCRAM-SHA-256$4096:${salt.toString('base64')}$${stored}:${server}`);
  });
});
