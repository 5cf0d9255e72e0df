import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_POSTGRES_USERNAME_TEMPLATE, renderUsername, templateError } from './name-template.js';

describe('database username templates', () => {
  it('renders the default postgres template as v-<display≤8>-<role≤8>-<20 random>-<unix>', () => {
    const before = Math.floor(Date.now() / 1000);
    const u = renderUsername(DEFAULT_POSTGRES_USERNAME_TEMPLATE, { DisplayName: 'token-abcdefghij', RoleName: 'readonly-role' });
    const m = /^v-token-ab-readonly-([A-Za-z0-9]{20})-(\d+)$/.exec(u);
    assert.ok(m, u);
    assert.ok(Number(m[2]) >= before);
    assert.ok(u.length <= 63);
  });

  it('truncates the whole default name to 63 characters', () => {
    const u = renderUsername('{{ printf "%s-%s" .DisplayName .RoleName | truncate 63 }}', { DisplayName: 'd'.repeat(40), RoleName: 'r'.repeat(40) });
    assert.equal(u.length, 63);
  });

  it('supports pipelines, literals and the string helpers', () => {
    const input = { DisplayName: 'Root', RoleName: 'My_Role' };
    assert.equal(renderUsername('app-{{.RoleName | lowercase | replace "_" "-"}}', input), 'app-my-role');
    assert.equal(renderUsername('{{ .DisplayName | uppercase }}_{{ "x" }}', input), 'ROOT_x');
    assert.equal(renderUsername('{{ random 5 | truncate 3 }}', input).length, 3);
    assert.match(renderUsername('{{uuid}}', input), /^[0-9a-f-]{36}$/);
    assert.equal(renderUsername('{{ .RoleName | truncate_sha256 20 }}', input), 'My_Role');
    assert.equal(renderUsername('{{ "abcdefghijklmnopqrstuvwxyz" | truncate_sha256 12 }}', input).length, 12);
    assert.equal(renderUsername('a {{- " b " -}}  c', input), 'a b c');
  });

  it('reports malformed templates', () => {
    assert.equal(templateError(DEFAULT_POSTGRES_USERNAME_TEMPLATE), null);
    assert.match(templateError('{{ nope 3 }}') ?? '', /not defined/);
    assert.match(templateError('{{ .Missing }}') ?? '', /unknown field/);
    assert.match(templateError('{{ .RoleName ') ?? '', /unclosed/);
    assert.match(templateError('{{ (truncate 3 .RoleName }}') ?? '', /missing/);
  });
});
