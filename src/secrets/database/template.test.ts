import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  formatExpiration,
  normalizeStatements,
  quoteIdent,
  quoteLiteral,
  renderConnectionUrl,
  renderStatement,
  renderStatements,
  splitStatements,
} from './template.js';

describe('database statement templating', () => {
  it('quotes identifiers and literals by doubling their quote character', () => {
    assert.equal(quoteIdent('a"b'), '"a""b"');
    assert.equal(quoteLiteral("it's"), "'it''s'");
  });

  it('formats expirations with Go layout 2006-01-02 15:04:05-0700 in UTC', () => {
    assert.equal(formatExpiration(Date.UTC(2024, 0, 2, 3, 4, 5)), '2024-01-02 03:04:05+0000');
  });

  it('substitutes name, username, password and expiration', () => {
    const sql = `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}'; GRANT r TO "{{username}}"`;
    const out = renderStatements([sql], { name: 'v-u', password: 'pw', expiration: '2024-01-01 00:00:00+0000' });
    assert.deepEqual(out, [`CREATE ROLE "v-u" WITH LOGIN PASSWORD 'pw' VALID UNTIL '2024-01-01 00:00:00+0000'`, 'GRANT r TO "v-u"']);
  });

  it('escapes values for the quote context they sit in', () => {
    const vars = { name: 'x"; DROP TABLE t; --', password: "p'w\\" };
    assert.equal(renderStatement(`CREATE ROLE "{{name}}"`, vars), `CREATE ROLE "x""; DROP TABLE t; --"`);
    assert.equal(renderStatement(`PASSWORD '{{password}}'`, vars), `PASSWORD 'p''w\\'`);
    assert.equal(renderStatement(`PASSWORD E'{{password}}'`, vars), `PASSWORD E'p''w\\\\'`);
    assert.equal(renderStatement(`CREATE ROLE {{name}} PASSWORD {{password}}`, vars), `CREATE ROLE "x""; DROP TABLE t; --" PASSWORD 'p''w\\'`);
  });

  it('leaves unknown placeholders and missing values untouched', () => {
    assert.equal(renderStatement(`SELECT '{{other}}', '{{password}}'`, { name: 'n' }), `SELECT '{{other}}', '{{password}}'`);
  });

  it('splits on semicolons outside quotes, comments and dollar quotes', () => {
    assert.deepEqual(splitStatements(`A 'x;y'; B "i;d";; C -- c;omment\n; DO $$ BEGIN X; Y; END $$; D $t$;$t$`), [
      `A 'x;y'`,
      `B "i;d"`,
      'C -- c;omment',
      'DO $$ BEGIN X; Y; END $$',
      'D $t$;$t$',
    ]);
  });

  it('normalises JSON arrays and base64 statements', () => {
    const sql = `CREATE ROLE "{{name}}";`;
    assert.deepEqual(normalizeStatements([JSON.stringify([sql, 'GRANT x TO y'])]), [sql, 'GRANT x TO y']);
    assert.deepEqual(normalizeStatements([Buffer.from(sql).toString('base64')]), [sql]);
    assert.deepEqual(normalizeStatements(['', '  ', sql]), [sql]);
    assert.deepEqual(normalizeStatements(['SELECT ARRAY[1]']), ['SELECT ARRAY[1]']);
  });

  it('fills connection URLs with URL-escaped credentials unless escaping is disabled', () => {
    const url = 'postgresql://{{username}}:{{password}}@db:5432/app';
    assert.equal(renderConnectionUrl(url, 'ad min', 'p@ss/w', false), 'postgresql://ad%20min:p%40ss%2Fw@db:5432/app');
    assert.equal(renderConnectionUrl(url, 'u', 'p%40', true), 'postgresql://u:p%40@db:5432/app');
  });
});
