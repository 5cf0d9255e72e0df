import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createHash } from 'node:crypto';
import { clientOf, nonEntityClientId } from './client-id.js';
import { activityReport, exportBody, monthlyReport, type ClientRecord } from './report.js';
import type { TokenEntry } from '../tokens/types.js';

const rec = (id: string, nonEntity: boolean, mount: string, ts: number): ClientRecord => ({ client_id: id, non_entity: nonEntity, mount_accessor: `acc_${mount}`, mount_path: mount, mount_type: mount.split('/')[1] ?? '', timestamp: ts });
const JAN = Date.UTC(2026, 0, 10);
const FEB = Date.UTC(2026, 1, 3);
const MAR = Date.UTC(2026, 2, 20);

describe('client ids', () => {
  it('derives the non-entity client id from the sorted policies and the namespace, as Vault', () => {
    const want = createHash('sha256').update('default.dev#root').digest('base64');
    assert.equal(nonEntityClientId(['dev', 'default']), want);
    assert.equal(nonEntityClientId(['default', 'dev']), want);
    assert.notEqual(nonEntityClientId(['default']), want);
  });

  it('uses the entity, skips root and wrapping tokens, and derives the rest', () => {
    const t = (o: Partial<TokenEntry>): TokenEntry => ({ policies: ['default'], entityId: '', ...o }) as TokenEntry;
    assert.deepEqual(clientOf(t({ entityId: 'e-1' })), { id: 'e-1', nonEntity: false });
    assert.equal(clientOf(t({ policies: ['root'] })), null);
    assert.equal(clientOf(t({ policies: ['response-wrapping'] })), null);
    assert.deepEqual(clientOf(t({ policies: ['b', 'a'] })), { id: nonEntityClientId(['a', 'b']), nonEntity: true });
    // A fresh entry with the same policies (a batch token decoded again) is the same client.
    assert.deepEqual(clientOf(t({ policies: ['b', 'a'] })), { id: nonEntityClientId(['a', 'b']), nonEntity: true });
    assert.notDeepEqual(clientOf(t({ policies: ['a', 'b', 'c'] })), clientOf(t({ policies: ['a', 'b'] })));
  });
});

describe('activity report', () => {
  const records = new Map([
    ['2026-01', [rec('e1', false, 'auth/userpass/', JAN), rec('n1', true, 'auth/token/', JAN)]],
    ['2026-03', [rec('e1', false, 'auth/userpass/', MAR), rec('e2', false, 'auth/approle/', MAR)]],
  ]);

  it('counts each client once over the range, by namespace and mount, with every month listed', () => {
    const r = activityReport(records, Date.UTC(2026, 0, 1), Date.UTC(2026, 2, 25)) as Record<string, any>; // any: asserted field by field
    assert.equal(r['start_time'], '2026-01-01T00:00:00Z');
    assert.equal(r['end_time'], '2026-03-31T23:59:59Z');
    assert.deepEqual(r['total'], { acme_clients: 0, clients: 3, distinct_entities: 2, entity_clients: 2, non_entity_clients: 1, non_entity_tokens: 1, secret_syncs: 0 });
    const ns = r['by_namespace'][0];
    assert.equal(ns.namespace_id, 'root');
    assert.deepEqual(ns.mounts.map((m: { mount_path: string; counts: { clients: number } }) => [m.mount_path, m.counts.clients]), [['auth/approle/', 1], ['auth/token/', 1], ['auth/userpass/', 1]]);
    assert.deepEqual(r['months'].map((m: { timestamp: string }) => m.timestamp), ['2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z', '2026-03-01T00:00:00Z']);
    assert.deepEqual(r['months'][1], { timestamp: '2026-02-01T00:00:00Z', counts: null, namespaces: null, new_clients: null });
    assert.equal(r['months'][2].counts.clients, 2);
    // e1 was seen in January: in March only e2 is new.
    assert.equal(r['months'][2].new_clients.counts.clients, 1);
    assert.equal(r['months'][2].new_clients.namespaces[0].mounts[0].mount_path, 'auth/approle/');
  });

  it('has nothing to say about a range without clients (Vault answers 204)', () => {
    assert.equal(activityReport(records, Date.UTC(2026, 1, 1), Date.UTC(2026, 1, 28)), null);
    assert.equal(monthlyReport([], FEB), null);
  });

  it('reports this month so far', () => {
    const m = monthlyReport(records.get('2026-03')!, MAR) as Record<string, any>; // any: asserted field by field
    assert.equal(m['clients'], 2);
    assert.equal(m['entity_clients'], 2);
    assert.equal(m['months'][0].timestamp, '2026-03-01T00:00:00Z');
  });

  it('exports each client once as JSON lines or CSV', () => {
    const json = exportBody(records, Date.UTC(2026, 0, 1), MAR, 'json')!;
    const lines = json.trim().split('\n').map((l) => JSON.parse(l) as Record<string, string>);
    assert.deepEqual(lines.map((l) => l['client_id']), ['e1', 'n1', 'e2']);
    assert.deepEqual(lines[1], { client_id: 'n1', client_type: 'non-entity-token', namespace_id: 'root', namespace_path: '', mount_accessor: 'acc_auth/token/', mount_path: 'auth/token/', mount_type: 'token', timestamp: '2026-01-10T00:00:00Z' });
    const csv = exportBody(records, MAR, MAR, 'csv')!.trim().split('\n');
    assert.equal(csv[0], 'client_id,client_type,namespace_id,namespace_path,mount_accessor,mount_path,mount_type,timestamp');
    assert.equal(csv.length, 3);
    assert.equal(csv[1], 'e1,entity,root,,acc_auth/userpass/,auth/userpass/,userpass,2026-03-20T00:00:00Z');
    assert.equal(exportBody(records, FEB, FEB, 'csv'), null);
  });
});
